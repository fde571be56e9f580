/**
 * Amazon SES via SNS: signatures v1 (SHA1) and v2 (SHA256) checked against a configured
 * certificate (self-signed by openssl for the test, never fetched), the topic allow-list, the
 * certificate URL pattern, freshness, certificate validity, and the SES bounce/complaint mapping.
 * The string to sign is built here from AWS's documentation, independently of the code under test.
 */
import { createSign } from 'node:crypto';
import { SesWebhook } from '../src/deliverability/providers/ses';
import { SnsVerifier } from '../src/deliverability/providers/sns';
import { MESSAGE_ID, VERP_ADDRESS, appErrorOf, jsonFixture, selfSignedCert } from './helpers/deliverability';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:tidings-ses-feedback';
// The verifier's clock: a few minutes from now, so inside the validity of the certificates made in
// beforeAll (valid from the second they are made, for 2 days). The SNS Timestamp is 24 s before.
const NOW = Date.now() + 5 * 60_000;
const STAMP = new Date(NOW - 24_000).toISOString();
let signer: { cert: string; key: string };
let other: { cert: string; key: string };

beforeAll(() => {
  signer = selfSignedCert();
  other = selfSignedCert();
});

type Envelope = Record<string, string>;

/** AWS's documented string to sign, written out field by field. */
function stringToSign(e: Envelope): string {
  const fields = e.Type === 'Notification' ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  let s = '';
  for (const f of fields) if (e[f] !== undefined) s += `${f}\n${e[f]}\n`;
  return s;
}

function sign(e: Envelope, key = signer.key): Envelope {
  const algorithm = e.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256';
  return { ...e, Signature: createSign(algorithm).update(stringToSign(e), 'utf8').sign(key, 'base64') };
}

/** An SNS Notification carrying the SES notification fixture `name`. */
function notification(name: string, changes: Envelope = {}): Envelope {
  const envelope = JSON.parse(jsonFixture('sns-envelope.json')) as Envelope;
  return { ...envelope, Message: JSON.stringify(JSON.parse(jsonFixture(name))), Timestamp: STAMP, ...changes };
}

function body(e: Envelope): Buffer {
  return Buffer.from(JSON.stringify(e));
}

function webhook(opts: { certificates?: string[]; topicArns?: string[]; now?: number } = {}): SesWebhook {
  return new SesWebhook({ certificates: opts.certificates ?? [signer.cert], topicArns: opts.topicArns ?? [TOPIC], now: () => opts.now ?? NOW });
}

