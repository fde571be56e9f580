/**
 * The CLI's container, built the same way `npm start` builds it (src/main.ts): validated config,
 * the same database resolution (server or embedded) and migrations, the same Redis check, the same
 * composition root. Only the HTTP server and workers are not started.
 */
import { buildContainer, closeContainer } from '../app';
import type { Container } from '../container';
import { prepareDependencies } from '../boot';
import { loadConfig } from '../config';
import { createLogger } from '../logger';

export async function withContainer<T>(fn: (c: Container) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // Logs go to stderr at warn and above: stdout is for the command's own output (keys, tables).
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const deps = await prepareDependencies(config, log);
  const c = await buildContainer({ ...config, databaseUrl: deps.db.url }, { log, defaultMetrics: false });
  try {
    return await fn(c);
  } finally {
    await closeContainer(c);
    await deps.stop();
  }
}
