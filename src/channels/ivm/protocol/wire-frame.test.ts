import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { wireFrame } from './wire-frame.js';

test('the frame is made once per payload and carries it whole', () => {
  const payload = Buffer.from('abc');
  const wire = wireFrame(payload);
  assert.equal(wireFrame(payload), wire, 'the same bytes for the next listener');
  assert.deepEqual([...wire.subarray(0, 2)], [0x82, 3]);
  assert.deepEqual(wire.subarray(2), payload);
});

test('a real WebSocket client reads the frames written straight to the socket, any length', async () => {
  const wss = new WebSocketServer({ noServer: true });
  const raw = new Promise<Socket>((resolve) =>
    wss.on('connection', (_ws, request) => resolve(request.socket as Socket)),
  );
  const server = createServer();
  server.on('upgrade', (request, socket, head) =>
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request)),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const got: Buffer[] = [];
  client.on('message', (data, isBinary) => {
    assert.equal(isBinary, true);
    got.push(data as Buffer);
  });
  await once(client, 'open');
  const socket = await raw;
  // 7-bit, 16-bit and 64-bit lengths.
  const payloads = [1, 125, 126, 1283, 65535, 65536, 70000].map((n) => Buffer.alloc(n, n % 251));
  for (const p of payloads) socket.write(wireFrame(p));
  while (got.length < payloads.length) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(
    got.map((b) => b.length),
    payloads.map((p) => p.length),
  );
  for (let i = 0; i < payloads.length; i++) assert.ok(got[i]!.equals(payloads[i]!));
  client.close();
  server.close();
  wss.close();
});