describe('SES notifications through a verified SNS message', () => {
  test('a permanent bounce (signature v2) → one hard bounce per recipient, with our Message-ID and VERP sender', () => {
    const r = webhook().verify(body(sign(notification('ses-bounce-permanent.json'))));
    expect(r).toEqual({
      type: 'notification',
      ignored: 0,
      replayKey: 'ses:5f0e1c2d-3a4b-4c5d-8e9f-0a1b2c3d4e5f',
      events: ['reader@example.com', 'second.reader@example.com'].map((address, i) => ({
        kind: 'hard_bounce',
        source: 'ses',
        address,
        status: '5.1.1',
        diagnostic: i === 0 ? 'smtp; 550 5.1.1 <reader@example.com>: mailbox does not exist' : 'smtp; 550 5.1.1 user unknown',
        providerMessageId: '0102018f4c1b6f00-11112222-3333-4444-5555-666677778888-000000',
        providerEventId: '0102018f4c1b7a2e-aaaa1111-bbbb-2222-cccc-3333dddd4444-000000',
        messageId: MESSAGE_ID,
        envelopeSender: VERP_ADDRESS,
        occurredAt: new Date('2024-05-06T10:00:04.512Z'),
      })),
    });
  });

  test('a complaint signed with signature v1 (SHA1) → complaint, Message-ID from the raw headers', () => {
    const r = webhook().verify(body(sign(notification('ses-complaint.json', { SignatureVersion: '1', Subject: 'Amazon SES Email Event Notification' }))));
    expect(r).toMatchObject({ type: 'notification', ignored: 0 });
    expect(r.type === 'notification' && r.events).toEqual([
      {
        kind: 'complaint',
        source: 'ses',
        address: 'reader@example.com',
        feedbackType: 'abuse',
        providerMessageId: '0102018f4c1b6f00-complaint-000000',
        providerEventId: '0102018f4c1b7a2e-complaint-000000',
        messageId: MESSAGE_ID,
        envelopeSender: VERP_ADDRESS,
        occurredAt: new Date('2024-05-08T12:00:00.000Z'),
      },
    ]);
  });

  test.each([
    ['ses-bounce-transient.json', ['soft_bounce'], 0],
    ['ses-bounce-undetermined.json', ['soft_bounce'], 0],
    ['ses-complaint-not-spam.json', [], 1],
    ['ses-delivery.json', [], 1],
  ])('%s → %j (ignored %d)', (name, kinds, ignored) => {
    const r = webhook().verify(body(sign(notification(name))));
    expect(r.type === 'notification' && r.events.map((e) => e.kind)).toEqual(kinds);
    expect(r.type === 'notification' && r.ignored).toBe(ignored);
  });

  test('a "Permanent" bounce whose recipient status is 4.x.x stays soft', () => {
    const ses = JSON.parse(jsonFixture('ses-bounce-permanent.json')) as { bounce: { bouncedRecipients: Array<{ status: string }> } };
    ses.bounce.bouncedRecipients[0]!.status = '4.4.7';
    const r = webhook().verify(body(sign(notification('ses-bounce-permanent.json', { Message: JSON.stringify(ses) }))));
    expect(r.type === 'notification' && r.events.map((e) => [e.kind, e.status])).toEqual([
      ['soft_bounce', '4.4.7'],
      ['hard_bounce', '5.1.1'],
    ]);
  });

  test('a signed message that is not an SES notification is ignored, not an error', () => {
    const r = webhook().verify(body(sign(notification('ses-delivery.json', { Message: 'hello from a test publish' }))));
    expect(r).toMatchObject({ type: 'notification', events: [], ignored: 1 });
  });

  test('a subscription confirmation is verified (its own field list) and returned with its SubscribeURL', () => {
    const confirmation: Envelope = { ...(JSON.parse(jsonFixture('sns-subscription-confirmation.json')) as Envelope), Timestamp: STAMP };
    const r = webhook().verify(body(sign(confirmation)));
    expect(r).toEqual({
      type: 'subscription_confirmation',
      topicArn: TOPIC,
      subscribeUrl: confirmation.SubscribeURL,
      replayKey: 'ses:0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d',
    });
    // The Token is part of what is signed.
    expect(appErrorOf(() => webhook().verify(body({ ...sign(confirmation), Token: 'x' + confirmation.Token!.slice(1) }))).status).toBe(401);
  });

  test('a second certificate (AWS rotating) verifies too', () => {
    const r = webhook({ certificates: [signer.cert, other.cert] }).verify(body(sign(notification('ses-bounce-transient.json'), other.key)));
    expect(r.type).toBe('notification');
  });
});

