/**
 * `npm start`: validate config, find (or embed) Postgres, make sure Redis answers, migrate, then run
 * the API and/or workers (ROLE) until SIGTERM/SIGINT.
 */
import { buildContainer, startTidings } from './app';
import { exitForStartFailure, prepareDependencies } from './boot';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { seedOnEmptyDatabase } from './seed';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, { role: config.role });
  const deps = await prepareDependencies(config, log);
  const { db } = deps;

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
      .then(() => deps.stop())
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

main().catch(exitForStartFailure);
