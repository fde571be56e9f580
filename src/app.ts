/**
 * The composition root: the only place that knows how the capabilities fit together. It builds the
 * shared parts (pool, queries, Redis, transport), the services on top of them, and then the entry
 * points (HTTP routers, BullMQ workers) that are thin wrappers around those services.
 * Tests build the very same container with a test database, queue prefix and SMTP sink.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { Config } from './config';
import { createPool, type Pool } from './db/pool';
import { Queries } from './db/queries';
import { EditorAudit } from './editors/audit';
import { EditorAuth } from './editors/auth';
import { EditorKeys } from './editors/keys';
import { ConsoleSessions } from './editors/sessions';
import { createHttpApp } from './http/app';
import { opsRouter } from './http/ops';
import type { Logger } from './logger';
import type { LocalMailbox } from './mail/local-mailbox';
import { createMailTransport, type MailTransport } from './mail/transport';
import { Metrics } from './metrics';
import { BulkAdder } from './queue/bulk-add';
import { createRedis, QUEUE_NAMES, Queues } from './queue';
import { RateLimiter } from './ratelimit';
import { resolveSecretKeys } from './settings';
import { listenProblem } from './startup-errors';
import { LinkTokens } from './subscribers/link-tokens';
import { createReaders, type Readers } from './subscribers';
import { Topics } from './topics';
import { Sending } from './sending';
import { createIssueServices, type IssueServices } from './issues';
import { startWorkers, type WorkerHandle } from '../workers';

/** Config after boot-time resolution: the database URL and secret keys are known. */
export type RuntimeConfig = Omit<Config, 'databaseUrl' | 'secretKey'> & {
  readonly databaseUrl: string;
  /** The key that signs (SECRET_KEY, or the generated one): secretKeys[0]. */
  readonly secretKey: string;
  /** Every key that verifies, the signing one first (src/settings.ts, resolveSecretKeys). */
  readonly secretKeys: readonly string[];
};

export interface Container {
  readonly config: RuntimeConfig;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly pool: Pool;
  readonly queries: Queries;
  /** Shared connection for queues, rate limits and readiness (workers open their own). */
  readonly redis: Redis;
  readonly queues: Queues;
  readonly rateLimiter: RateLimiter;
  readonly transport: MailTransport;
  /** Present when SMTP_URL is unset (config then guarantees LOCAL_MAILBOX is on). */
  readonly mailbox: LocalMailbox | undefined;
  readonly editorKeys: EditorKeys;
  /** Console sign-in and API bearer keys under one per-address limit. */
  readonly editorAuth: EditorAuth;
  /** Console sessions: the console, and the local mailbox in production. */
  readonly consoleSessions: ConsoleSessions;
  /** Who did what (editor_actions): send actions, test emails, console edits. */
  readonly audit: EditorAudit;
  readonly topics: Topics;
  /** HMAC-signed unsubscribe / preferences tokens for links in emails. */
  readonly linkTokens: LinkTokens;
  /** Readers: subscribe, confirm, preferences, unsubscribe, editor management, privacy. */
  readonly readers: Readers;
  /** Delivery: sends, the ledger, prepare/deliver stages, reconciler, bounces. */
  readonly sending: Sending;
  // Capability services are added below, one line each, by the capability that owns them.
  /** Issues: editor documents, drafts, status transitions (src/issues). */
  readonly issues: IssueServices['issues'];
  /** Markdown and plain-text importers with topic suggestions. */
  readonly importers: IssueServices['importers'];
  /** Rendered variants per (issue, topic set): ensureVariants / loadVariants (src/rendering). */
  readonly variants: IssueServices['variants'];
}

export interface Tidings {
  readonly container: Container;
  /** Base URL of the HTTP server (a worker serves only /healthz, /readyz, /metrics). */
  readonly url: string | undefined;
  readonly server: http.Server | undefined;
  readonly workers: WorkerHandle[];
  /** Graceful stop: no new requests or jobs, in-flight work finished within the budget, pools closed. */
  stop(): Promise<void>;
}

export interface BuildOptions {
  log: Logger;
  /** Collect Node's default process metrics (off in tests that build many containers). */
  defaultMetrics?: boolean;
}

