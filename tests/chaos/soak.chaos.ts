/**
 * `npm run chaos`: the reliability suite at full size (not part of `npm test`; its CI-sized
 * counterparts are tests/delivery-reliability.test.ts and tests/delivery-redis-faults.test.ts).
 * Every fault of tests/helpers/chaos-faults.ts once, then a soak of CHAOS_SOAK sends with random
 * faults, each of CHAOS_READERS readers (default 5,000) through two worker processes. After every
 * send the ledger is compared with what the SMTP peer captured, reader by reader. Prints the table
 * (fault, sends, received, duplicates, lost, uncertain, max uncertain per fault) and the stable
 * worker's RSS after the first and the last soak send (must stay within 10 %).
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { FAULTS, rssOf, startWorker, type Deployment } from '../helpers/chaos-faults';
import { createIssue, insertReaders, quietSink, ledger, waitForStatus, waitUntil } from '../helpers/delivery';
import { FaultProxy } from '../helpers/fault-proxy';
import { PrivateRedis } from '../helpers/redis-server';
import { sendOf } from '../helpers/reliability';

const N = Number(process.env.CHAOS_READERS ?? 5000);
const SOAK = Number(process.env.CHAOS_SOAK ?? 10);
const CONNECTIONS = 5;
const ENV = {
  SEND_LEASE_SECONDS: '5',
  SEND_RECONCILE_INTERVAL_MS: '500',
  SEND_RATE_PER_SECOND: process.env.CHAOS_RATE ?? '400',
  SEND_RETRY_BASE_MS: '500',
  WORKER_CONCURRENCY: '2',
  SMTP_MAX_CONNECTIONS: String(CONNECTIONS),
  SHUTDOWN_TIMEOUT_MS: '10000',
  READERS_SWEEP_INTERVAL_MS: '1000',
  READERS_SWEEP_AGE_SECONDS: '5',
};

interface Row {
  fault: string;
  sends: number;
  received: number;
  duplicates: number;
  lost: number;
  uncertain: number;
  maxUncertain: number;
  bound: number;
}

let d: Deployment;
let t: TestApp;

beforeAll(async () => {
  const redis = await PrivateRedis.create();
  t = await startTestApp({ env: { ROLE: 'api', REDIS_URL: redis.url, ...ENV } });
  quietSink(t.sink!);
  const smtp = await new FaultProxy(t.sink!.port, { smtp: true }).start();
  await insertReaders(t.c.pool, N);
  const base = { t, smtp, env: ENV };
  d = { ...base, redis, connections: CONNECTIONS, redisAwayMs: Number(process.env.CHAOS_REDIS_AWAY_MS ?? 30_000), workers: { stable: startWorker(base), target: startWorker(base) } };
  // A worker that never says it is running: its output is the first thing to read.
  const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(
    `workers not ready in 100 s:\n${Object.entries(d.workers).map(([k, w]) => `${k}: ${w.output.join('').slice(-2000)}`).join('\n')}`)), 100_000).unref());
  await Promise.race([Promise.all([d.workers.stable.ready, d.workers.target.ready]), late]);
}, 120_000);

afterAll(async () => {
  for (const w of Object.values(d?.workers ?? {})) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await d?.smtp.stop();
  await t?.close();
  await d?.redis.stop();
});

/** One send with one fault injected once a tenth of it is out; the ledger against the sink. */
async function oneSend(k: number, fault: string) {
  const slug = `chaos${k}`;
  const issueId = await createIssue(t, slug);
  await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true });
  const sendId = await sendOf(t, issueId);
  await waitUntil(async () => ((await ledger(t.c.pool, sendId)).sent ?? 0) >= N / 10, 120_000, 'a tenth sent', 50);
  const bound = await FAULTS[fault]!(d, sendId);
  await waitUntil(async () => {
    for (const [role, w] of Object.entries(d.workers)) {
      if (w.child.exitCode !== null) throw new Error(`${role} worker died (${fault}): ${w.output.join('').slice(-2000)}`);
    }
    return (await waitForStatus(t, issueId, ['completed', 'sending', 'preparing'], 5000)).status === 'completed';
  }, 600_000, `send ${k} to complete`, 500);
  await new Promise((r) => setTimeout(r, 500));
  const got = new Map<string, number>();
  for (const m of t.sink!.messages) if (m.parsed.subject === `Tidings ${slug}`) for (const to of m.to) got.set(to, (got.get(to) ?? 0) + 1);
  t.sink!.messages.length = 0; // the sink keeps parsed messages: 18 sends of 5,000 would not fit
  const { rows } = await t.c.pool.query<{ email: string; status: string }>(
    'SELECT s.email, d.status FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.send_id = $1',
    [sendId],
  );
  let duplicates = 0;
  let lost = 0;
  let uncertain = 0;
  for (const r of rows) {
    const n = got.get(r.email) ?? 0;
    if (n > 1) duplicates++;
    if (r.status === 'sent' && n === 0) lost++;
    if (r.status !== 'sent' && r.status !== 'uncertain' && n > 0) duplicates++; // mailed but recorded as not
    if (r.status === 'uncertain') uncertain++;
    if (r.status === 'pending' || r.status === 'sending') lost++;
  }
  return { received: got.size, duplicates, lost, uncertain, bound };
}

