import assert from 'node:assert/strict';
import { test } from 'node:test';
import { documentPages } from './pages.js';

/** A little-endian TIFF skeleton with `pages` IFDs of one entry each, chained. */
function tiff(pages: number, loop = false): Buffer {
  const buf = Buffer.alloc(8 + pages * 18);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(8, 4);
  for (let p = 0; p < pages; p++) {
    const at = 8 + p * 18;
    buf.writeUInt16LE(1, at);
    const last = p === pages - 1;
    buf.writeUInt32LE(last ? (loop ? 8 : 0) : at + 18, at + 14);
  }
  return buf;
}

test('TIFF pages by their IFD chain; a looping chain ends the count', () => {
  assert.equal(documentPages('image/tiff; application=faxg3', tiff(3)), 3);
  assert.equal(documentPages('image/tiff', tiff(2, true)), 2);
  assert.equal(documentPages('image/tiff', Buffer.from('not a tiff')), null);
});

test('PDF pages by their page objects, not the page tree', () => {
  const pdf = Buffer.from('%PDF-1.4 <</Type /Pages /Count 2>> <</Type /Page>> <</Type/Page /X 1>>');
  assert.equal(documentPages('application/pdf', pdf), 2);
  assert.equal(documentPages('text/plain', pdf), null);
});
