/**
 * What `npm start` and the CLI do before building the container — find (or embed) the database,
 * make sure Redis answers, migrate — and how either of them ends a start that cannot work.
 */
import type { ChildProcess } from 'node:child_process';
import { ConfigError, type Config } from './config';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import { resolveDatabase, type ResolvedDatabase } from './db/resolve';
import { StartupError } from './errors';
import type { Logger } from './logger';
import { ensureRedis } from './queue/ensure-redis';

export interface Dependencies {
  readonly db: ResolvedDatabase;
  /** A redis-server this process started because none answered locally. */
  readonly redisProcess: ChildProcess | undefined;
  /** Stops what this process started (the embedded database, the local redis-server). */
  stop(): Promise<void>;
}

export async function prepareDependencies(config: Config, log: Logger): Promise<Dependencies> {
  const db = await resolveDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, embeddedPort: config.embeddedPgPort }, log);
  // A cluster is never ours to start: its nodes are checked by the client's own ready check.
  const redisProcess = config.redisCluster ? undefined : await ensureRedis(config.redisUrl, log);
  // Migrations hold a session-level view of the schema under an advisory lock: on a direct
  // connection when DATABASE_URL goes through a transaction pooler.
  const pool = createPool(config.database.migrationUrl ?? db.url, 1);
  try {
    const applied = await migrate(pool);
    if (applied.length) log.info({ applied }, 'migrations applied');
  } finally {
    await pool.end();
  }
  return {
    db,
    redisProcess,
    stop: async () => {
      await db.stop();
      redisProcess?.kill();
    },
  };
}

/**
 * Ends the process after a failed start. What the operator can fix (configuration, an unreachable
 * or refusing server, a port in use) is one line on stderr; anything else is a bug and keeps its
 * stack trace.
 */
export function exitForStartFailure(err: unknown): never {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(err instanceof StartupError ? err.message : err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
}
