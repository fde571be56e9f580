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

/**
 * The keys for links in emails, the signing one first: SECRET_KEY, else the key generated once and
 * stored (so links survive restarts); then SECRET_KEY_PREVIOUS; then, when SECRET_KEY has replaced
 * a stored generated key, that key, so the links it signed in emails already sent keep working.
 */
export async function resolveSecretKeys(
  pool: Pool,
  queries: Queries,
  configured: string | undefined,
  previous: readonly string[],
): Promise<readonly string[]> {
  if (!configured) {
    const generated = await getOrCreateSetting(pool, queries, 'secret_key', () => randomBytes(32).toString('base64url'));
    return Object.freeze([...new Set([generated, ...previous])]);
  }
  const { rows } = await pool.query<{ value: string }>(queries.sql('setting-get'), ['secret_key']);
  return Object.freeze([...new Set([configured, ...previous, ...rows.map((r) => r.value)])]);
}
