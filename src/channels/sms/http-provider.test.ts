import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { httpSms, type HttpSmsConfig } from './http-sms-config.js';
import {
  providerAnswer,
  providerCredentials,
  providerNumber,
  providerRequest,
  valueAt,
} from './http-provider.js';
import {
  providerInbound,
  providerStatus,
  webhookFields,
  webhookForgery,
  type WebhookRequest,
} from './http-webhook.js';
import { smsTexts } from './protocol/segments.js';
import { smsConfigProblem } from './sms-config.js';

const config = (c: Partial<HttpSmsConfig> = {}) =>
  httpSms(
    { protocol: 'http', url: 'https://api.example.net/sms', sourceAddr: '+15559900', ...c },
    { receiptSeconds: 600, maxParts: 6 },
  );
const sms = { from: '+15559900', to: 'tel:+4930123', text: 'Hallo' };

describe('requests to the provider', () => {
  test('JSON with the configured field names, nested by dotted paths, fixed fields and a bearer token', () => {
    const r = providerRequest(
      config({
        fromField: 'sender',
        toField: 'message.to',
        textField: 'message.body',
        extraFields: { account: 'acme' },
      }),
      'tok-1',
      sms,
    );
    assert.equal(r.url, 'https://api.example.net/sms');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers.authorization, 'Bearer tok-1');
    assert.deepEqual(JSON.parse(r.body), {
      account: 'acme',
      sender: '+15559900',
      message: { to: '+4930123', body: 'Hallo' },
    });
  });

  test('a form body with numbers as digits and basic auth', () => {
    const r = providerRequest(
      config({ bodyFormat: 'form', numberFormat: 'digits', auth: 'basic', username: 'acme' }),
      'pw:x',
      { ...sms, text: 'a&b=c ü' },
    );
    assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(r.headers.authorization, `Basic ${Buffer.from('acme:pw:x').toString('base64')}`);
    const fields = new URLSearchParams(r.body);
    assert.deepEqual(
      [fields.get('from'), fields.get('to'), fields.get('text')],
      ['15559900', '4930123', 'a&b=c ü'],
    );
  });

  test('no authorization header with auth none; an alphanumeric sender goes as it is', () => {
    const r = providerRequest(config({ auth: 'none' }), 'unused', { ...sms, from: 'Acme' });
    assert.equal(r.headers.authorization, undefined);
    assert.equal(JSON.parse(r.body).from, 'Acme');
    assert.equal(providerNumber('tel:+15550001', 'e164'), '+15550001');
    assert.equal(providerNumber('15550001', 'digits'), '15550001');
  });

  test('we split into texts that each fit one SMS', () => {
    const long = 'x'.repeat(400);
    assert.deepEqual(
      smsTexts(long).map((t) => t.length),
      [153, 153, 94],
    );
    assert.deepEqual(smsTexts('short'), ['short']);
    assert.equal(smsTexts('Καλημέρα '.repeat(10)).length, 2, 'UCS-2: 67 characters a part');
    assert.throws(() => smsTexts(long, 2), /3 SMS parts, more than 2/);
  });
});

describe('the provider’s answer', () => {
  test('2xx: accepted with the id at the configured path', () => {
    assert.deepEqual(
      providerAnswer({ messageIdPath: 'messages.0.id' }, 200, '{"messages":[{"id":"abc-1"}]}'),
      { result: 'accepted', messageId: 'abc-1' },
    );
    assert.deepEqual(providerAnswer({ messageIdPath: 'id' }, 201, '{"id":12345}'), {
      result: 'accepted',
      messageId: '12345',
    });
    assert.deepEqual(providerAnswer({ messageIdPath: 'id' }, 202, 'queued'), {
      result: 'accepted',
      messageId: null,
    });
    assert.equal(valueAt({ a: { b: [1, { c: 'x' }] } }, 'a.b.1.c'), 'x');
    assert.equal(valueAt({ a: null }, 'a.b'), null);
    assert.equal(valueAt({ 'a.b': 'flat' }, 'a.b'), 'flat');
  });

  test('429 is tried again without blaming the provider; 5xx and 408 blame it', () => {
    assert.deepEqual(providerAnswer({ messageIdPath: 'id' }, 429, 'slow down'), {
      result: 'retry',
      error: 'the provider answered 429: slow down',
      remote: true,
    });
    assert.equal(providerAnswer({ messageIdPath: 'id' }, 503, '').result, 'retry');
    assert.equal((providerAnswer({ messageIdPath: 'id' }, 502, '') as any).remote, false);
    assert.equal(providerAnswer({ messageIdPath: 'id' }, 408, '').result, 'retry');
  });

  test('other 4xx fail: bad credentials count against the resource, a bad number does not', () => {
    assert.deepEqual(providerAnswer({ messageIdPath: 'id' }, 401, '{"error":"bad token"}'), {
      result: 'failed',
      error: 'the provider answered 401: {"error":"bad token"}',
      remote: false,
    });
    assert.deepEqual(providerAnswer({ messageIdPath: 'id' }, 400, 'invalid number'), {
      result: 'failed',
      error: 'the provider answered 400: invalid number',
      remote: true,
    });
    assert.equal(providerAnswer({ messageIdPath: 'id' }, 302, '').result, 'failed');
  });
});