test('chaos: every fault, then a soak with random faults', async () => {
  const names = Object.keys(FAULTS).filter((f) => !process.env.CHAOS_FAULTS || process.env.CHAOS_FAULTS.split(',').includes(f));
  const plan = [...names, ...Array.from({ length: SOAK }, () => names[Math.floor(Math.random() * names.length)]!)];
  const table = new Map<string, Row>();
  const rss: number[] = [];
  for (const [k, fault] of plan.entries()) {
    const r = await oneSend(k, fault);
    const row = table.get(fault) ?? { fault, sends: 0, received: 0, duplicates: 0, lost: 0, uncertain: 0, maxUncertain: 0, bound: 0 };
    row.sends++;
    row.received += r.received;
    row.duplicates += r.duplicates;
    row.lost += r.lost;
    row.uncertain += r.uncertain;
    row.maxUncertain = Math.max(row.maxUncertain, r.uncertain);
    row.bound = Math.max(row.bound, r.bound);
    table.set(fault, row);
    if (r.uncertain > r.bound) row.bound = -1; // marks the breach in the table
    if (k >= names.length) rss.push((await rssOf(d.workers.stable.child.pid)) ?? 0);
    process.stdout.write(`send ${k + 1}/${plan.length} ${fault}: received ${r.received}, duplicates ${r.duplicates}, lost ${r.lost}, uncertain ${r.uncertain} (bound ${r.bound})\n`);
  }
  const head = ['fault', 'sends', 'received', 'duplicates', 'lost', 'uncertain', 'max uncertain', 'bound'];
  const lines = [...table.values()].map((r) => [r.fault, r.sends, r.received, r.duplicates, r.lost, r.uncertain, r.maxUncertain, r.bound < 0 ? 'BREACHED' : r.bound].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(`\n${N} readers per send, ${CONNECTIONS} SMTP connections per worker, 2 workers\n${fmt(head)}\n${lines.map(fmt).join('\n')}\n`);
  const first = rss[0] ?? 0;
  const last = rss.at(-1) ?? 0;
  process.stdout.write(`stable worker RSS after soak send 1: ${(first / 2 ** 20).toFixed(1)} MB, after send ${rss.length}: ${(last / 2 ** 20).toFixed(1)} MB\n`);

  for (const r of table.values()) {
    expect([r.fault, r.duplicates, r.lost, r.bound < 0]).toEqual([r.fault, 0, 0, false]);
  }
  if (rss.length > 1) expect(last).toBeLessThanOrEqual(first * 1.1);
}, 3_600_000);
