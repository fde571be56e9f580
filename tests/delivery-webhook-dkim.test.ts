/**
 * DKIM: a newsletter signed with DKIM_* verifies (RFC 6376 relaxed/relaxed, checked here with
 * node:crypto against the test's public key) and its h= covers both List-Unsubscribe headers.
 * Bounce webhook: signature and timestamp checked; hard bounces and complaints suppress and count
 * in the issue's report.
 */
import { createHash, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, insertReaders, readerEmail, waitForStatus } from './helpers/delivery';
import { signBounce } from '../src/http/webhooks';
import { emailHash } from '../src/subscribers/email-hash';

const SECRET = 'bounce-secret-0123456789abcdef';
let t: TestApp;
let publicKey: KeyObject;
let issueId: number;

beforeAll(async () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  publicKey = pair.publicKey;
  t = await startTestApp({
    env: {
      DKIM_DOMAIN: 'example.test',
      DKIM_SELECTOR: 'tidings',
      DKIM_PRIVATE_KEY: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      BOUNCE_WEBHOOK_SECRET: SECRET,
      SEND_RECONCILE_INTERVAL_MS: '300',
    },
  });
  await insertReaders(t.c.pool, 7);
  issueId = await createIssue(t, 'dkim');
  await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true });
  await waitForStatus(t, issueId, ['completed'], 30_000);
});
afterAll(async () => {
  await t?.close();
});

/** RFC 6376 verification, relaxed/relaxed, rsa-sha256. */
function dkimVerify(raw: Buffer, key: KeyObject): { ok: boolean; signed: string[]; bodyHashOk: boolean; c: string } {
  const text = raw.toString('binary');
  const sep = text.indexOf('\r\n\r\n');
  const fields = text.slice(0, sep).split(/\r\n(?![ \t])/);
  const body = text.slice(sep + 4);
  const sigField = fields.find((f) => /^dkim-signature:/i.test(f))!;
  const sigValue = sigField.slice(sigField.indexOf(':') + 1);
  const tags = Object.fromEntries(
    sigValue.split(';').map((p) => p.replace(/\s+/g, '')).filter(Boolean).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
  ) as Record<string, string>;

  const lines = body.split('\r\n').map((l) => l.replace(/[ \t]+/g, ' ').replace(/ +$/, ''));
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const canonBody = lines.length ? lines.join('\r\n') + '\r\n' : '';
  const bodyHashOk = createHash('sha256').update(canonBody, 'binary').digest('base64') === tags.bh;

  const relaxed = (f: string) => {
    const i = f.indexOf(':');
    return f.slice(0, i).trim().toLowerCase() + ':' + f.slice(i + 1).replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').trim();
  };
  const signed = tags.h!.toLowerCase().split(':');
  const used = new Set<number>();
  let data = '';
  for (const name of signed) {
    for (let i = fields.length - 1; i >= 0; i--) {
      if (used.has(i) || fields[i]!.slice(0, fields[i]!.indexOf(':')).trim().toLowerCase() !== name) continue;
      used.add(i);
      data += relaxed(fields[i]!) + '\r\n';
      break;
    }
  }
  data += relaxed(sigField.replace(/(^|;)(\s*b=)[^;]*/, '$1$2'));
  const ok = bodyHashOk && verify('sha256', Buffer.from(data, 'binary'), key, Buffer.from(tags.b!, 'base64'));
  return { ok, signed, bodyHashOk, c: tags.c ?? '' };
}

test('a DKIM-signed newsletter verifies, and the signature covers both List-Unsubscribe headers', async () => {
  const [m] = t.sink!.to(readerEmail(1));
  expect(m).toBeDefined();
  const result = dkimVerify(m!.raw, publicKey);
  expect(result.c).toBe('relaxed/relaxed');
  expect(result.bodyHashOk).toBe(true);
  expect(result.ok).toBe(true);
  expect(result.signed).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'from', 'subject', 'message-id']));

  // The check bites: a tampered one-click header no longer verifies.
  const tampered = Buffer.from(m!.raw.toString('binary').replace('List-Unsubscribe=One-Click', 'List-Unsubscribe=Two-Click'), 'binary');
  expect(dkimVerify(tampered, publicKey).ok).toBe(false);
});

async function postBounce(body: unknown, opts: { secret?: string; ts?: number; raw?: string } = {}) {
  const raw = opts.raw ?? JSON.stringify(body);
  const ts = opts.ts ?? Math.floor(Date.now() / 1000);
  return t.fetch('/webhooks/bounces', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-tidings-timestamp': String(ts),
      'x-tidings-signature': signBounce(opts.secret ?? SECRET, ts, raw),
    },
    body: raw,
  });
}

test('bounce webhook: bad or stale signatures are refused; hard bounces and complaints suppress and count', async () => {
  const hard = { email: readerEmail(2), type: 'hard', reason: '5.1.1 user unknown' };
  const wrong = await postBounce(hard, { secret: 'another-secret-0123456789' });
  expect(wrong.status).toBe(401);
  expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  expect((await postBounce(hard, { ts: Math.floor(Date.now() / 1000) - 3600 })).status).toBe(401);
  const unsigned = await t.fetch('/webhooks/bounces', { method: 'POST', json: hard });
  expect(unsigned.status).toBe(401);
  const suppressedBefore = await t.c.pool.query('SELECT count(*)::int AS n FROM suppressions');
  expect(suppressedBefore.rows[0].n).toBe(0);

  const ok = await postBounce(hard);
  expect(ok.status).toBe(200);
  expect(await ok.json()).toEqual({ accepted: true, suppressed: true });
  expect((await postBounce({ email: readerEmail(3), type: 'complaint' })).status).toBe(200);
  const soft = await postBounce({ email: readerEmail(4), type: 'soft', reason: 'mailbox full' });
  expect(await soft.json()).toEqual({ accepted: true, suppressed: false });
  const invalid = await postBounce({ email: readerEmail(4), type: 'bogus' });
  expect(invalid.status).toBe(422);
  expect(((await invalid.json()) as { error: { field: string } }).error.field).toBe('type');

  const { rows } = await t.c.pool.query<{ email_hash: Buffer; reason: string }>('SELECT email_hash, reason FROM suppressions ORDER BY reason');
  expect(rows.map((r) => [r.email_hash.toString('hex'), r.reason])).toEqual([
    [emailHash(readerEmail(3)).toString('hex'), 'complaint'],
    [emailHash(readerEmail(2)).toString('hex'), 'hard_bounce'],
  ]);

  const report = await t.fetch(`/api/issues/${issueId}/send/report`, { editor: true });
  expect(report.status).toBe(200);
  const body = (await report.json()) as { bounces: Record<string, number>; variants: { topics: string }[]; topics: { topic: string }[] };
  expect(body.bounces).toEqual({ hard: 1, complaint: 1, soft: 1 });
  expect(body.variants.length).toBe(7);
  expect(body.topics.map((x) => x.topic).sort()).toEqual(['ai', 'nev', 'telecom']);
});