describe('refusals', () => {
  const signed = () => sign(notification('ses-bounce-permanent.json'));

  test.each([
    ['the Message changed after signing', (e: Envelope) => ({ ...e, Message: e.Message!.replace('reader@example.com', 'victim@example.com') })],
    ['a Subject added after signing', (e: Envelope) => ({ ...e, Subject: 'x' })],
    ['the Timestamp changed', (e: Envelope) => ({ ...e, Timestamp: new Date(NOW - 23_000).toISOString() })],
    ['the TopicArn changed', (e: Envelope) => ({ ...e, TopicArn: TOPIC + '-2' })],
    ['the signature version changed', (e: Envelope) => ({ ...e, SignatureVersion: '1' })],
    ['an unknown signature version', (e: Envelope) => ({ ...e, SignatureVersion: '3' })],
    ['a garbage signature', (e: Envelope) => ({ ...e, Signature: 'AAAA' })],
    ['no signature', (e: Envelope) => Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'Signature'))],
    ['an unknown Type', (e: Envelope) => ({ ...e, Type: 'Other' })],
  ])('%s → 401', (_name, tamper) => {
    const err = appErrorOf(() => webhook().verify(body(tamper(signed()))));
    expect([err.status, err.code]).toEqual([401, 'unauthorized']);
  });

  test('signed with a key whose certificate is not configured → 401', () => {
    expect(appErrorOf(() => webhook().verify(body(sign(notification('ses-bounce-permanent.json'), other.key)))).message).toBe('Bad signature.');
  });

  test.each([
    'https://sns.eu-west-1.amazonaws.com.attacker.example/cert.pem',
    'http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-a.pem',
    'https://attacker.example/sns.eu-west-1.amazonaws.com.pem',
    'https://sns.eu-west-1.amazonaws.com/not-a-certificate.txt',
    'https://sns.eu-west-1.amazonaws.com:8443/SimpleNotificationService-a.pem',
    'not a url',
  ])('SigningCertURL %s → 401 even with a valid signature', (url) => {
    const err = appErrorOf(() => webhook().verify(body(sign(notification('ses-bounce-permanent.json', { SigningCertURL: url })))));
    expect(err.message).toBe('SigningCertURL is not an Amazon SNS certificate URL.');
  });

  test('China regions (amazonaws.com.cn) are accepted', () => {
    const url = 'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-a.pem';
    expect(webhook().verify(body(sign(notification('ses-bounce-transient.json', { SigningCertURL: url })))).type).toBe('notification');
  });

  test('a correctly signed message from a topic we did not subscribe → 403', () => {
    const err = appErrorOf(() => webhook().verify(body(sign(notification('ses-bounce-permanent.json', { TopicArn: 'arn:aws:sns:eu-west-1:999999999999:someone-else' })))));
    expect([err.status, err.code]).toEqual([403, 'unknown_topic']);
  });

  test('stale or future timestamps → 401; inside the hour-long retry window → accepted', () => {
    const e = body(signed());
    const sent = NOW - 24_000;
    expect(webhook({ now: sent + 3600_000 }).verify(e).type).toBe('notification');
    expect(appErrorOf(() => webhook({ now: sent + 3600_000 + 301_000 }).verify(e)).message).toBe('Missing or stale signature timestamp.');
    expect(appErrorOf(() => webhook({ now: sent - 3600_000 - 301_000 }).verify(e)).status).toBe(401);
  });

  test('a certificate past its validity period does not verify', () => {
    const later = NOW + 5 * 86_400_000; // the test certificate is valid for 2 days
    const e = body(sign(notification('ses-bounce-permanent.json', { Timestamp: new Date(later).toISOString() })));
    expect(appErrorOf(() => webhook({ now: later }).verify(e)).message).toBe('Bad signature.');
  });

  test('not JSON → 400; not an object → 401', () => {
    expect([appErrorOf(() => webhook().verify(Buffer.from('{"Type":'))).status, appErrorOf(() => webhook().verify(Buffer.from('{"Type":'))).code]).toEqual([400, 'invalid_json']);
    expect(appErrorOf(() => webhook().verify(Buffer.from('[1,2]'))).status).toBe(401);
  });

  test('configuration without a certificate or a topic is refused at construction', () => {
    expect(() => new SnsVerifier({ certificates: [], topicArns: [TOPIC] })).toThrow(TypeError);
    expect(() => new SnsVerifier({ certificates: [signer.cert], topicArns: [] })).toThrow(TypeError);
    expect(() => new SnsVerifier({ certificates: ['not a pem'], topicArns: [TOPIC] })).toThrow();
  });
});
