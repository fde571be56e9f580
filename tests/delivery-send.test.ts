/**
 * A whole send on the real stack: 2,000 readers over all 7 topic sets each get exactly one email
 * with exactly their items and the contract's headers; concurrent and repeated send calls make one
 * send; the progress stream reports until completion; counts add up.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { ALL_TOPICS_OK, checkHeaders } from './helpers/delivery-checks';
import { createIssue, expectedTitles, insertReaders, ITEMS, progress, readerEmail, topicsOf, waitForStatus, tallyDrift } from './helpers/delivery';

const N = 2000;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({
    env: { SEND_BATCH_SIZE: '200', SEND_CHUNK_SIZE: '50', SEND_RECONCILE_INTERVAL_MS: '500', WORKER_CONCURRENCY: '4' },
  });
  await insertReaders(t.c.pool, N);
});
afterAll(async () => {
  await t?.close();
});

async function readEvents(res: Response, until: (ev: string) => boolean): Promise<{ event: string; data: { status: string; sent: number } }[]> {
  const reader = res.body!.getReader();
  const events: { event: string; data: { status: string; sent: number } }[] = [];
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += Buffer.from(value).toString('utf8');
    let idx: number;
    while ((idx = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, idx);
      buf = buf.slice(idx + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
      if (event && until(event)) {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}

test('2,000 readers over 7 topic sets each get exactly one email with exactly their items', async () => {
  const issueId = await createIssue(t, 'delivery-send');
  const other = await createIssue(t, 'delivery-send-other');

  // Two concurrent calls (one with an Idempotency-Key) and a repeat: one send.
  const [a, b] = await Promise.all([
    t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true, headers: { 'Idempotency-Key': 'key-1' } }),
    t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true }),
  ]);
  expect([a.status, b.status]).toEqual([202, 202]);
  const pa = (await a.json()) as { send_id: number; status: string };
  const pb = (await b.json()) as { send_id: number };
  expect(pa.send_id).toBe(pb.send_id);
  expect(['preparing', 'sending', 'completed']).toContain(pa.status);

  // The progress stream, opened while the send runs.
  const sse = await t.fetch(`/api/issues/${issueId}/send/events`, { editor: true });
  expect(sse.status).toBe(200);
  expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const eventsDone = readEvents(sse, (e) => e === 'end');

  const again = await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true, headers: { 'Idempotency-Key': 'key-1' } });
  expect(again.status).toBe(202);
  expect(((await again.json()) as { send_id: number }).send_id).toBe(pa.send_id);
  // The same key for another issue is a conflict, not a second send.
  const reused = await t.fetch(`/api/issues/${other}/send`, { method: 'POST', editor: true, headers: { 'Idempotency-Key': 'key-1' } });
  expect(reused.status).toBe(409);
  const sends = await t.c.pool.query('SELECT count(*)::int AS n FROM sends');
  expect(sends.rows[0].n).toBe(1);

  const final = await waitForStatus(t, issueId, ['completed'], 130_000);
  expect(final.total).toBe(N);
  expect(final.sent).toBe(N);
  expect(final.sent + final.skipped + final.failed + final.uncertain + final.cancelled + final.pending).toBe(final.total);
  expect(final.pending).toBe(0);

  const events = await eventsDone;
  expect(events.filter((e) => e.event === 'progress').length).toBeGreaterThanOrEqual(2);
  expect(events.at(-1)).toMatchObject({ event: 'end', data: { status: 'completed', sent: N } });

  const messages = await t.sink!.waitFor(N, 10_000);
  expect(messages.length).toBe(N);
  const byAddress = new Map<string, number>();
  for (const m of messages) for (const to of m.to) byAddress.set(to, (byAddress.get(to) ?? 0) + 1);
  expect(byAddress.size).toBe(N);
  expect([...byAddress.values()].every((n) => n === 1)).toBe(true);

  const messageIds = new Set<string>();
  const allTitles = Object.values(ITEMS).flat();
  for (let i = 1; i <= N; i++) {
    const [m] = t.sink!.to(readerEmail(i));
    expect(m).toBeDefined();
    const topics = topicsOf(i);
    const want = expectedTitles(topics);
    const text = m!.parsed.text ?? '';
    const html = typeof m!.parsed.html === 'string' ? m!.parsed.html : '';
    for (const title of allTitles) {
      expect([title, text.includes(title)]).toEqual([title, want.includes(title)]);
      expect([title, html.includes(title)]).toEqual([title, want.includes(title)]);
    }
    expect(m!.parsed.subject).toBe('Tidings delivery-send');
    const h = checkHeaders(t, m!.raw);
    expect(h).toMatchObject(ALL_TOPICS_OK);
    messageIds.add(h.messageId);
  }
  expect(messageIds.size).toBe(N);

  const issue = await t.c.pool.query('SELECT status FROM issues WHERE id = $1', [issueId]);
  expect(issue.rows[0].status).toBe('sent');
  const p = await progress(t, issueId);
  expect(p.status).toBe('completed');
}, 180_000);

test('every send above: the tallies behind the counts match the ledger row for row (migration 028)', async () => {
  expect(await tallyDrift(t.c.pool)).toEqual([]);
  const sends = await t.c.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM delivery_tallies');
  expect(sends.rows[0]!.n).toBeGreaterThan(0);
});
