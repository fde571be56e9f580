import pg from 'pg';

// int8 (bigint) ids and counts fit in a JS number for any realistic list size; parse them as numbers
// so COUNT(*) and bigserial ids do not leak strings through every service.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/**
 * Whether an error means "the database is away" (restarted, every backend terminated, unreachable)
 * rather than a bug: the API answers 503 for it, and the deliver stage's ledger writer retries.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  // 57P01 admin shutdown (pg_terminate_backend), 57P02 crash shutdown, 57P03 cannot connect now,
  // 08xxx connection exceptions; socket errors carry a Node code and no SQLSTATE.
  if (/^(57P0[123]|08[0-9A-Z]{3})$/.test(code)) return true;
  if (/^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND)$/.test(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection/i.test(message);
}

/**
 * Whether Postgres refused a statement for something in its data (SQLSTATE class 22, data
 * exception, or 23, integrity constraint violation), as one row of many may cause; not for a
 * database that is away (isDatabaseUnavailable) or a bug in the statement.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

export interface PoolOptions {
  /**
   * Named statements (Queries.prepared) run their generic plan from the first execution. They are
   * chosen to be key lookups and writes whose best plan does not depend on the values, yet Postgres
   * keeps re-planning some per execution: for an UPDATE of the partitioned ledger its generic cost
   * estimate looks worse than a custom plan's, so the deliver stage's grouped write was planned
   * again every time (0.6 ms of planning for 0.15 ms of work, measured; docs/performance.md).
   * Unnamed statements are always planned with their values, whatever this says. Set with a
   * session `SET` when a connection opens rather than a startup option, which PgBouncer (even in
   * session mode) and some proxies refuse; off behind a transaction pooler, where a session
   * setting would leak to other clients and no named statements are used.
   */
  genericPlans?: boolean;
}

export function createPool(connectionString: string, max = 10, opts: PoolOptions = {}): pg.Pool {
  // Idle clients close after 30 s: behind PgBouncer or beside many processes, connections held for
  // nothing count against max_connections (docs/scaling.md, the connection budget). A bounded connect: with the
  // database unreachable a request answers 503 instead of hanging.
  const pool = new pg.Pool({
    connectionString,
    max,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    // A busy pool never idles its clients out: an hour's limit also bounds the named statements a
    // connection keeps (one per send worked on, Queries.forSend). pg-pool ends a client only once
    // it is released, never mid-query.
    maxLifetimeSeconds: 3600,
    // Awaited by the pool before it hands the new client out (its typing says void; pg-pool awaits
    // a promise). A server without the setting (before PostgreSQL 12) keeps its default plans.
    ...(opts.genericPlans
      ? { onConnect: (client: pg.ClientBase) => client.query('SET plan_cache_mode = force_generic_plan').then(() => undefined, () => undefined) }
      : {}),
  });
  // An idle client losing its connection (Postgres restart) must not crash the process; the pool
  // discards it and the next query reconnects.
  pool.on('error', () => undefined);
  // The same for a client checked out but between queries (a reconciler pass waiting on Redis, a
  // transaction's gap) when its backend is terminated: without a listener the 'error' event would
  // end the process. The next query on it fails instead, and the pool drops it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
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
