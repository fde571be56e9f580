/**
 * BullMQ plumbing: one place for queue names, the connection factory and the key prefix.
 * Redis only dispatches work; Postgres is the source of truth (see docs/delivery.md), so every
 * job carries ids only and every processor re-reads and claims its rows.
 */
import { Queue, type ConnectionOptions, type QueueOptions } from 'bullmq';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export const QUEUE_NAMES = {
  /** Confirmation and "your preferences" mails: small, latency-sensitive, never behind a big send. */
  transactional: 'transactional',
  /** One job per send: snapshot recipients into the delivery ledger. */
  prepare: 'prepare',
  /** One job per batch of deliveries. */
  deliver: 'deliver',
  /** Repeatable maintenance: the reconciler. */
  maintenance: 'maintenance',
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** A single Redis or a Redis Cluster: both run our single-key Lua scripts and BullMQ. */
export type RedisClient = Redis | Cluster;

/** Where Redis is: REDIS_URL, or REDIS_CLUSTER_NODES (then REDIS_URL gives only credentials). */
export interface RedisTarget {
  readonly redisUrl: string;
  readonly redisCluster: readonly { readonly host: string; readonly port: number }[] | undefined;
  readonly queuePrefix: string;
  readonly deliverQueueShards: number;
}

const retrying: RedisOptions = {
  maxRetriesPerRequest: null,
  enableReadyCheck: true,
  retryStrategy: (times) => Math.min(times * 200, 2000),
};

/**
 * A Redis connection that retries for ever (Redis restarts must not kill a process) and that BullMQ
 * accepts for blocking workers (`maxRetriesPerRequest: null`).
 */
export function createRedis(url: string, opts: RedisOptions = {}): Redis {
  const redis = new Redis(url, { ...retrying, ...opts });
  // Connection errors are reported by /readyz; without a listener ioredis would log every retry.
  redis.on('error', () => undefined);
  return redis;
}

/** The process's connection to its Redis or Redis Cluster (docs/scaling.md). */
export function connectRedis(t: RedisTarget): RedisClient {
  if (!t.redisCluster) return createRedis(t.redisUrl);
  const u = new URL(t.redisUrl);
  const cluster = new Cluster(
    t.redisCluster.map((n) => ({ host: n.host, port: n.port })),
    {
      redisOptions: {
        ...retrying,
        username: u.username ? decodeURIComponent(u.username) : undefined,
        password: u.password ? decodeURIComponent(u.password) : undefined,
        tls: u.protocol === 'rediss:' ? {} : undefined,
      },
      enableReadyCheck: true,
      clusterRetryStrategy: (times) => Math.min(times * 200, 2000),
    },
  );
  cluster.on('error', () => undefined);
  return cluster;
}

/** The masters of a cluster, or the one server: where FLUSHALL or a key scan must go. */
export function redisNodes(r: RedisClient): Redis[] {
  return r instanceof Cluster ? r.nodes('master') : [r];
}

/**
 * Where a queue's keys live. On one Redis: the prefix and the name (shard 0 keeps the plain name,
 * so a deployment that adds shards keeps its queue). On a cluster BullMQ's scripts touch many keys
 * of one queue at once, so they must share a slot: the prefix becomes a hash tag of its own per
 * queue and shard, `{tidings:deliver-2}`, and the shards of the deliver queue land on different
 * slots, so on different masters.
 */
export function queueAddress(t: RedisTarget, name: QueueName, shard = 0): { name: string; prefix: string } {
  const physical = shard > 0 ? `${name}-${shard}` : name;
  return { name: physical, prefix: t.redisCluster ? `{${t.queuePrefix}:${physical}}` : t.queuePrefix };
}

/** How many queues a logical queue is spread over (DELIVER_QUEUE_SHARDS for deliver, else 1). */
export function shardCount(t: RedisTarget, name: QueueName): number {
  return name === QUEUE_NAMES.deliver ? t.deliverQueueShards : 1;
}

export class Queues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    readonly connection: RedisClient,
    readonly target: RedisTarget,
  ) {}

  get prefix(): string {
    return this.target.queuePrefix;
  }

  shards(name: QueueName): number {
    return shardCount(this.target, name);
  }

  /** The queue of `name`'s shard (0 for an unsharded queue). */
  get(name: QueueName, shard = 0): Queue {
    const address = queueAddress(this.target, name, shard % this.shards(name));
    const key = `${address.prefix}|${address.name}`;
    let q = this.queues.get(key);
    if (!q) {
      const opts: QueueOptions = {
        connection: this.connection as unknown as ConnectionOptions,
        prefix: address.prefix,
        defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
      };
      q = new Queue(address.name, opts);
      q.on('error', () => undefined);
      this.queues.set(key, q);
    }
    return q;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
    this.queues.clear();
  }
}
