import { useI18n, type TextKey } from '../i18n';

/** Inline SVG per message type: no icon font, nothing fetched from elsewhere. */
const PATHS: Record<string, string> = {
  voice:
    'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11z',
  ivm: 'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11z',
  fax: 'M6 2h9l3 3v5H6zm-2 9h16a2 2 0 0 1 2 2v6h-4v3H6v-3H2v-6a2 2 0 0 1 2-2zm4 7v2h8v-4H8z',
  email: 'M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm9 7 8-5H4z',
  sms: 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2zm3 6v2h2V9zm4 0v2h2V9zm4 0v2h2V9z',
  text: 'M5 3h14v2H5zm0 4h14v2H5zm0 4h14v2H5zm0 4h9v2H5z',
};

export function TypeIcon({ type }: { type: string }) {
  const { t } = useI18n();
  return (
    <svg
      class={`icon type-${type}`}
      viewBox="0 0 24 24"
      role="img"
      aria-label={t(`type.${type}` as TextKey)}
    >
      <path d={PATHS[type] ?? PATHS.text!} fill="currentColor" />
    </svg>
  );
}
