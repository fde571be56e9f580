/**
 * The delivery capability, assembled: services for the editor (start, progress, control, report),
 * the prepare and deliver stages the workers call, the reconciler, and bounce handling.
 * Built once per process by the composition root; the SMTP pool is opened on first use, so an
 * API-only process never connects to the relay. Test emails go through the process's ordinary
 * transport, but are built by the same message builder as the newsletter (test-send.ts).
 */
import type { Redis } from 'ioredis';
import type { RuntimeConfig } from '../app';
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { EditorAudit } from '../editors/audit';
import type { Logger } from '../logger';
import type { MailTransport } from '../mail/transport';
import type { Metrics } from '../metrics';
import type { Queues } from '../queue';
import type { RateLimiter } from '../ratelimit';
import type { LinkTokens } from '../subscribers/link-tokens';
import type { Topics } from '../topics';
import { Bounces } from './bounces';
import { FailureWindow } from './breaker';
import { Deliverer } from './deliver';
import { QueueDispatcher, type Dispatcher } from './dispatcher';
import { Preparer } from './prepare';
import { SendRateLimiter } from './rate-limit';
import { Reconciler } from './reconciler';
import { sendReport } from './report';
import { SendService, type VariantRenderer } from './service';
import { SmtpPool } from './smtp-pool';
import { TestSender, type TestVariantSource } from './test-send';
import { VariantCache } from './variants';

export interface SendingDeps {
  config: RuntimeConfig;
  pool: Pool;
  queries: Queries;
  log: Logger;
  metrics: Metrics;
  redis: Redis;
  queues: Queues;
  linkTokens: LinkTokens;
  /** The relay newsletters go to (SMTP_URL, or the built-in mailbox). */
  smtpUrl: string;
  renderer: () => VariantRenderer | undefined;
  /** Who did what: send actions and test emails are recorded by the services below. */
  audit: EditorAudit;
  /** For test emails: the process's transport, the per-editor limit, topics, one variant, the issue title. */
  transport: MailTransport;
  rateLimiter: RateLimiter;
  topics: Topics;
  variants: TestVariantSource;
  issues: { get(id: number): Promise<{ title: string }> };
}

export class Sending {
  readonly dispatcher: Dispatcher;
  readonly service: SendService;
  readonly preparer: Preparer;
  readonly deliverer: Deliverer;
  readonly reconciler: Reconciler;
  readonly bounces: Bounces;
  readonly testSender: TestSender;
  private smtp: SmtpPool | undefined;

  constructor(private readonly d: SendingDeps) {
    const { config, pool, queries, log } = d;
    const s = config.sending;
    const messageContext = { mailFrom: config.mailFrom, secretKey: config.secretKey, listUnsubscribeMailto: config.listUnsubscribeMailto };
    const onCompleted = async (sendId: number, issueId: number) => {
      await pool.query(queries.sql('send-issue-mark-sent'), [issueId]);
      log.info({ sendId, issueId }, 'send completed');
    };
    this.dispatcher = new QueueDispatcher(d.queues);
    this.service = new SendService({ pool, queries, log, dispatcher: this.dispatcher, renderer: d.renderer, audit: d.audit });
    this.preparer = new Preparer({ pool, queries, log, dispatcher: this.dispatcher, batchSize: s.batchSize, onCompleted });
    this.deliverer = new Deliverer({
      pool,
      queries,
      log,
      metrics: d.metrics,
      config,
      linkTokens: d.linkTokens,
      smtp: () => (this.smtp ??= new SmtpPool({ url: d.smtpUrl, allowInsecureAuth: config.smtpInsecure, maxConnections: s.smtpMaxConnections, dkim: config.dkim })),
      rate: new SendRateLimiter(d.redis, `${config.queuePrefix}:send-rate`, config.sendRatePerSecond),
      dispatcher: this.dispatcher,
      breaker: new FailureWindow({
        minFailures: s.breakerMinFailures,
        failurePercent: s.breakerFailurePercent,
        windowMs: s.breakerWindowSeconds * 1000,
      }),
      variants: new VariantCache(pool, queries, messageContext),
      onCompleted,
    });
    this.reconciler = new Reconciler({
      pool,
      queries,
      log,
      dispatcher: this.dispatcher,
      leaseSeconds: s.leaseSeconds,
      intervalMs: s.reconcileIntervalMs,
      onCompleted,
    });
    this.bounces = new Bounces(pool, queries);
    this.testSender = new TestSender({
      context: messageContext,
      publicUrl: config.publicUrl,
      transport: d.transport,
      rateLimiter: d.rateLimiter,
      topics: d.topics,
      audit: d.audit,
      variants: d.variants,
      issues: d.issues,
    });
  }

  report(issueId: number) {
    return sendReport(this.d.pool, this.d.queries, this.service, issueId);
  }

  async close(): Promise<void> {
    await this.reconciler.stop();
    this.smtp?.close();
    this.smtp = undefined;
  }
}
