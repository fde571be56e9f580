/**
 * Starts a real Tidings (the same composition root as `npm start`) on a database of its own, a queue
 * prefix of its own and an SMTP sink of its own, listening on a random port.
 */
import { randomBytes } from 'node:crypto';
import { buildContainer, startTidings, type Tidings } from '../../src/app';
import type { Clock } from '../../src/clock';
import type { Container } from '../../src/container';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from './db';
import { REDIS_URL, scaleEnv } from './env';
import { OpenApiCheck } from './openapi-check';
import { SmtpSink } from './smtp-sink';

export interface TestApp {
  app: Tidings;
  c: Container;
  db: TestDatabase;
  sink: SmtpSink | undefined;
  /** http://127.0.0.1:port (undefined for ROLE=worker). */
  url: string;
  /** Editor key ensured at start (EDITOR_API_KEY). */
  editorKey: string;
  queuePrefix: string;
  fetch(path: string, init?: RequestInit & { json?: unknown; editor?: boolean }): Promise<Response>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra environment (contract keys) on top of the test defaults. */
  env?: Record<string, string>;
  /** Use the built-in local mailbox instead of an SMTP sink. */
  localMailbox?: boolean;
  /** Reuse a database (e.g. to run a second process against the same data). */
  db?: TestDatabase;
  /** Reuse a sink. */
  sink?: SmtpSink;
  queuePrefix?: string;
  /** The container's calendar (scheduled sends); the system clock when left out. */
  clock?: Clock;
}

export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const db = opts.db ?? (await createTestDatabase());
  const sink = opts.localMailbox ? undefined : (opts.sink ?? (await new SmtpSink().start()));
  const queuePrefix = opts.queuePrefix ?? `tt_${randomBytes(5).toString('hex')}`;
  // A fixed EDITOR_API_KEY lets several apps share one database (each start revokes other values).
  const editorKey = opts.env?.EDITOR_API_KEY ?? 'test-editor-key-' + randomBytes(8).toString('hex');
  const config = loadConfig({
    PORT: '0',
    PUBLIC_URL: 'http://localhost:3000',
    DATABASE_URL: db.url,
    REDIS_URL,
    SMTP_URL: sink?.url,
    QUEUE_PREFIX: queuePrefix,
    EDITOR_API_KEY: editorKey,
    SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SHUTDOWN_TIMEOUT_MS: '5000',
    // Every JSON API answer in the suite is held to its route's declared schemas.
    CHECK_API_RESPONSES: '1',
    // The suite's reader flows count the mails after a confirmation; the welcome email's own tests
    // (tests/integrations-browser.test.ts) turn it on.
    WELCOME_EMAIL: 'off',
    ...opts.env,
    ...scaleEnv(db.url),
  });
  const log = createLogger(config.logLevel);
  const c = await buildContainer({ ...config, databaseUrl: config.databaseUrl ?? db.url }, { log, defaultMetrics: false, clock: opts.clock });
  const app = await startTidings(c);
  const url = app.url ?? '';
  // Every /api exchange made through fetch() is also held to the served OpenAPI document.
  let openApi: Promise<OpenApiCheck> | undefined;
  const checkOpenApi = async (path: string, init: RequestInit & { json?: unknown }, res: Response) => {
    if (!path.startsWith('/api/') || c.config.role === 'worker') return;
    const check = await (openApi ??= OpenApiCheck.load(url));
    const contentType = res.headers.get('content-type');
    const responseText = contentType?.includes('application/json') ? await res.clone().text() : undefined;
    check.check({ method: init.method ?? 'GET', path, requestJson: init.json, status: res.status, contentType, responseText });
  };
  return {
    app,
    c,
    db,
    sink,
    url,
    editorKey,
    queuePrefix,
    fetch: async (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (init.editor) headers.set('authorization', `Bearer ${editorKey}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      const res = await fetch(url + path, { ...init, headers, body, redirect: 'manual' });
      await checkOpenApi(path, init, res);
      return res;
    },
    close: async () => {
      await app.stop();
      if (!opts.sink) await sink?.stop();
      if (!opts.db) await db.drop();
    },
  };
}
