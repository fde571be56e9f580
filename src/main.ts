/**
 * `npm start`: validate config, find (or embed) Postgres, make sure Redis answers, migrate, then run
 * the API and/or workers (ROLE) until SIGTERM/SIGINT.
 */
import { buildContainer, startTidings } from './app';
import { ConfigError, loadConfig } from './config';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import { resolveDatabase } from './db/resolve';
import { createLogger } from './logger';
import { ensureRedis } from './queue/ensure-redis';
import { seedOnEmptyDatabase } from './seed';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, { role: config.role });
  const db = await resolveDatabase(
    { databaseUrl: config.databaseUrl, dataDir: config.dataDir, embeddedPort: config.embeddedPgPort },
    log,
  );
  const redisProcess = await ensureRedis(config.redisUrl, log);

  const migrationPool = createPool(db.url, 1);
  const applied = await migrate(migrationPool);
  await migrationPool.end();
  if (applied.length) log.info({ applied }, 'migrations applied');

  const container = await buildContainer({ ...config, databaseUrl: db.url }, { log });
  await seedOnEmptyDatabase(container);
  const app = await startTidings(container);

  const base = config.publicUrl;
  log.info(
    {
      url: app.url ? base : undefined,
      mailbox: container.mailbox ? `${base}/dev/mailbox` : undefined,
      database: db.embedded ? 'embedded' : 'server',
    },
    `Tidings is running${app.url ? ` at ${base}` : ''}${container.mailbox ? ` — local mailbox at ${base}/dev/mailbox` : ''}`,
  );

  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    app
      .stop()
      .then(() => db.stop())
      .then(() => redisProcess?.kill())
      .then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
