/**
 * The delivery capability, assembled: services for the editor (start, progress, control, report),
 * the prepare and deliver stages the workers call, the reconciler, and bounce handling.
 * Built once per process by the composition root; the SMTP pool is opened on first use, so an
 * API-only process never connects to the relay.
 */
import type { Redis } from 'ioredis';
import type { RuntimeConfig } from '../app';
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { Queues } from '../queue';
import type { LinkTokens } from '../subscribers/link-tokens';
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
}

export class Sending {
  readonly dispatcher: Dispatcher;
  readonly service: SendService;
  readonly preparer: Preparer;
  readonly deliverer: Deliverer;
  readonly reconciler: Reconciler;
  readonly bounces: Bounces;
  private smtp: SmtpPool | undefined;

  constructor(private readonly d: SendingDeps) {
    const { config, pool, queries, log } = d;
    const s = config.sending;
    const onCompleted = async (sendId: number, issueId: number) => {
      await pool.query(queries.sql('send-issue-mark-sent'), [issueId]);
      log.info({ sendId, issueId }, 'send completed');
    };
    this.dispatcher = new QueueDispatcher(d.queues);
    this.service = new SendService({ pool, queries, log, dispatcher: this.dispatcher, renderer: d.renderer });
    this.preparer = new Preparer({ pool, queries, log, dispatcher: this.dispatcher, batchSize: s.batchSize, onCompleted });
    this.deliverer = new Deliverer({
      pool,
      queries,
      log,
      metrics: d.metrics,
      config,
      linkTokens: d.linkTokens,
      smtp: () => (this.smtp ??= new SmtpPool({ url: d.smtpUrl, maxConnections: s.smtpMaxConnections, dkim: config.dkim })),
      rate: new SendRateLimiter(d.redis, `${config.queuePrefix}:send-rate`, config.sendRatePerSecond),
      dispatcher: this.dispatcher,
      breaker: new FailureWindow({
        minFailures: s.breakerMinFailures,
        failurePercent: s.breakerFailurePercent,
        windowMs: s.breakerWindowSeconds * 1000,
      }),
      variants: new VariantCache(pool, queries, {
        mailFrom: config.mailFrom,
        secretKey: config.secretKey,
        listUnsubscribeMailto: config.listUnsubscribeMailto,
      }),
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
