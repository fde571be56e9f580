/**
 * The keys for running past one machine (docs/scaling.md): a connection pooler in front of
 * Postgres, a Redis Cluster, several deliver queues, and how long the delivery ledger keeps rows.
 * Kept apart from index.ts so the base schema stays readable; loadConfig spreads these in.
 */
import { z } from 'zod';

const whole = (def: number, min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max)).default(def);

const NODE = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})$/;

export const scaleKeys = {
  // Connections per process pool; the budget is in docs/scaling.md.
  DATABASE_POOL_SIZE: whole(10, 1, 500),
  // transaction: DATABASE_URL goes through PgBouncer (or another pooler) in transaction mode, so no
  // named prepared statements and no session state; migrations and LISTEN use DATABASE_MIGRATION_URL.
  DATABASE_POOLER: z.enum(['none', 'transaction']).default('none'),
  DATABASE_MIGRATION_URL: z
    .string()
    .trim()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a URL (postgres: or postgresql:)')
    .optional(),
  REDIS_CLUSTER_NODES: z
    .string()
    .trim()
    .transform((v, ctx) => {
      const nodes = v.split(',').map((s) => s.trim()).filter(Boolean);
      const parsed = nodes.map((n) => NODE.exec(n));
      if (!nodes.length || parsed.some((m) => !m || Number(m[2]) > 65535)) {
        ctx.addIssue({ code: 'custom', message: 'must be host:port,host:port,… (one or more cluster nodes)' });
        return z.NEVER;
      }
      return parsed.map((m) => ({ host: m![1]!.replace(/^\[|\]$/g, ''), port: Number(m![2]) }));
    })
    .optional(),
  DELIVER_QUEUE_SHARDS: whole(1, 1, 64),
  DELIVERY_RETENTION_DAYS: whole(400, 1, 36500),
};

type Raw = z.infer<z.ZodObject<typeof scaleKeys>>;

export interface ScaleConfig {
  readonly database: {
    readonly poolSize: number;
    /** 'transaction': a transaction pooler sits in front of DATABASE_URL. */
    readonly pooler: 'none' | 'transaction';
    /** A direct (session) connection for migrations and LISTEN; unset = DATABASE_URL. */
    readonly migrationUrl: string | undefined;
  };
  /** Set: Redis is a cluster reached through these seed nodes (REDIS_URL gives only credentials). */
  readonly redisCluster: readonly { readonly host: string; readonly port: number }[] | undefined;
  readonly deliverQueueShards: number;
  readonly deliveryRetentionDays: number;
}

export function scaleConfig(v: Raw): ScaleConfig {
  return {
    database: Object.freeze({ poolSize: v.DATABASE_POOL_SIZE, pooler: v.DATABASE_POOLER, migrationUrl: v.DATABASE_MIGRATION_URL }),
    redisCluster: v.REDIS_CLUSTER_NODES ? Object.freeze(v.REDIS_CLUSTER_NODES.map((n) => Object.freeze(n))) : undefined,
    deliverQueueShards: v.DELIVER_QUEUE_SHARDS,
    deliveryRetentionDays: v.DELIVERY_RETENTION_DAYS,
  };
}

/** LISTEN needs a session: a direct URL behind a transaction pooler, or none (the listener polls). */
export function listenUrl(c: Pick<ScaleConfig, 'database'> & { readonly databaseUrl: string }): string | undefined {
  return c.database.migrationUrl ?? (c.database.pooler === 'transaction' ? undefined : c.databaseUrl);
}
