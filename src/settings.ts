/** Persistent settings, e.g. the SECRET_KEY generated on first boot when none is configured. */
import { randomBytes } from 'node:crypto';
import type { Pool } from './db/pool';
import type { Queries } from './db/queries';

export async function getOrCreateSetting(
  pool: Pool,
  queries: Queries,
  key: string,
  generate: () => string,
): Promise<string> {
  await pool.query(queries.sql('setting-insert-if-missing'), [key, generate()]);
  const { rows } = await pool.query<{ value: string }>(queries.sql('setting-get'), [key]);
  return rows[0]!.value;
}

/** SECRET_KEY from config, else the one generated once and stored (so links survive restarts). */
export async function resolveSecretKey(pool: Pool, queries: Queries, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  return getOrCreateSetting(pool, queries, 'secret_key', () => randomBytes(32).toString('base64url'));
}
