/**
 * Scale-out plumbing (docs/scaling.md) that every run checks, whatever TEST_* environment it has:
 * the new keys and their errors, where a cluster puts each queue's keys (one hash tag per queue and
 * shard, so BullMQ's multi-key scripts stay in one slot), statements left unnamed behind a
 * transaction pooler, and the subscribe listener's polling fallback when it has no session to
 * LISTEN on (sweeper off, so a confirmation that arrives came through the poll).
 */
import { ConfigError, loadConfig } from '../src/config';
import { Queries } from '../src/db/queries';
import { queueAddress, QUEUE_NAMES, shardCount } from '../src/queue';
import { startTestApp, type TestApp } from './helpers/app';
import { mailTo } from './helpers/readers';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems.map((p) => p.key);
  }
};

describe('scale-out configuration', () => {
  it('reads the pooler, cluster, shard and retention keys, with defaults for one machine', () => {
    const d = loadConfig({});
    expect(d.database).toEqual({ poolSize: 10, pooler: 'none', migrationUrl: undefined });
    expect(d.redisCluster).toBeUndefined();
    expect(d.deliverQueueShards).toBe(1);
    expect(d.deliveryRetentionDays).toBe(400);
    const c = loadConfig({
      DATABASE_POOLER: 'transaction',
      DATABASE_MIGRATION_URL: 'postgres://postgres@db:5432/tidings',
      DATABASE_POOL_SIZE: '4',
      REDIS_CLUSTER_NODES: 'r1:7000, r2:7001,[::1]:7002',
      DELIVER_QUEUE_SHARDS: '3',
      DELIVERY_RETENTION_DAYS: '30',
    });
    expect(c.database).toEqual({ poolSize: 4, pooler: 'transaction', migrationUrl: 'postgres://postgres@db:5432/tidings' });
    expect(c.redisCluster).toEqual([{ host: 'r1', port: 7000 }, { host: 'r2', port: 7001 }, { host: '::1', port: 7002 }]);
    expect(c.deliverQueueShards).toBe(3);
    expect(c.deliveryRetentionDays).toBe(30);
  });

  it('names every bad scale key', () => {
    expect(
      problems({ DATABASE_POOLER: 'session-ish', DATABASE_MIGRATION_URL: 'mysql://x/y', REDIS_CLUSTER_NODES: 'r1', DELIVER_QUEUE_SHARDS: '0', DELIVERY_RETENTION_DAYS: 'x' }).sort(),
    ).toEqual(['DATABASE_MIGRATION_URL', 'DATABASE_POOLER', 'DELIVERY_RETENTION_DAYS', 'DELIVER_QUEUE_SHARDS', 'REDIS_CLUSTER_NODES']);
  });

  it('gives each queue and deliver shard a hash tag of its own on a cluster, and keeps the plain names on one Redis', () => {
    const one = loadConfig({ QUEUE_PREFIX: 'news', DELIVER_QUEUE_SHARDS: '3' });
    expect(queueAddress(one, QUEUE_NAMES.deliver, 0)).toEqual({ name: 'deliver', prefix: 'news' });
    expect(queueAddress(one, QUEUE_NAMES.deliver, 2)).toEqual({ name: 'deliver-2', prefix: 'news' });
    const cluster = loadConfig({ QUEUE_PREFIX: 'news', DELIVER_QUEUE_SHARDS: '3', REDIS_CLUSTER_NODES: 'r1:7000' });
    const tags = [0, 1, 2].map((s) => queueAddress(cluster, QUEUE_NAMES.deliver, s).prefix);
    expect(tags).toEqual(['{news:deliver}', '{news:deliver-1}', '{news:deliver-2}']);
    expect(queueAddress(cluster, QUEUE_NAMES.transactional).prefix).toBe('{news:transactional}');
    expect(shardCount(cluster, QUEUE_NAMES.deliver)).toBe(3);
    expect(shardCount(cluster, QUEUE_NAMES.prepare)).toBe(1);
  });

  it('leaves statements unnamed behind a transaction pooler', () => {
    expect(Queries.load().prepared('subscription-requests-after').name).toBe('tidings:subscription-requests-after');
    expect(Queries.load(undefined, { namedStatements: false }).prepared('subscription-requests-after').name).toBeUndefined();
  });
});

describe('subscribe requests without LISTEN (DATABASE_POOLER=transaction, no DATABASE_MIGRATION_URL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        DATABASE_POOLER: 'transaction',
        READERS_SWEEP_INTERVAL_MS: '3600000',
        READERS_SWEEP_AGE_SECONDS: '3600',
        SUBSCRIBE_LIMIT_PER_IP: '0',
        SUBSCRIBE_LIMIT_PER_ADDRESS: '0',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('are picked up by the poll, and nobody LISTENs', async () => {
    for (const email of ['polled.one@example.org', 'polled.two@example.org']) {
      expect((await t.fetch('/api/subscriptions', { method: 'POST', json: { email, topics: ['ai'] } })).status).toBe(202);
      expect((await mailTo(t, email, 1)).parsed.subject).toMatch(/Confirm/);
    }
    const { rows } = await t.c.pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'");
    expect(rows).toHaveLength(0);
  });
});
