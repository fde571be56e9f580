/**
 * BullMQ plumbing: one place for queue names, the connection factory and the key prefix.
 * Redis only dispatches work; Postgres is the source of truth (see docs/delivery.md), so every
 * job carries ids only and every processor re-reads and claims its rows.
 */
import { Queue, type ConnectionOptions, type QueueOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

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

/**
 * A Redis connection that retries for ever (Redis restarts must not kill a process) and that BullMQ
 * accepts for blocking workers (`maxRetriesPerRequest: null`).
 */
export function createRedis(url: string, opts: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...opts,
  });
  // Connection errors are reported by /readyz; without a listener ioredis would log every retry.
  redis.on('error', () => undefined);
  return redis;
}

export class Queues {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    readonly connection: Redis,
    readonly prefix: string,
  ) {}

  get(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      const opts: QueueOptions = {
        connection: this.connection as unknown as ConnectionOptions,
        prefix: this.prefix,
        defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
      };
      q = new Queue(name, opts);
      q.on('error', () => undefined);
      this.queues.set(name, q);
    }
    return q;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
    this.queues.clear();
  }
}
