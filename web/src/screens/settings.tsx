import type { Me } from '../api';
import { useI18n } from '../i18n';

export function Settings(_props: { me: Me; params: URLSearchParams }) {
  const { t } = useI18n();
  return <h1>{t('nav.settings')}</h1>;
}
