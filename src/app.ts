/**
 * The composition root: the only place that knows how the capabilities fit together, and the only
 * place a service is constructed. It builds the shared parts (pool, queries, Redis, transport), the
 * services on top of them (the Container, src/container.ts), and then the entry points (HTTP
 * routers, BullMQ workers), each handed just the services it uses.
 * Tests build the very same container with a test database, queue prefix and SMTP sink.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import { listenUrl } from './config/scale';
import type { Clicks, Container, Deliverability, Readers, RuntimeConfig, Sending } from './container';
import { buildClicks } from './app-clicks';
import { buildDeliverability } from './app-deliverability';
import { createPool } from './db/pool';
import { Queries } from './db/queries';
import { EditorAudit } from './editors/audit';
import { EditorAuth } from './editors/auth';
import { EditorKeys } from './editors/keys';
import { ConsoleOverview } from './editors/overview';
import { ConsoleSessions } from './editors/sessions';
import { opsListener } from './http/ops-server';
import { Importers } from './issues/importers';
import { IssuesService } from './issues/service';
import type { Logger } from './logger';
import type { LocalMailbox } from './mail/local-mailbox';
import { MailboxMessages } from './mail/mailbox-messages';
import { createMailTransport } from './mail/transport';
import { Metrics } from './metrics';
import { BulkAdder } from './queue/bulk-add';
import { connectRedis, QUEUE_NAMES, Queues } from './queue';
import { RateLimiter } from './ratelimit';
import { preloadMjml } from './rendering/compile';
import { loadTemplates } from './rendering/templates';
import { VariantStore } from './rendering/variant-store';
import { Variants } from './rendering/variants';
import { FailureWindow } from './sending/breaker';
import { SendCompletion } from './sending/completion';
import { Deliverer } from './sending/deliver';
import { LedgerWriter } from './sending/ledger-writer';
import { QueueDispatcher } from './sending/dispatcher';
import { Preparer } from './sending/prepare';
import { SendRateLimiter } from './sending/rate-limit';
import { Reconciler } from './sending/reconciler';
import { LedgerRetention } from './sending/retention';
import { LedgerUpkeep } from './sending/ledger-upkeep';
import { SendReports } from './sending/report';
import { ScheduleService } from './sending/schedule';
import { Scheduler } from './sending/scheduler';
import { ZoneRelease } from './sending/zones';
import { SendService } from './sending/service';
import { LazySmtpPool } from './sending/smtp-pool';
import { TestSender } from './sending/test-send';
import { VariantCache } from './sending/variants';
import { resolveSecretKeys } from './settings';
import { listenProblem } from './startup-errors';
import { SubscriberAdmin } from './subscribers/admin';
import { ConfirmationService } from './subscribers/confirm';
import { SubscriberImport } from './subscribers/csv-import';
import { FormTokens } from './subscribers/form-tokens';
import { LinkTokens } from './subscribers/link-tokens';
import { PreferencesService } from './subscribers/preferences';
import { RequestListener } from './subscribers/request-listener';
import { SubscriptionRequests } from './subscribers/requests';
import { SuppressionTransfer } from './subscribers/suppression-transfer';
import { Suppressions } from './subscribers/suppressions';
import { SubscriptionService } from './subscribers/subscribe';
import { ReadersSweeper } from './subscribers/sweeper';
import { TransactionalMail } from './subscribers/transactional';
import { WelcomeSettings } from './subscribers/welcome';
import type { TransactionalJob } from './subscribers/types';
import { Topics } from './topics';
import { systemClock, type Clock } from './clock';
import { OutgoingWebhooks } from './webhooks';
import { processorSpecs, startWorkers, type WorkerHandle } from '../workers';

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
  /** The calendar's time source (tests give one they can move); the system clock by default. */
  clock?: Clock;
}

/** What every capability's services are built from. */
type Shared = Pick<Container, 'config' | 'clock' | 'log' | 'metrics' | 'pool' | 'queries' | 'redis' | 'queues' | 'rateLimiter' | 'transport' | 'topics' | 'linkTokens' | 'audit' | 'suppressions'>;

