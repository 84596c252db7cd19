import type { HttpSms } from './http-sms-config.js';
import { providerAnswer, providerRequest, type ProviderAnswer } from './http-provider.js';

/** The most of a provider's answer that is read: an id is near the start of any sane one. */
const MAX_ANSWER_CHARS = 65_536;

/**
 * POSTs one text to the provider and reads its answer. No answer within the timeout, or no
 * connection, is the provider's trouble and tried again. Redirects are not followed: the
 * credentials would go along to wherever they point.
 */
export async function submitToProvider(
  config: HttpSms,
  password: string,
  sms: { from: string; to: string; text: string },
): Promise<ProviderAnswer> {
  const request = providerRequest(config, password, sms);
  const timeoutMs = config.timeoutSeconds * 1000;
  try {
    const res = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.text()).slice(0, MAX_ANSWER_CHARS);
    return providerAnswer(config, res.status, body);
  } catch (err) {
    const reason =
      (err as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : String((err as Error).cause ?? err);
    return {
      result: 'retry',
      error: `the provider at ${new URL(request.url).host}: ${reason}`,
      remote: false,
    };
  }
}
