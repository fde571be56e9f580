/**
 * The CLI's container, built the same way `npm start` builds it (src/main.ts): validated config,
 * the same database resolution (server or embedded) and migrations, the same Redis check, the same
 * composition root. Only the HTTP server and workers are not started.
 */
import { buildContainer, closeContainer, type Container } from '../app';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { resolveDatabase } from '../db/resolve';
import { createLogger } from '../logger';
import { ensureRedis } from '../queue/ensure-redis';

export async function withContainer<T>(fn: (c: Container) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // Logs go to stderr at warn and above: stdout is for the command's own output (keys, tables).
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const db = await resolveDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, embeddedPort: config.embeddedPgPort }, log);
  const redisProcess = await ensureRedis(config.redisUrl, log);
  const migrationPool = createPool(db.url, 1);
  await migrate(migrationPool);
  await migrationPool.end();
  const c = await buildContainer({ ...config, databaseUrl: db.url }, { log, defaultMetrics: false });
  try {
    return await fn(c);
  } finally {
    await closeContainer(c);
    await db.stop();
    redisProcess?.kill();
  }
}
