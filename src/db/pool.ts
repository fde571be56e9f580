import pg from 'pg';

// int8 (bigint) ids and counts fit in a JS number for any realistic list size; parse them as numbers
// so COUNT(*) and bigserial ids do not leak strings through every service.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export function createPool(connectionString: string, max = 10): pg.Pool {
  // Idle clients close after 30 s: behind PgBouncer or beside many processes, connections held for
  // nothing count against max_connections (docs/scaling.md, the connection budget).
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection (Postgres restart) must not crash the process; the pool
  // discards it and the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs fn on one short-lived client (CREATE/DROP DATABASE, COPY) and always closes it.
 * `connectTimeoutMs` bounds the connection attempt (0, the default, waits as long as TCP does).
 */
export async function withClient<T>(
  connectionString: string,
  fn: (client: pg.Client) => Promise<T>,
  connectTimeoutMs = 0,
): Promise<T> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Runs fn in a transaction on one client; rolls back on any error. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
