/**
 * Failure handling on the real stack (in-process workers, SMTP sink with scripted answers):
 * 451 retried with bounded attempts, 550 5.1.1 failed and suppressed (and excluded next time),
 * unsubscribes during a send honoured, pause / resume / cancel, uncertain resolution, and the
 * circuit breaker.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, insertReaders, ledger, progress, readerEmail, waitForStatus, waitUntil, tallyDrift, fakeUncertain } from './helpers/delivery';
import { emailHash } from '../src/subscribers/email-hash';

const N = 700;
let t: TestApp;
let ids: Map<number, number>;
const firstAttempt = new Map<string, number>();

beforeAll(async () => {
  t = await startTestApp({
    env: {
      SEND_BATCH_SIZE: '100',
      SEND_CHUNK_SIZE: '25',
      SEND_RECONCILE_INTERVAL_MS: '300',
      SEND_LEASE_SECONDS: '10',
      SEND_RETRY_BASE_MS: '200',
      SEND_MAX_ATTEMPTS: '4',
      SEND_RATE_PER_SECOND: '200',
      SEND_BREAKER_MIN_FAILURES: '20',
      SEND_BREAKER_FAILURE_PERCENT: '20',
      SEND_BREAKER_WINDOW_SECONDS: '1',
    },
  });
  ids = await insertReaders(t.c.pool, N);
});
afterAll(async () => {
  await t?.close();
});

const deferred = (i: number) => i % 5 === 0; // 20%: 451 on the first attempt only
const bouncing = (i: number) => i % 50 === 7; // 550 5.1.1, always
const indexOf = (address: string) => Number(/^reader(\d+)@/.exec(address)?.[1] ?? 0);

function subjectCount(subject: string, address: string): number {
  return t.sink!.to(address).filter((m) => m.parsed.subject === subject).length;
}

async function sendId(issueId: number): Promise<number> {
  return (await progress(t, issueId)).send_id;
}

test('451 is retried (bounded), 550 5.1.1 fails and suppresses; the next issue leaves those out', async () => {
  t.sink!.policy = (address) => {
    const i = indexOf(address);
    if (bouncing(i)) return { code: 550, message: '5.1.1 <' + address + '>: user unknown' };
    if (deferred(i)) {
      const n = (firstAttempt.get(address) ?? 0) + 1;
      firstAttempt.set(address, n);
      if (n === 1) return { code: 451, message: '4.7.1 try again later' };
    }
    return undefined;
  };
  const issueId = await createIssue(t, 'failures-a');
  expect((await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true })).status).toBe(202);
  const final = await waitForStatus(t, issueId, ['completed'], 60_000);

  const bounced = [...ids.keys()].filter(bouncing);
  expect(final.failed).toBe(bounced.length);
  expect(final.sent).toBe(N - bounced.length);
  expect(final.uncertain).toBe(0);

  const failedRows = await t.c.pool.query<{ subscriber_id: number; smtp_code: number; attempts: number }>(
    `SELECT subscriber_id, smtp_code, attempts FROM deliveries WHERE send_id = $1 AND status = 'failed' ORDER BY subscriber_id`,
    [final.send_id],
  );
  expect(failedRows.rows.map((r) => r.subscriber_id)).toEqual(bounced.map((i) => ids.get(i)).sort((a, b) => a! - b!));
  expect(failedRows.rows.every((r) => r.smtp_code === 550 && r.attempts === 1)).toBe(true);

  // Deferred readers: delivered once, on the second attempt; nobody needed more than two.
  for (const i of [...ids.keys()].filter((i) => deferred(i) && !bouncing(i))) {
    expect(subjectCount('Tidings failures-a', readerEmail(i))).toBe(1);
  }
  const attempts = await t.c.pool.query<{ max: number; retried: number }>(
    `SELECT max(attempts)::int AS max, count(*) FILTER (WHERE attempts = 2)::int AS retried FROM deliveries WHERE send_id = $1`,
    [final.send_id],
  );
  expect(attempts.rows[0]!.max).toBe(2);
  expect(attempts.rows[0]!.retried).toBe([...ids.keys()].filter((i) => deferred(i) && !bouncing(i)).length);

  const suppressed = await t.c.pool.query<{ email_hash: Buffer }>(`SELECT email_hash FROM suppressions WHERE reason = 'hard_bounce'`);
  const hashes = new Set(suppressed.rows.map((r) => r.email_hash.toString('hex')));
  expect(hashes).toEqual(new Set(bounced.map((i) => emailHash(readerEmail(i)).toString('hex'))));

  // The next issue: suppressed addresses are not in the snapshot and get nothing.
  t.sink!.policy = () => undefined;
  const next = await createIssue(t, 'failures-b');
  await t.fetch(`/api/issues/${next}/send`, { method: 'POST', editor: true });
  const second = await waitForStatus(t, next, ['completed'], 60_000);
  expect(second.total).toBe(N - bounced.length);
  expect(second.sent).toBe(N - bounced.length);
  for (const i of bounced) expect(subjectCount('Tidings failures-b', readerEmail(i))).toBe(0);
}, 120_000);

test('100 unsubscribes during a send: nobody gets a message claimed after their unsubscribe', async () => {
  const issueId = await createIssue(t, 'unsub-race');
  await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true });
  const id = await sendId(issueId);
  await waitUntil(async () => ((await ledger(t.c.pool, id)).sent ?? 0) >= 30, 30_000, 'first messages');

  // Readers spread over the list, furthest from the workers first.
  const chosen = [...ids.keys()].filter((i) => !bouncing(i) && i % 6 === 1).sort((a, b) => b - a).slice(0, 100);
  expect(chosen.length).toBe(100);
  const unsubscribedAt = new Map<number, Date>();
  for (let k = 0; k < chosen.length; k += 10) {
    await Promise.all(
      chosen.slice(k, k + 10).map(async (i) => {
        const sid = ids.get(i)!;
        const token = t.c.linkTokens.sign(sid, 'unsubscribe');
        const res = await fetch(`${t.url}/unsubscribe/${token}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
        });
        expect(res.status).toBe(200);
        // Committed before this timestamp is taken.
        const { rows } = await t.c.pool.query<{ now: Date }>('SELECT clock_timestamp() AS now');
        unsubscribedAt.set(sid, rows[0]!.now);
      }),
    );
  }
  const final = await waitForStatus(t, issueId, ['completed'], 60_000);
  const { rows } = await t.c.pool.query<{ subscriber_id: number; status: string; claimed_at: Date | null }>(
    `SELECT subscriber_id, status, claimed_at FROM deliveries WHERE send_id = $1 AND subscriber_id = ANY($2::bigint[])`,
    [id, [...unsubscribedAt.keys()]],
  );
  expect(rows.length).toBe(100);
  let skipped = 0;
  for (const r of rows) {
    if (r.status === 'skipped') {
      skipped++;
      continue;
    }
    // Mailed only if claimed before the unsubscribe committed.
    expect(r.claimed_at!.getTime()).toBeLessThan(unsubscribedAt.get(r.subscriber_id)!.getTime());
  }
  expect(skipped).toBeGreaterThan(20); // many were unsubscribed before the workers reached them
  const skippedAddresses = rows.filter((r) => r.status === 'skipped').map((r) => r.subscriber_id);
  for (const sid of skippedAddresses) {
    const i = [...ids].find(([, v]) => v === sid)![0];
    expect(subjectCount('Tidings unsub-race', readerEmail(i))).toBe(0);
  }
  expect(final.sent + final.skipped + final.failed + final.uncertain).toBe(final.total);
}, 120_000);

test('pause stops claiming, resume continues, cancel ends the send with counts that add up', async () => {
  const issueId = await createIssue(t, 'control');
  await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true });
  const id = await sendId(issueId);
  await waitUntil(async () => ((await ledger(t.c.pool, id)).sent ?? 0) >= 20, 30_000, 'first messages');

  const paused = await t.fetch(`/api/issues/${issueId}/send/pause`, { method: 'POST', editor: true });
  expect(paused.status).toBe(200);
  expect(((await paused.json()) as { status: string }).status).toBe('paused');
  // In-flight chunks finish; after that nothing moves.
  await waitUntil(async () => !(await ledger(t.c.pool, id)).sending, 15_000, 'in-flight chunks to finish');
  const frozen = await ledger(t.c.pool, id);
  await new Promise((r) => setTimeout(r, 1000));
  expect(await ledger(t.c.pool, id)).toEqual(frozen);
  expect(frozen.sending ?? 0).toBe(0);
  expect((await progress(t, issueId)).pause_reason).toBe('paused by admin');
  // Progress derives pending from the send's total (pending rows are not in the status index):
  // it must match the ledger row for row, and the listing must find the pending rows.
  const pz = await progress(t, issueId);
  expect([pz.pending, pz.sent, pz.total]).toEqual([frozen.pending ?? 0, frozen.sent ?? 0, Object.values(frozen).reduce((a, b) => a + b, 0)]);
  expect(pz.pending).toBeGreaterThan(0);
  const listed = await t.fetch(`/api/issues/${issueId}/send/deliveries?status=pending&limit=1000`, { editor: true });
  const pendingRows = ((await listed.json()) as { deliveries: { status: string }[] }).deliveries;
  expect(pendingRows.length).toBe(Math.min(1000, pz.pending));
  expect(new Set(pendingRows.map((d) => d.status))).toEqual(new Set(['pending']));
  // Every batch is a range of subscriber ids holding exactly its own rows.
  const { rows: batches } = await t.c.pool.query<{ size: number; in_range: string; own: string }>(
    `SELECT b.size, (SELECT count(*) FROM deliveries d WHERE d.send_id = b.send_id
                     AND d.subscriber_id BETWEEN b.first_subscriber_id AND b.last_subscriber_id) AS in_range,
            (SELECT count(*) FROM deliveries d WHERE d.batch_id = b.id) AS own
     FROM send_batches b WHERE b.send_id = $1`,
    [id],
  );
  expect(batches.length).toBeGreaterThan(1);
  for (const b of batches) expect([Number(b.in_range), Number(b.own)]).toEqual([b.size, b.size]);

  const resumed = await t.fetch(`/api/issues/${issueId}/send/resume`, { method: 'POST', editor: true });
  expect(resumed.status).toBe(200);
  await waitUntil(async () => ((await ledger(t.c.pool, id)).sent ?? 0) > (frozen.sent ?? 0), 10_000, 'progress after resume');

  const cancelled = await t.fetch(`/api/issues/${issueId}/send/cancel`, { method: 'POST', editor: true });
  expect(cancelled.status).toBe(200);
  // Chunks already handed to SMTP finish normally; on a loaded machine that can take a while.
  const p = await waitUntil(async () => {
    const now = await progress(t, issueId);
    return now.pending === 0 ? now : undefined;
  }, 15_000, 'in-flight chunks to finish after cancel');
  expect(p.status).toBe('cancelled');
  expect(p.cancelled).toBeGreaterThan(0);
  expect(p.pending).toBe(0);
  expect(p.sent + p.skipped + p.failed + p.uncertain + p.cancelled + p.pending).toBe(p.total);
  // The issue is 'cancelled', not 'sent': it stays out of the public archive.
  const issue = (await (await t.fetch(`/api/issues/${issueId}`, { editor: true })).json()) as { status: string; slug: string };
  expect(issue.status).toBe('cancelled');
  expect((await t.fetch(`/issues/${issue.slug}`)).status).toBe(404);
  const cancelledList = (await (await t.fetch('/api/issues?status=cancelled', { editor: true })).json()) as { issues: { id: number }[] };
  expect(cancelledList.issues.map((i) => i.id)).toEqual([issueId]);
  const again = await t.fetch(`/api/issues/${issueId}/send/resume`, { method: 'POST', editor: true });
  expect(again.status).toBe(409);
  expect(((await again.json()) as { error: { code: string } }).error.code).toBe('not_running');
  // Each API action is in the send's audit log with the editor's name; the refused resume is not.
  const audit = await t.fetch(`/api/issues/${issueId}/send/audit`, { editor: true });
  const actions = ((await audit.json()) as { actions: { editor: string; action: string }[] }).actions;
  expect(actions.map((a) => `${a.editor} ${a.action}`)).toEqual(['admin send.cancel', 'admin send.resume', 'admin send.pause', 'admin send.start']);
}, 60_000);

test('uncertain deliveries are listed and resolved by the editor: mark-sent, or resend', async () => {
  const issueId = await createIssue(t, 'uncertain');
  await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true });
  const id = await sendId(issueId);
  await waitForStatus(t, issueId, ['completed'], 60_000);
  // Setup: pretend four handoffs ended without an answer (what a lost lease leaves behind).
  const rows = await fakeUncertain(t.c.pool, id, 4);
  const list = await t.fetch(`/api/issues/${issueId}/send/deliveries?status=uncertain`, { editor: true });
  expect(list.status).toBe(200);
  const listed = ((await list.json()) as { deliveries: { id: number }[] }).deliveries.map((d) => d.id).sort((a, b) => a - b);
  expect(listed).toEqual(rows.map((r) => r.id).sort((a, b) => a - b));

  const bad = await t.fetch(`/api/issues/${issueId}/send/uncertain/resolve`, { method: 'POST', editor: true, json: { action: 'maybe' } });
  expect(bad.status).toBe(422);
  expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('action');

  const mark = await t.fetch(`/api/issues/${issueId}/send/uncertain/resolve`, { method: 'POST', editor: true, json: { action: 'mark-sent', ids: [rows[0]!.id, rows[1]!.id] } });
  expect(mark.status).toBe(200);
  expect(((await mark.json()) as { resolved: number }).resolved).toBe(2);

  const before = t.sink!.messages.length;
  const resend = await t.fetch(`/api/issues/${issueId}/send/uncertain/resolve`, { method: 'POST', editor: true, json: { action: 'resend', all: true } });
  expect(resend.status).toBe(200);
  expect(((await resend.json()) as { resolved: number }).resolved).toBe(2);
  const final = await waitForStatus(t, issueId, ['completed'], 30_000);
  await t.sink!.waitFor(before + 2, 10_000);
  expect(final.uncertain).toBe(0);
  const resent = await t.c.pool.query(`SELECT count(*)::int AS n FROM deliveries WHERE send_id = $1 AND resolution = 'resent' AND status = 'sent'`, [id]);
  expect(resent.rows[0].n).toBe(2);
  const audit = await t.fetch(`/api/issues/${issueId}/send/audit`, { editor: true });
  const actions = ((await audit.json()) as { actions: { editor: string; action: string; detail: string | null }[] }).actions;
  expect(actions.map((a) => [a.action, a.detail])).toEqual([
    ['send.resolve', 'resend: 2 deliveries'],
    ['send.resolve', 'mark-sent: 2 deliveries'],
    ['send.start', null],
  ]);
}, 60_000);

test('the circuit breaker pauses a send when permanent failures pass the threshold', async () => {
  t.sink!.policy = (address) => (address.endsWith('@blocked.test') ? { code: 554, message: '5.7.1 rejected by policy' } : undefined);
  await insertReaders(t.c.pool, 120, { from: 5000, domain: 'blocked.test' });
  const issueId = await createIssue(t, 'breaker');
  await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true });
  const p = await waitForStatus(t, issueId, ['paused', 'completed'], 60_000);
  expect(p.status).toBe('paused');
  expect(p.pause_reason).toMatch(/too many permanent failures/);
}, 60_000);

test('every send above: the tallies behind the counts match the ledger row for row (migration 028)', async () => {
  expect(await tallyDrift(t.c.pool)).toEqual([]);
  const sends = await t.c.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM delivery_tallies');
  expect(sends.rows[0]!.n).toBeGreaterThan(0);
});
