import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readWav, samplesOf, wavOf } from './wav.js';

test('wavOf writes samples that readWav reads back, with their rate', () => {
  const samples = Int16Array.from([0, 1, -1, 32767, -32768]);
  const wav = wavOf(samples.subarray(1), 16000);
  assert.equal(wav.length, 44 + 8);
  const read = readWav(wav)!;
  assert.deepEqual([read.rate, read.channels, read.byteRate], [16000, 1, 32000]);
  assert.deepEqual([...samplesOf(read.data)], [1, -1, 32767, -32768]);
  assert.equal(readWav(wavOf(new Int16Array(0)))!.rate, 8000);
});