describe('credentials in the resource secret', () => {
  test('one string for both, or a JSON object with two', () => {
    assert.deepEqual(providerCredentials('s3cret'), {
      password: 's3cret',
      webhookSecret: 's3cret',
    });
    assert.deepEqual(providerCredentials('{"token":"t","webhookSecret":"w"}'), {
      password: 't',
      webhookSecret: 'w',
    });
    assert.deepEqual(providerCredentials('{not json'), {
      password: '{not json',
      webhookSecret: '{not json',
    });
    assert.deepEqual(providerCredentials(null), { password: '', webhookSecret: '' });
  });
});

describe('webhooks', () => {
  const body = Buffer.from('{"id":"abc-1","status":"delivered"}');
  const call = (headers: Record<string, string>, token?: string): WebhookRequest => ({
    contentType: 'application/json',
    body,
    header: (name) => headers[name],
    token,
  });
  const mac = createHmac('sha256', 'whsec').update(body).digest();

  test('an HMAC of the exact body, hex or base64, with or without sha256=', () => {
    const c = config();
    assert.equal(webhookForgery(c, 'whsec', call({ 'x-signature': mac.toString('hex') })), null);
    assert.equal(
      webhookForgery(c, 'whsec', call({ 'x-signature': `sha256=${mac.toString('hex')}` })),
      null,
    );
    const b64 = config({ signatureEncoding: 'base64', signatureHeader: 'X-Provider-Sig' });
    assert.equal(
      webhookForgery(b64, 'whsec', call({ 'x-provider-sig': mac.toString('base64') })),
      null,
    );
  });

  test('unsigned, forged, or signed with another secret: refused with the reason', () => {
    const c = config();
    assert.equal(webhookForgery(c, 'whsec', call({})), 'no x-signature header');
    const other = createHmac('sha256', 'other').update(body).digest('hex');
    assert.equal(
      webhookForgery(c, 'whsec', call({ 'x-signature': other })),
      'the signature does not match the body',
    );
    assert.equal(
      webhookForgery(c, 'whsec', call({ 'x-signature': 'zz' })),
      'the signature does not match the body',
    );
    assert.equal(
      webhookForgery(c, '', call({ 'x-signature': mac.toString('hex') })),
      'the resource has no webhook secret',
    );
  });

  test('a token in the URL', () => {
    const c = config({ webhookAuth: 'url-token' });
    assert.equal(webhookForgery(c, 'whsec', call({}, 'whsec')), null);
    assert.equal(webhookForgery(c, 'whsec', call({}, 'whsed')), 'the URL token is wrong');
    assert.equal(webhookForgery(c, 'whsec', call({})), 'no token in the URL');
  });

  test('statuses and incoming SMS from JSON or form bodies', () => {
    const fields = webhookFields(call({}))!;
    assert.deepEqual(providerStatus(config(), fields), {
      id: 'abc-1',
      status: 'delivered',
      outcome: 'delivered',
    });
    const form = webhookFields({
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
      body: Buffer.from('MessageSid=m1&MessageStatus=UNDELIVERED'),
      header: () => undefined,
      token: undefined,
    })!;
    const twilioish = config({ statusIdField: 'MessageSid', statusField: 'MessageStatus' });
    assert.equal(providerStatus(twilioish, form)!.outcome, 'failed');
    assert.equal(providerStatus(config(), { id: 'x', status: 'queued' })!.outcome, 'pending');
    assert.equal(providerStatus(config(), { id: 'x' }), null);
    assert.deepEqual(
      providerInbound(config({ inboundTextField: 'message.text' }), {
        from: '+15550001',
        to: '15559900',
        message: { text: 'S' },
      }),
      { from: 'tel:+15550001', to: 'tel:+15559900', text: 'S' },
    );
    assert.equal(providerInbound(config(), { from: 'Acme', to: '15559900', text: 'x' }), null);
    const bad = (contentType: string, text: string) =>
      webhookFields({
        contentType,
        body: Buffer.from(text),
        header: () => undefined,
        token: undefined,
      });
    assert.equal(bad('application/json', '[1,2]'), null);
    assert.equal(bad('application/json', '{'), null);
    assert.equal(bad('text/plain', 'id=1'), null);
  });
});

describe('configuration', () => {
  const base = { protocol: 'http', url: 'https://api.example.net/sms', sourceAddr: '+15559900' };
  test('a usable config, and what is wrong with bad ones', () => {
    assert.equal(smsConfigProblem(base), null);
    assert.match(smsConfigProblem({ ...base, url: 'ftp://x' })!, /config\.url/);
    assert.match(smsConfigProblem({ ...base, url: 'https://u:p@x/' })!, /credentials/);
    assert.match(smsConfigProblem({ ...base, auth: 'basic' })!, /username/);
    assert.match(smsConfigProblem({ ...base, bodyFormat: 'xml' })!, /bodyFormat is one of/);
    assert.match(smsConfigProblem({ ...base, toField: 'a b' })!, /toField/);
    assert.match(smsConfigProblem({ ...base, timeoutSeconds: 0 })!, /timeoutSeconds/);
    assert.match(smsConfigProblem({ ...base, extraFields: { a: 1 } })!, /extraFields/);
    assert.match(smsConfigProblem({ ...base, statusWebhooks: 'yes' })!, /statusWebhooks/);
    assert.match(smsConfigProblem({ ...base, sourceAddr: undefined })!, /sourceAddr/);
    assert.match(smsConfigProblem({ ...base, protocol: 'carrier-pigeon' })!, /smpp or http/);
  });
});
