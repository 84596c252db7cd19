import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audioDurationMs } from './duration.js';

function wav(seconds: number, rate = 8000, extraChunk = false): Buffer {
  const data = Buffer.alloc(seconds * rate * 2);
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0, 'latin1');
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(1, 8);
  fmt.writeUInt16LE(1, 10);
  fmt.writeUInt32LE(rate, 12);
  fmt.writeUInt32LE(rate * 2, 16);
  fmt.writeUInt16LE(2, 20);
  fmt.writeUInt16LE(16, 22);
  const list = Buffer.from('LIST\x03\x00\x00\x00abc\x00', 'latin1');
  const head = Buffer.alloc(8);
  head.write('data', 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  const body = Buffer.concat([Buffer.from('WAVE'), fmt, ...(extraChunk ? [list] : []), head, data]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

test('WAV duration from the header, past other chunks (odd sizes padded)', () => {
  assert.equal(audioDurationMs('audio/wav', wav(3)), 3000);
  assert.equal(audioDurationMs('audio/x-wav; name=a.wav', wav(2, 16000, true)), 2000);
});

test('raw telephony codecs by their bit rate', () => {
  assert.equal(audioDurationMs('audio/32KADPCM', Buffer.alloc(40_000)), 10_000);
  assert.equal(audioDurationMs('audio/gsm', Buffer.alloc(33 * 50)), 1000);
});

test('unknown or broken audio has no duration rather than a wrong one', () => {
  assert.equal(audioDurationMs('audio/mpeg', Buffer.alloc(1000)), null);
  assert.equal(audioDurationMs('audio/wav', Buffer.from('RIFF....WAVEjunk')), null);
  assert.equal(audioDurationMs('audio/wav', Buffer.alloc(3)), null);
});
