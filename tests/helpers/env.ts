/** Where the tests find Postgres and Redis (the same defaults .ci/run and scripts/services.sh start). */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEMPLATE_ENV = 'TIDINGS_TEST_TEMPLATE_DB';

export function dbUrl(name: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = '/' + name;
  return u.toString();
}

/**
 * The scale-out runs (docs/scaling.md, .ci/run): the same test files with every app reaching
 * Postgres through PgBouncer in transaction mode (TEST_PGBOUNCER_URL, e.g.
 * postgres://postgres@127.0.0.1:6432/postgres), and/or Redis as a cluster (TEST_REDIS_CLUSTER_NODES)
 * with the deliver queue in TEST_DELIVER_QUEUE_SHARDS shards. Test databases are still created and
 * dropped on the direct URL; migrations run there too (DATABASE_MIGRATION_URL).
 */
export const PGBOUNCER_URL = process.env.TEST_PGBOUNCER_URL || undefined;
export const REDIS_CLUSTER_NODES = process.env.TEST_REDIS_CLUSTER_NODES || undefined;

/** The environment an app under test gets on top of its own for the scale-out runs. */
export function scaleEnv(directDbUrl: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (PGBOUNCER_URL) {
    const u = new URL(PGBOUNCER_URL);
    u.pathname = new URL(directDbUrl).pathname;
    Object.assign(env, { DATABASE_URL: u.toString(), DATABASE_POOLER: 'transaction' });
  }
  if (REDIS_CLUSTER_NODES) env.REDIS_CLUSTER_NODES = REDIS_CLUSTER_NODES;
  if (process.env.TEST_DELIVER_QUEUE_SHARDS) env.DELIVER_QUEUE_SHARDS = process.env.TEST_DELIVER_QUEUE_SHARDS;
  return env;
}