export async function buildContainer(config: Omit<Config, 'databaseUrl'> & { databaseUrl: string }, opts: BuildOptions): Promise<Container> {
  const log = opts.log;
  const namedStatements = config.database.pooler !== 'transaction';
  const pool = createPool(config.databaseUrl, config.database.poolSize, { genericPlans: namedStatements });
  const queries = Queries.load(undefined, { namedStatements });
  await queries.check(pool);
  const secretKeys = await resolveSecretKeys(pool, queries, config.secretKey, config.secretKeyPrevious);
  const runtime: RuntimeConfig = Object.freeze({ ...config, secretKey: secretKeys[0]!, secretKeys });
  const redis = connectRedis(config);
  const { mailbox, smtpUrl } = await mailRelay(runtime, pool, queries, log);
  const topics = new Topics(pool, queries);
  const audit = new EditorAudit(pool, queries);
  const shared: Shared = {
    config: runtime, log, pool, queries, redis, topics, audit, clock: opts.clock ?? systemClock,
    metrics: new Metrics(opts.defaultMetrics ?? true),
    queues: new Queues(redis, config),
    rateLimiter: new RateLimiter(redis, config.queuePrefix),
    transport: createMailTransport({ url: smtpUrl, allowInsecureAuth: config.smtpInsecure, dkim: config.dkim }),
    linkTokens: new LinkTokens(secretKeys),
    suppressions: new Suppressions(pool, queries, audit, config.suppressionReturnDays),
  };

  const editorKeys = new EditorKeys(pool, queries);
  const editorAuth = new EditorAuth(editorKeys, shared.rateLimiter, { perIp: config.console.signInLimitPerIp, windowSeconds: 10 * 60 });
  const importers = new Importers(topics);
  const issues = new IssuesService(pool, queries, topics, importers, audit);
  // Templates are read once at boot: a broken or missing template fails the boot, not a send.
  const variantStore = new VariantStore(pool, queries);
  const clicks = buildClicks(shared, issues, secretKeys);
  // CLICK_TRACKING=off: variants are rendered with the links as written (and re-rendered on change).
  const linking = config.clicks.tracking === 'aggregate' ? { tokens: clicks.tokens, publicUrl: config.publicUrl } : undefined;
  const variants = new Variants(variantStore, issues, topics, loadTemplates(), config.postalAddress, linking);
  const deliverability = buildDeliverability(shared);

  return {
    ...shared,
    mailbox,
    mailboxMessages: mailbox ? new MailboxMessages(pool, queries) : undefined,
    editorKeys, editorAuth,
    consoleSessions: new ConsoleSessions(pool, queries, editorAuth, { idleSeconds: config.console.sessionIdleMinutes * 60, absoluteSeconds: config.console.sessionMaxHours * 3600 }),
    consoleOverview: new ConsoleOverview(pool, queries),
    suppressionTransfer: new SuppressionTransfer(shared.suppressions, audit),
    readers: buildReaders(shared, deliverability),
    sending: buildSending(shared, smtpUrl, { issues, variants, variantStore, bursts: clicks.bursts, deliverability }),
    deliverability, webhooks: new OutgoingWebhooks(shared),
    issues, importers, variants, clicks,
  };
}

/**
 * Where mail goes: SMTP_URL, or the built-in mailbox (loadConfig refuses neither). A worker process
 * runs a mailbox of its own on a free loopback port, never MAILBOX_SMTP_PORT, which belongs to the
 * API process beside it; all of them store into the same table that /dev/mailbox shows.
 */
async function mailRelay(config: RuntimeConfig, pool: Container['pool'], queries: Queries, log: Logger) {
  if (config.smtpUrl) return { mailbox: undefined, smtpUrl: config.smtpUrl };
  if (!config.localMailbox) throw new Error('SMTP_URL is not set and LOCAL_MAILBOX is off');
  // Loaded only when used: smtp-server stays out of processes that relay to a real SMTP server.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LocalMailbox } = require('./mail/local-mailbox') as typeof import('./mail/local-mailbox');
  const mailbox: LocalMailbox = new LocalMailbox(pool, queries, log);
  await mailbox.start(config.role === 'worker' ? 0 : config.mailboxSmtpPort);
  return { mailbox, smtpUrl: mailbox.url };
}

