import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDeliveryReceipt, idCandidates, receiptOutcome } from './delivery-receipt.js';
import { decodeGsm7, encodeGsm7, isGsm7 } from './gsm7.js';
import { Reassembly } from './reassembly.js';
import { planSms, smsPartCount } from './segments.js';
import { decodeShortMessage } from './short-message.js';

test('GSM-7: the basic and extension tables both ways; what it lacks is refused', () => {
  const text = 'Hello @ £5 ¿Qué? Ä ö ñ à € [x] {y} ~|^\\';
  assert.ok(isGsm7(text));
  const septets = encodeGsm7(text);
  assert.ok(septets.every((b) => b < 0x80));
  assert.equal(septets[6], 0x00, '@ is septet 0');
  assert.equal(decodeGsm7(septets), text);
  // € costs two septets: escape then 0x65.
  assert.deepEqual([...encodeGsm7('€')], [0x1b, 0x65]);
  assert.ok(!isGsm7('Привет'));
  assert.ok(!isGsm7('ç is not in the basic table, Ç is'));
  assert.throws(() => encodeGsm7('Ω ok, ю not'), /GSM-7 has no/);
});

test('a short GSM text is one part of data_coding 0; 160 septets still fit, 161 do not', () => {
  const one = planSms('x'.repeat(160), 7);
  assert.deepEqual([one.dataCoding, one.parts.length, one.parts[0]!.length], [0, 1, 160]);
  const two = planSms('x'.repeat(161), 7);
  assert.equal(two.parts.length, 2);
  // € counts twice: 80 of them are 160 septets, one part.
  assert.equal(smsPartCount('€'.repeat(80)), 1);
  assert.equal(smsPartCount('€'.repeat(81)), 2);
});

test('a 400-character text goes as three concatenated parts with one reference, and joins back', () => {
  const text = Array.from({ length: 400 }, (_, i) => 'abcdefghij'[i % 10]).join('');
  const plan = planSms(text, 0x1a2);
  assert.equal(plan.dataCoding, 0);
  assert.equal(plan.parts.length, 3);
  assert.equal(plan.reference, 0xa2);
  const joiner = new Reassembly(60_000);
  let whole = null;
  // Parts may arrive in any order, and twice.
  for (const i of [2, 0, 0, 1]) {
    const p = plan.parts[i]!;
    assert.deepEqual([...p.subarray(0, 6)], [5, 0, 3, 0xa2, 3, i + 1]);
    assert.ok(p.length - 6 <= 153);
    const d = decodeShortMessage(p, 0, 0x40);
    assert.deepEqual(d.part, { reference: 0xa2, total: 3, seq: i + 1 });
    whole = joiner.add('tel:+4930777', d.part!, d.text) ?? whole;
  }
  assert.deepEqual(whole, { key: 'tel:+4930777|162|3', text, missing: 0 });
  assert.equal(joiner.size, 0);
});

test('Greek and Cyrillic go as UCS-2 (data_coding 8): 70 characters a part, 67 when concatenated', () => {
  const greek = 'Καλημέρα! Το μήνυμά σας έφτασε.';
  const plan = planSms(greek, 1);
  assert.equal(plan.dataCoding, 8);
  assert.equal(plan.parts[0]!.toString('hex').slice(0, 4), '039a', 'Κ as UTF-16BE');
  assert.equal(decodeShortMessage(plan.parts[0]!, 8, 0).text, greek);
  const cyrillic = 'Привет'.repeat(12); // 72 characters
  const parts = planSms(cyrillic, 9).parts;
  assert.equal(parts.length, 2);
  assert.equal(parts[0]!.length, 6 + 67 * 2);
  assert.equal(parts.map((p) => decodeShortMessage(p, 8, 0x40).text).join(''), cyrillic);
  // A surrogate pair is never split between parts.
  const emoji = 'a' + '😀'.repeat(40);
  const e = planSms(emoji, 3).parts.map((p) => decodeShortMessage(p, 8, 0x40).text);
  assert.equal(e.join(''), emoji);
  assert.ok(e.every((t) => !/[\ud800-\udbff]$/.test(t)));
  assert.throws(() => planSms('x'.repeat(2000), 1, 10), /needs 14 SMS parts, more than 10/);
});

test('a UDH longer than the message is an error; a 16-bit reference is read; Latin-1 decodes', () => {
  assert.throws(() => decodeShortMessage(Buffer.from([9, 0, 3]), 0, 0x40), /longer than/);
  const sixteen = Buffer.concat([Buffer.from([6, 8, 4, 0x12, 0x34, 2, 1]), encodeGsm7('hi')]);
  assert.deepEqual(decodeShortMessage(sixteen, 0, 0x40), {
    text: 'hi',
    part: { reference: 0x1234, total: 2, seq: 1 },
  });
  assert.equal(decodeShortMessage(Buffer.from('café', 'latin1'), 3, 0).text, 'café');
  assert.equal(decodeShortMessage(Buffer.from([5, 0, 3, 1, 2, 3, 0x41]), 0, 0x40).part, null);
});

test('parts that stop coming are given up with what came', () => {
  const joiner = new Reassembly(1000);
  assert.equal(joiner.add('a', { reference: 1, total: 3, seq: 1 }, 'one ', 0), null);
  assert.equal(joiner.add('a', { reference: 1, total: 3, seq: 3 }, 'three', 10), null);
  assert.deepEqual(joiner.expired(500), []);
  assert.deepEqual(joiner.expired(1000), [{ key: 'a|1|3', text: 'one three', missing: 1 }]);
  const small = new Reassembly(1000, 1);
  small.add('a', { reference: 1, total: 2, seq: 1 }, 'x');
  assert.deepEqual(small.add('b', { reference: 1, total: 2, seq: 1 }, 'y'), {
    key: 'b|1|2',
    text: 'y',
    missing: 1,
  });
});

test('delivery receipts: the text of Appendix B, the TLVs first, ids in either base', () => {
  const text =
    'id:0A1B2C sub:001 dlvrd:001 submit date:2611251200 done date:2611251201 stat:DELIVRD err:000 Text:Hello';
  assert.deepEqual(parseDeliveryReceipt(text), {
    id: '0A1B2C',
    stat: 'DELIVRD',
    err: '000',
    doneDate: '2611251201',
  });
  assert.equal(
    parseDeliveryReceipt('ID:7 STAT:undeliv ERR:1', {})?.stat,
    'UNDELIV',
    'field names in any case',
  );
  assert.deepEqual(
    parseDeliveryReceipt(text, { receiptedMessageId: '99\0', messageState: 5 })?.id,
    '99',
  );
  assert.equal(parseDeliveryReceipt('no receipt here'), null);
  assert.ok(idCandidates('0A1B2C').includes(String(0x0a1b2c)));
  assert.ok(idCandidates(String(0x0a1b2c)).includes('a1b2c'));
  assert.deepEqual(['DELIVRD', 'UNDELIV', 'ENROUTE'].map(receiptOutcome), [
    'delivered',
    'failed',
    'pending',
  ]);
});
