/**
 * Redis only dispatches: a subscribe request or a confirmation mail whose job was lost from Redis
 * (flushed, or never added because Redis was down) is re-dispatched by the transactional worker's
 * periodic sweep, and the reader still gets their confirmation. Uses a private redis-server, since
 * FLUSHALL on the shared one would break every other test file.
 */
import { Redis } from 'ioredis';
import { startTestApp, type TestApp } from './helpers/app';
import { PrivateRedis } from './helpers/redis-server';
import { linkIn, mailTo, subscriberByEmail } from './helpers/readers';

describe('readers sweep', () => {
  let redis: PrivateRedis;
  let admin: Redis;
  let api: TestApp;
  let worker: TestApp | undefined;
  const env = {
    READERS_SWEEP_INTERVAL_MS: '200', READERS_SWEEP_AGE_SECONDS: '1', SUBSCRIBE_LIMIT_PER_IP: '0', SUBSCRIBE_LIMIT_PER_ADDRESS: '0',
  };
  beforeAll(async () => {
    redis = await PrivateRedis.create();
    admin = new Redis(redis.url);
    // An API-only process: its jobs wait in Redis until a worker process starts.
    api = await startTestApp({ env: { ...env, REDIS_URL: redis.url, ROLE: 'api' } });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    admin?.disconnect();
    await redis?.stop();
  });

  const startWorker = async () =>
    (worker = await startTestApp({ env: { ...env, REDIS_URL: redis.url, ROLE: 'worker' }, db: api.db, sink: api.sink, queuePrefix: api.queuePrefix }));
  const requestCount = async () => (await api.c.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM subscription_requests')).rows[0]!.n;

  it('a subscribe request whose job was flushed from Redis still gets its confirmation', async () => {
    const email = 'lost.request@example.org';
    const res = await api.fetch('/api/subscriptions', { method: 'POST', json: { email, topics: ['ai'] } });
    expect(res.status).toBe(202);
    expect(await requestCount()).toBe(1);
    await admin.flushall();
    await startWorker();

    const msg = await mailTo(api, email, 1);
    expect(msg.parsed.subject).toMatch(/Confirm/);
    expect(linkIn(msg, '/confirm')).toMatch(/\/confirm\//);
    expect(await subscriberByEmail(api, email)).toMatchObject({ status: 'pending', topics: ['ai'] });
    // Processed once, and the request row (address, IP) is gone.
    expect(await requestCount()).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(api.sink!.to(email)).toHaveLength(1);
  });

  it('rows whose enqueue never happened are dispatched by the running worker\'s periodic sweep', async () => {
    // As if Redis had been down at request time: the rows exist, no job was ever added.
    const email = 'never.enqueued@example.org';
    await api.c.pool.query(
      "INSERT INTO subscription_requests (email, topics, source, consent_version, ip) VALUES ($1, '{nev}', 'api', '2025-01', '192.0.2.1')",
      [email],
    );
    const pending = (await subscriberByEmail(api, 'lost.request@example.org'))!;
    await api.c.pool.query("INSERT INTO transactional_messages (subscriber_id, kind) VALUES ($1, 'confirm')", [pending.id]);

    expect((await mailTo(api, email, 1)).parsed.subject).toMatch(/Confirm/);
    expect((await mailTo(api, 'lost.request@example.org', 2)).parsed.subject).toMatch(/Confirm/);
    expect(await subscriberByEmail(api, email)).toMatchObject({ status: 'pending', topics: ['nev'] });
    // The consent event carries the request's own context.
    const { rows } = await api.c.pool.query(
      "SELECT c.kind, c.source, host(c.ip) AS ip FROM consent_events c JOIN subscribers s ON s.id = c.subscriber_id WHERE s.email = $1",
      [email],
    );
    expect(rows).toEqual([{ kind: 'requested', source: 'api', ip: '192.0.2.1' }]);
    const left = await api.c.pool.query("SELECT count(*)::int AS n FROM transactional_messages WHERE status <> 'sent'");
    expect(left.rows[0].n).toBe(0);
  });

  it('only one process sweeps at a time (advisory lock)', async () => {
    const client = await api.c.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('tidings.readers.sweep'))");
      expect(await api.c.readers.sweeper.sweep(0)).toEqual({ swept: false, requests: 0, messages: 0 });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect((await api.c.readers.sweeper.sweep(0)).swept).toBe(true);
  });
});
