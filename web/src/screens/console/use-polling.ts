import { useCallback, useEffect, useState } from 'preact/hooks';

/**
 * Loads now and then every `intervalMs` while the page is visible, so what changes on the server
 * (a resource going out of service, a delivery being sent) shows without a reload.
 */
export function usePolling<T>(load: () => Promise<T>, intervalMs: number, key: string) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const reload = useCallback(async () => {
    try {
      setData(await load());
      setError(null);
    } catch (err) {
      setError(err as Error);
    }
    // `key` names everything `load` depends on.
  }, [key]);

  useEffect(() => {
    setData(null);
    void reload();
    const timer = setInterval(() => {
      if (!document.hidden) void reload();
    }, intervalMs);
    return () => clearInterval(timer);
  }, [reload, intervalMs]);

  return { data, error, reload };
}
