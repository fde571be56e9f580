/**
 * Finds the database to use, creating it when missing:
 *   1. DATABASE_URL when set;
 *   2. else postgres://localhost:5432/tidings when a server answers there;
 *   3. else an embedded PostgreSQL (src/db/embedded.ts) with its data under DATA_DIR/pg, so a
 *      machine without a database server still runs Tidings with one command.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { StartupError } from '../errors';
import { databaseProblem } from '../startup-errors';
import { startEmbedded } from './embedded';
import { withClient } from './pool';

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

// A start gives up on a server that has not answered by then (a firewall that drops packets would
// otherwise hang it for minutes); generous, since a loaded server can be slow to accept.
const CONNECT_TIMEOUT_MS = 30_000;

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

/**
 * Creates the database named in `url` when it does not exist. The database itself is tried first,
 * so a user who may connect only to their own database (common on hosted servers) never needs
 * `postgres`; only a missing one is created from there.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!name) throw new StartupError('DATABASE_URL must name a database, e.g. postgres://user@localhost:5432/tidings.');
  try {
    await withClient(url, async () => undefined, CONNECT_TIMEOUT_MS);
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err; // 3D000: no such database
  }
  u.pathname = '/postgres';
  await withClient(
    u.toString(),
    async (client) => {
      // Identifiers cannot be parameters; quote it the way Postgres does.
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // another process created it first
      });
    },
    CONNECT_TIMEOUT_MS,
  );
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
  const server = (url: string, setting: 'DATABASE_URL' | 'default') =>
    ensureDatabase(url).then(
      () => ({ url, embedded: false, stop: async () => undefined }),
      (err: unknown) => {
        throw databaseProblem(err, url, setting);
      },
    );
  if (opts.databaseUrl) return server(opts.databaseUrl, 'DATABASE_URL');
  const localUrl = opts.localUrl ?? LOCAL_URL;
  if (await answers(localUrl)) return server(localUrl, 'default');
  log.info('no PostgreSQL answers on localhost:5432 and DATABASE_URL is unset: starting an embedded one');
  const embedded = await startEmbedded(opts.dataDir, opts.embeddedPort, log);
  await ensureDatabase(embedded.url);
  return { ...embedded, embedded: true };
}
