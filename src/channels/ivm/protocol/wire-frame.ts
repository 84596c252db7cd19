/**
 * A server-to-client WebSocket binary frame (RFC 6455 section 5.2: FIN, opcode 2, unmasked, the
 * payload length in 7, 7+16 or 7+64 bits), made once for a live audio frame however many
 * listeners it goes to, so that each listener costs one socket write and nothing else.
 */
let lastPayload: Buffer | null = null;
let lastWire: Buffer = Buffer.alloc(0);

export function wireFrame(payload: Buffer): Buffer {
  // A frame's listeners are written one after another: the last frame made is the one asked for.
  if (payload === lastPayload) return lastWire;
  const length = payload.length;
  const header = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const wire = Buffer.allocUnsafe(header + length);
  wire[0] = 0x82;
  if (header === 2) wire[1] = length;
  else if (header === 4) {
    wire[1] = 126;
    wire.writeUInt16BE(length, 2);
  } else {
    wire[1] = 127;
    wire.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(wire, header);
  lastPayload = payload;
  lastWire = wire;
  return wire;
}