function buildReaders(s: Shared, dlv: Deliverability): Readers {
  const { pool, queries, topics, config, log } = s;
  // Coalesced per event-loop turn (src/queue/bulk-add.ts): one Redis round trip for many jobs.
  const adds = new BulkAdder(() => s.queues.get(QUEUE_NAMES.transactional));
  const enqueue = (job: TransactionalJob) =>
    adds.add(job.name, job.data, { jobId: job.jobId, attempts: 6, backoff: { type: 'exponential', delay: 2000 } });
  const onError = (err: unknown, jobId: string) => log.warn({ err, jobId }, 'transactional enqueue failed; the sweeper re-dispatches the row');
  const mail = new TransactionalMail({
    pool, queries, transport: s.transport, topics, linkTokens: s.linkTokens, suppressions: s.suppressions, publicUrl: config.publicUrl, mailFrom: config.mailFrom, enqueue, onError, welcome: new WelcomeSettings(pool, queries, s.audit),
    envelopeFrom: dlv.verp && ((messageId) => dlv.verp!.address({ kind: 'transactional', messageId })),
  });
  const requests = new SubscriptionRequests({ pool, queries, topics, mail, suppressions: s.suppressions, enqueue, onError });
  const subscriptions = new SubscriptionService(pool, queries, topics, s.rateLimiter, { perIp: config.subscribeLimitPerIp, perAddress: config.subscribeLimitPerAddress });
  return {
    subscriptions,
    confirmation: new ConfirmationService(pool, queries, s.suppressions, { on: config.welcomeEmail, mail }),
    preferences: new PreferencesService(pool, queries, topics, subscriptions, s.suppressions),
    admin: new SubscriberAdmin(pool, queries, topics, s.audit, s.suppressions),
    importer: new SubscriberImport(pool, queries, topics, s.audit, { on: config.welcomeEmail, mail }),
    mail,
    requests,
    listener: new RequestListener(listenUrl(config), (id) => void requests.dispatch(id, 0), log, async (after) =>
      (await pool.query<{ id: number }>(queries.sql('subscription-requests-after'), [after])).rows.map((r) => r.id)),
    sweeper: new ReadersSweeper(pool, queries, requests, mail),
    formTokens: new FormTokens(config.secretKeys),
  };
}