export async function buildContainer(
  config: Omit<Config, 'databaseUrl'> & { databaseUrl: string },
  opts: BuildOptions,
): Promise<Container> {
  const log = opts.log;
  const pool = createPool(config.databaseUrl);
  const queries = Queries.load();
  await queries.check(pool);
  const secretKeys = await resolveSecretKeys(pool, queries, config.secretKey, config.secretKeyPrevious);
  const runtime: RuntimeConfig = Object.freeze({ ...config, secretKey: secretKeys[0]!, secretKeys });
  const redis = createRedis(config.redisUrl);
  const queues = new Queues(redis, config.queuePrefix);
  const transactionalAdds = new BulkAdder(() => queues.get(QUEUE_NAMES.transactional));

  let mailbox: LocalMailbox | undefined;
  let smtpUrl = config.smtpUrl;
  if (!smtpUrl && config.localMailbox) {
    // Loaded only when used: smtp-server stays out of processes that relay to a real SMTP server.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { LocalMailbox } = require('./mail/local-mailbox') as typeof import('./mail/local-mailbox');
    mailbox = new LocalMailbox(pool, queries, log);
    await mailbox.start(config.mailboxSmtpPort);
    smtpUrl = mailbox.url;
  }
  // loadConfig refuses a configuration without SMTP_URL and without the local mailbox.
  if (!smtpUrl) throw new Error('SMTP_URL is not set and LOCAL_MAILBOX is off');
  const transport = createMailTransport({ url: smtpUrl, allowInsecureAuth: config.smtpInsecure, dkim: config.dkim });
  const rateLimiter = new RateLimiter(redis, config.queuePrefix);
  const editorKeys = new EditorKeys(pool, queries);
  const editorAuth = new EditorAuth(editorKeys, rateLimiter, { perIp: config.console.signInLimitPerIp, windowSeconds: 10 * 60 });
  const topics = new Topics(pool, queries);
  const linkTokens = new LinkTokens(secretKeys);
  const metrics = new Metrics(opts.defaultMetrics ?? true);
  const issueServices = createIssueServices({ pool, queries, topics, postalAddress: config.postalAddress });
  const audit = new EditorAudit(pool, queries);

  return {
    config: runtime,
    log,
    metrics,
    pool,
    queries,
    redis,
    queues,
    rateLimiter,
    transport,
    mailbox,
    editorKeys,
    editorAuth,
    consoleSessions: new ConsoleSessions(pool, queries, editorAuth, {
      idleSeconds: config.console.sessionIdleMinutes * 60,
      absoluteSeconds: config.console.sessionMaxHours * 3600,
    }),
    audit,
    topics,
    linkTokens,
    readers: createReaders({
      pool, queries, transport, rateLimiter, topics, linkTokens, secretKeys, publicUrl: config.publicUrl, mailFrom: config.mailFrom,
      limits: { perIp: config.subscribeLimitPerIp, perAddress: config.subscribeLimitPerAddress },
      // Coalesced per event-loop turn (src/queue/bulk-add.ts): one Redis round trip for many
      // jobs under load.
      enqueueTransactional: (job) =>
        transactionalAdds.add(job.name, job.data, { jobId: job.jobId, attempts: 6, backoff: { type: 'exponential', delay: 2000 } }),
      onDispatchError: (err, jobId) => log.warn({ err, jobId }, 'transactional enqueue failed; the sweeper re-dispatches the row'),
    }),
    sending: new Sending({
      config: runtime, pool, queries, log, metrics, redis, queues, linkTokens, smtpUrl,
      renderer: () => issueServices.variants,
      audit, transport, rateLimiter, topics, variants: issueServices.variants, issues: issueServices.issues,
    }),
    ...issueServices,
  };
}

/** Starts what `config.role` asks for on top of a container. */
export async function startTidings(c: Container): Promise<Tidings> {
  const { config, log } = c;
  if (config.editorApiKey) {
    const ensured = await c.editorKeys.ensure(config.editorApiKey, 'admin');
    if (ensured.revokedKeyIds.length) log.info({ keyIds: ensured.revokedKeyIds }, 'EDITOR_API_KEY changed: keys of earlier values revoked');
    if (!ensured.active) log.warn({ keyId: ensured.keyId }, 'EDITOR_API_KEY is a revoked key and does not authenticate; set a new value');
  }

  let server: http.Server | undefined;
  let url: string | undefined;
  // Worker processes never load the public routers (console, reader pages, importers' parsers,
  // mailparser): measured ~40 MB less resident memory per worker.
  const web =
    config.role === 'worker'
      ? undefined
      : // eslint-disable-next-line @typescript-eslint/no-require-imports
        (require('./http/routes') as typeof import('./http/routes'));
  {
    // A worker process serves only the operations endpoints (health checks, metrics scraping).
    const app = createHttpApp({
      log,
      metrics: c.metrics,
      trustProxy: config.trustProxy,
      secure: config.publicUrl.startsWith('https:'),
      routers: web ? web.routers(c) : [opsRouter(c)],
      renderHtmlError: web?.renderHtmlError,
    });
    server = http.createServer(app);
    // Keep-alive sockets must not outlive the load balancer's; close idle ones on shutdown.
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server!.once('error', (err) => reject(listenProblem(err, config.port, 'PORT')));
      server!.listen(config.port, resolve);
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const workers = config.role === 'api' ? [] : await startWorkers(c);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const budget = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs).unref());
      const closeServer = server
        ? new Promise<void>((resolve) => {
            server!.close(() => resolve());
            server!.closeIdleConnections();
          })
        : Promise.resolve();
      // Workers stop fetching at once and finish the jobs they hold, within the budget.
      await Promise.race([Promise.all([closeServer, ...workers.map((w) => w.close())]), budget]);
      server?.closeAllConnections();
      await closeContainer(c);
    })());
  return { container: c, url, server, workers, stop };
}

export async function closeContainer(c: Container): Promise<void> {
  await c.sending.close();
  c.transport.close();
  await c.mailbox?.stop();
  await c.queues.close();
  c.redis.disconnect();
  await c.pool.end().catch(() => undefined);
}
