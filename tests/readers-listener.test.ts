/**
 * Subscribe requests reach the worker through Postgres: the request's INSERT notifies, the
 * worker's listener enqueues. The sweeper is made too slow to matter here (1 hour), so a
 * confirmation that arrives in seconds came through the listener — also after its connection was
 * killed and it reconnected. And the API's subscribe path does not touch Redis at all.
 */
import { Redis } from 'ioredis';
import { startTestApp, type TestApp } from './helpers/app';
import { PrivateRedis } from './helpers/redis-server';
import { waitUntil } from './helpers/delivery';
import { mailTo } from './helpers/readers';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    env: { READERS_SWEEP_INTERVAL_MS: '3600000', READERS_SWEEP_AGE_SECONDS: '3600', SUBSCRIBE_LIMIT_PER_IP: '0', SUBSCRIBE_LIMIT_PER_ADDRESS: '0' },
  });
});
afterAll(async () => {
  await t?.close();
});

const listenerPids = async () =>
  (
    await t.c.pool.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN tidings_subscription_requests%'",
    )
  ).rows.map((r) => r.pid);

const subscribe = (email: string) => t.fetch('/api/subscriptions', { method: 'POST', json: { email, topics: ['ai'] } });

test('a subscribe request is dispatched by the listener, and again after its connection is killed', async () => {
  expect((await subscribe('heard.once@example.org')).status).toBe(202);
  expect((await mailTo(t, 'heard.once@example.org', 1)).parsed.subject).toMatch(/Confirm/);

  const [pid] = await listenerPids();
  expect(pid).toBeDefined();
  await t.c.pool.query('SELECT pg_terminate_backend($1)', [pid]);
  // The listener reconnects by itself (0.5 s backoff) on a new backend.
  await waitUntil(async () => {
    const pids = await listenerPids();
    return pids.length === 1 && pids[0] !== pid;
  }, 10_000, 'the listener to reconnect');

  expect((await subscribe('heard.twice@example.org')).status).toBe(202);
  expect((await mailTo(t, 'heard.twice@example.org', 1)).parsed.subject).toMatch(/Confirm/);
});

test('requests inserted together (one statement, one notification of many ids) are each dispatched', async () => {
  const emails = Array.from({ length: 25 }, (_, i) => `heard.together.${i}@example.org`);
  const answers = await Promise.all(emails.map(subscribe));
  expect(answers.map((r) => r.status)).toEqual(Array(25).fill(202));
  // Every one of them gets its confirmation through the listener (the sweeper is an hour away)...
  for (const email of emails) expect((await mailTo(t, email, 1)).parsed.subject).toMatch(/Confirm/);
  // ...and they shared statements: a request's consent event keeps its row's created_at, which is
  // the inserting transaction's start, so rows inserted together carry the same instant.
  const { rows } = await t.c.pool.query<{ instants: number; events: number }>(
    `SELECT count(DISTINCT c.created_at)::int AS instants, count(*)::int AS events FROM consent_events c
     JOIN subscribers s ON s.id = c.subscriber_id WHERE s.email LIKE 'heard.together.%' AND c.kind = 'requested'`,
  );
  expect(rows[0]!.events).toBe(25);
  expect(rows[0]!.instants).toBeLessThan(25);
});

test('the API answers a subscribe request without a single Redis command', async () => {
  // An API-only process on its own redis-server, so every command that server counts is the API's.
  const redis = await PrivateRedis.create();
  const admin = new Redis(redis.url);
  const api = await startTestApp({ env: { ROLE: 'api', REDIS_URL: redis.url, SUBSCRIBE_LIMIT_PER_IP: '0', SUBSCRIBE_LIMIT_PER_ADDRESS: '0' }, db: t.db, sink: t.sink });
  try {
    // Calls per command from INFO commandstats, leaving out INFO itself and connection
    // housekeeping (PING health checks, CLIENT, SELECT), which do not depend on requests.
    const housekeeping = new Set(['info', 'ping', 'client', 'select', 'hello']);
    const commands = async () => {
      const calls = new Map<string, number>();
      for (const m of (await admin.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        if (!housekeeping.has(m[1]!.split('|')[0]!)) calls.set(m[1]!, Number(m[2]));
      }
      return calls;
    };
    const before = await commands();
    for (let i = 0; i < 20; i++) {
      expect((await api.fetch('/api/subscriptions', { method: 'POST', json: { email: `quiet.${i}@example.org`, topics: ['nev'] } })).status).toBe(202);
    }
    expect(await commands()).toEqual(before);
    // The running worker (the other app, listening on the same database) still confirms them.
    expect((await mailTo(t, 'quiet.19@example.org', 1)).parsed.subject).toMatch(/Confirm/);
  } finally {
    await api.close();
    admin.disconnect();
    await redis.stop();
  }
});
