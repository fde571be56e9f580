/**
 * Issue 11, item 9: a replayed signed webhook changes nothing. The same signature within the
 * tolerance window answers 409 and records no second event; a new signature for the same report
 * (a relay reporting again) is accepted.
 */
import { signBounce } from '../src/http/webhooks';
import { startTestApp, type TestApp } from './helpers/app';

const SECRET = 'bounce-secret-0123456789abcdef';

describe('signed bounce webhook replays', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { BOUNCE_WEBHOOK_SECRET: SECRET } });
  });
  afterAll(() => t.close());

  const signed = (body: unknown, ts = Math.floor(Date.now() / 1000)) => {
    const raw = JSON.stringify(body);
    return { 'content-type': 'application/json', 'x-tidings-timestamp': String(ts), 'x-tidings-signature': signBounce(SECRET, ts, raw), body: raw };
  };
  const post = ({ body, ...headers }: ReturnType<typeof signed>) => t.fetch('/webhooks/bounces', { method: 'POST', headers, body });
  const events = async (type: string) =>
    (await t.c.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bounce_events WHERE type = $1', [type])).rows[0]!.n;

  it('answers 409 to the same signature and records one event', async () => {
    const request = signed({ email: 'soft.bounce@example.org', type: 'soft', reason: 'mailbox full' });
    expect((await post(request)).status).toBe(200);
    const again = await post(request);
    expect(again.status).toBe(409);
    expect((await again.json()).error).toMatchObject({ code: 'replayed' });
    expect(await events('soft')).toBe(1);

    // The relay reporting the same bounce again signs a new timestamp: that is a new report.
    const later = signed({ email: 'soft.bounce@example.org', type: 'soft', reason: 'mailbox full' }, Math.floor(Date.now() / 1000) + 1);
    expect((await post(later)).status).toBe(200);
    expect(await events('soft')).toBe(2);
  });

  it('of concurrent copies of one request exactly one is recorded', async () => {
    const request = signed({ email: 'complaint@example.org', type: 'complaint' });
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(request).then((r) => r.status)));
    expect(answers.sort()).toEqual([200, 409, 409, 409, 409, 409]);
    expect(await events('complaint')).toBe(1);
    const { rows } = await t.c.pool.query("SELECT reason FROM suppressions WHERE reason = 'complaint'");
    expect(rows).toHaveLength(1);
  });

  it('keeps only hashes of signatures, and drops them once they expire', async () => {
    const { rows } = await t.c.pool.query<{ signature_hash: Buffer; expires_at: Date }>('SELECT signature_hash, expires_at FROM webhook_replays');
    expect(rows.length).toBe(3);
    for (const r of rows) {
      expect(r.signature_hash).toHaveLength(32);
      // Expiry = the signature's timestamp + the 300 s tolerance.
      expect(Math.abs(r.expires_at.getTime() - (Date.now() + 300_000))).toBeLessThan(60_000);
    }
    await t.c.pool.query("UPDATE webhook_replays SET expires_at = now() - interval '1 second'");
    expect((await post(signed({ email: 'another@example.org', type: 'soft' }))).status).toBe(200);
    expect((await t.c.pool.query('SELECT count(*)::int AS n FROM webhook_replays')).rows[0].n).toBe(1);
  });
});
