import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A problem-details answer from the server, shown to the operator as its detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Record<string, unknown>,
  ) {
    super(`${status} ${String(problem.title ?? 'error')}: ${String(problem.detail ?? '')}`);
  }
}

export interface ClientSettings {
  url: string;
  token: string | null;
}

/**
 * Where the running server is: --url, else SWITCHBOARD_URL, else the ports.json that `start`
 * wrote into the data folder.
 */
export function clientSettings(
  options: { url?: string; token?: string; dataDir?: string },
  env: NodeJS.ProcessEnv,
): ClientSettings {
  let url = options.url ?? env.SWITCHBOARD_URL;
  if (!url) {
    const dataDir = options.dataDir ?? env.SWITCHBOARD_DATA_DIR ?? './data';
    try {
      url = (JSON.parse(readFileSync(join(dataDir, 'ports.json'), 'utf8')) as { url: string }).url;
    } catch {
      throw new Error(
        `cannot find the server: start it first, or pass --url (no ${join(dataDir, 'ports.json')})`,
      );
    }
  }
  return {
    url: url.replace(/\/$/, ''),
    token: options.token ?? env.SWITCHBOARD_ADMIN_TOKEN ?? null,
  };
}

export class ApiClient {
  constructor(private readonly settings: ClientSettings) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.settings.token) headers.authorization = `Bearer ${this.settings.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.settings.url}/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new Error(
        `cannot reach ${this.settings.url}: ${(err as Error).cause ?? (err as Error).message}`,
      );
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) throw new ApiError(res.status, (parsed ?? {}) as Record<string, unknown>);
    return parsed as T;
  }
}