type SendingParts = { issues: IssuesService; variants: Variants; variantStore: VariantStore; bursts: Clicks['bursts']; deliverability: Deliverability };
function buildSending(s: Shared, smtpUrl: string, d: SendingParts): Sending {
  const { pool, queries, log, config } = s;
  const o = config.sending;
  const messageContext = { mailFrom: config.mailFrom, secretKey: config.secretKey, listUnsubscribeMailto: config.listUnsubscribeMailto };
  const dispatcher = new QueueDispatcher(s.queues);
  const completion = new SendCompletion(pool, queries, log);
  const service = new SendService({ pool, queries, log, dispatcher, renderer: d.variants, audit: s.audit });
  const zones = new ZoneRelease({ pool, queries, log, clock: s.clock, dispatcher });
  const smtp = new LazySmtpPool({ url: smtpUrl, allowInsecureAuth: config.smtpInsecure, maxConnections: o.smtpMaxConnections, dkim: config.dkim });
  return {
    dispatcher,
    service,
    reports: new SendReports(pool, queries, service, d.deliverability.reports),
    completion,
    preparer: new Preparer({ pool, queries, log, dispatcher, batchSize: o.batchSize, headStartSize: o.chunkSize, streams: o.prepareStreams, completion }),
    deliverer: new Deliverer({
      pool, queries, log, config, dispatcher, completion, metrics: s.metrics, linkTokens: s.linkTokens, smtp: smtp.get,
      rate: new SendRateLimiter(s.redis, `${config.queuePrefix}:send-rate`, config.sendRatePerSecond),
      breaker: new FailureWindow({ minFailures: o.breakerMinFailures, failurePercent: o.breakerFailurePercent, windowMs: o.breakerWindowSeconds * 1000 }),
      variants: new VariantCache(d.variantStore, messageContext),
      // Retries a lost connection for half a lease: the rows in flight stay ours meanwhile. Three
      // statements in flight: measured in docs/performance.md (one left the writer saturated).
      ledger: new LedgerWriter(pool, queries, log, { retryForMs: (o.leaseSeconds * 1000) / 2, maxInFlight: 3 }),
      verp: d.deliverability.verp, bounces: d.deliverability.service, onDelivered: (issueId, sets) => d.bursts.delivered(issueId, sets),
    }),
    reconciler: new Reconciler({ pool, queries, log, dispatcher, completion, leaseSeconds: o.leaseSeconds, intervalMs: o.reconcileIntervalMs }),
    retention: new LedgerRetention({ pool, queries, log, retentionDays: config.deliveryRetentionDays }),
    upkeep: new LedgerUpkeep({ pool, queries, log }),
    // Test emails go through the process's ordinary transport, built like the newsletter.
    testSender: new TestSender({ context: messageContext, publicUrl: config.publicUrl, transport: s.transport, rateLimiter: s.rateLimiter,
      topics: s.topics, audit: s.audit, variants: d.variants, issues: d.issues }),
    smtp, zones,
    schedules: new ScheduleService({ pool, queries, clock: s.clock, audit: s.audit, renderer: d.variants, sends: service, defaultZone: config.schedule.defaultTimezone }),
    scheduler: new Scheduler({ pool, queries, log, clock: s.clock, sends: service, zones, ...config.schedule }),
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

  // Worker processes never load the public routers (console, reader pages, importers' parsers,
  // mailparser; measured ~40 MB less resident memory per worker), nor Express: they serve only the
  // operations endpoints (health checks, metrics scraping) from a bare listener (≈ 7 MB less).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const web = config.role === 'worker' ? undefined : (require('./http/routes') as typeof import('./http/routes'));
  const app = web
    ? (require('./http/app') as typeof import('./http/app')).createHttpApp({
        log,
        metrics: c.metrics,
        trustProxy: config.trustProxy,
        secure: config.publicUrl.startsWith('https:'),
        routers: web.routers(c),
        renderHtmlError: web.renderHtmlError,
      })
    : opsListener(c, log);
  /* eslint-enable @typescript-eslint/no-require-imports */
  const server = http.createServer(app);
  // Keep-alive sockets must not outlive the load balancer's; close idle ones on shutdown.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(listenProblem(err, config.port, 'PORT')));
    server.listen(config.port, resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The processes that render (previews, sends) load mjml once listening, off the request path:
  // the first send after a start then leaves ≈ 0.3 s sooner (docs/performance.md).
  if (web) setImmediate(preloadMjml);
  const workers = config.role === 'api' ? [] : await startWorkers(c, processorSpecs(c));
  await c.deliverability.receiver?.start(); // beside the workers: built for ROLE=worker|all only
  if (config.role !== 'api') c.webhooks.deliverer.start(); // a polling loop over Postgres, not a queue

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const budget = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs).unref());
      const closeServer = new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      // Workers stop fetching at once and finish the jobs they hold, within the budget.
      await Promise.race([Promise.all([closeServer, c.webhooks.deliverer.stop(), ...workers.map((w) => w.close())]), budget]);
      server.closeAllConnections();
      await closeContainer(c);
    })());
  return { container: c, url, server, workers, stop };
}

export async function closeContainer(c: Container): Promise<void> {
  await Promise.all([c.sending.reconciler.stop(), c.sending.scheduler.stop()]);
  await Promise.all([c.sending.retention.stop(), c.sending.upkeep.stop()]);
  await c.clicks.counter.stop();
  c.sending.smtp.close();
  c.transport.close();
  await c.mailbox?.stop();
  await c.deliverability.receiver?.stop();
  await c.queues.close();
  c.redis.disconnect();
  await c.pool.end().catch(() => undefined);
}
