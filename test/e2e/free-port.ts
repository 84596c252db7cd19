import { createServer } from 'node:net';

/** A free UDP/TCP port number on loopback, for a program's own socket (baresip, Kamailio). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}
