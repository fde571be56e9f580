/** Where the tests find Postgres and Redis (the same defaults .ci/run and scripts/services.sh start). */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEMPLATE_ENV = 'TIDINGS_TEST_TEMPLATE_DB';

export function dbUrl(name: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = '/' + name;
  return u.toString();
}
