/**
 * What the composition root (src/app.ts) builds: the shared parts and every service, grouped by
 * capability. Only types live here, and it imports nothing above the services, so entry points
 * (src/http, workers/, src/cli) can name what they need — `Pick<Container, 'issues' | 'audit'>` —
 * without importing the root that imports them.
 *
 * A new service: a field here (in its capability's group), one `new` in src/app.ts, and the entry
 * points that use it add its name to their Pick.
 */
import type { Clock } from './clock';
import type { RuntimeConfig } from './config/runtime';
import type { Pool } from './db/pool';
import type { Queries } from './db/queries';
import type { ClickCounter } from './clicks/counter';
import type { DeliveryBursts } from './clicks/machine';
import type { ClickRedirects } from './clicks/redirect';
import type { ClickReports } from './clicks/report';
import type { ClickTokens } from './clicks/tokens';
import type { EditorAudit } from './editors/audit';
import type { EditorAuth } from './editors/auth';
import type { EditorKeys } from './editors/keys';
import type { ConsoleOverview } from './editors/overview';
import type { ConsoleSessions } from './editors/sessions';
import type { MailgunWebhook } from './deliverability/providers/mailgun';
import type { PostmarkWebhook } from './deliverability/providers/postmark';
import type { SendGridWebhook } from './deliverability/providers/sendgrid';
import type { SesWebhook } from './deliverability/providers/ses';
import type { BounceReceiver } from './deliverability/receiver';
import type { DeliverabilityReports } from './deliverability/report';
import type { DeliverabilityService } from './deliverability/service';
import type { VerpTokens } from './deliverability/verp';
import type { Importers } from './issues/importers';
import type { IssuesService } from './issues/service';
import type { Logger } from './logger';
import type { LocalMailbox } from './mail/local-mailbox';
import type { MailboxMessages } from './mail/mailbox-messages';
import type { MailTransport } from './mail/transport';
import type { Metrics } from './metrics';
import type { Queues, RedisClient } from './queue';
import type { RateLimiter } from './ratelimit';
import type { Variants } from './rendering/variants';
import type { SendCompletion } from './sending/completion';
import type { Deliverer } from './sending/deliver';
import type { Dispatcher } from './sending/dispatcher';
import type { Preparer } from './sending/prepare';
import type { Reconciler } from './sending/reconciler';
import type { LedgerRetention } from './sending/retention';
import type { LedgerUpkeep } from './sending/ledger-upkeep';
import type { SendReports } from './sending/report';
import type { ScheduleService } from './sending/schedule';
import type { Scheduler } from './sending/scheduler';
import type { SendService } from './sending/service';
import type { LazySmtpPool } from './sending/smtp-pool';
import type { TestSender } from './sending/test-send';
import type { ZoneRelease } from './sending/zones';
import type { SubscriberAdmin } from './subscribers/admin';
import type { ConfirmationService } from './subscribers/confirm';
import type { SubscriberImport } from './subscribers/csv-import';
import type { FormTokens } from './subscribers/form-tokens';
import type { LinkTokens } from './subscribers/link-tokens';
import type { PreferencesService } from './subscribers/preferences';
import type { RequestListener } from './subscribers/request-listener';
import type { SubscriptionRequests } from './subscribers/requests';
import type { SubscriptionService } from './subscribers/subscribe';
import type { SuppressionTransfer } from './subscribers/suppression-transfer';
import type { Suppressions } from './subscribers/suppressions';
import type { ReadersSweeper } from './subscribers/sweeper';
import type { TransactionalMail } from './subscribers/transactional';
import type { Topics } from './topics';
import type { OutgoingWebhooks } from './webhooks';

export type { RuntimeConfig };

/** Readers: subscribe, confirm, preferences, unsubscribe, editor management, privacy. */
export interface Readers {
  readonly subscriptions: SubscriptionService;
  readonly confirmation: ConfirmationService;
  readonly preferences: PreferencesService;
  readonly admin: SubscriberAdmin;
  readonly importer: SubscriberImport;
  readonly mail: TransactionalMail;
  /** The worker's side of subscribe requests. */
  readonly requests: SubscriptionRequests;
  /** LISTENs for new subscribe requests (started by the transactional worker only). */
  readonly listener: RequestListener;
  readonly sweeper: ReadersSweeper;
  readonly formTokens: FormTokens;
}

/** Delivery: sends, the ledger, prepare/deliver stages, reconciler, test emails. */
export interface Sending {
  readonly dispatcher: Dispatcher;
  /** The editor's side: start, progress, pause / resume / cancel, uncertain deliveries. */
  readonly service: SendService;
  readonly reports: SendReports;
  /** What a completed send changes (its issue becomes sent). */
  readonly completion: SendCompletion;
  readonly preparer: Preparer;
  readonly deliverer: Deliverer;
  readonly reconciler: Reconciler;
  /** Rolls up and drops ledger partitions past DELIVERY_RETENTION_DAYS (worker processes). */
  readonly retention: LedgerRetention;
  /** VACUUM / ANALYZE of live ledger partitions as they churn (worker processes). */
  readonly upkeep: LedgerUpkeep;
  readonly testSender: TestSender;
  /** The newsletter relay's pool, opened on first delivery. */
  readonly smtp: LazySmtpPool;
  /** Scheduled sends, the editor's side: schedule, reschedule, cancel, send now. */
  readonly schedules: ScheduleService;
  /** The worker's timer that starts due schedules and releases due zones. */
  readonly scheduler: Scheduler;
  /** Local-time delivery: zone release and per-zone progress. */
  readonly zones: ZoneRelease;
}

/** Bounces and complaints after handoff: VERP, the receiver, provider webhooks, the one service. */
export interface Deliverability {
  /** Records every bounce and complaint, whatever the source (src/deliverability/service.ts). */
  readonly service: DeliverabilityService;
  /** Present when BOUNCE_DOMAIN is set. */
  readonly verp: VerpTokens | undefined;
  readonly reports: DeliverabilityReports;
  /** Each present when its keys are configured; its route answers 404 otherwise. */
  readonly providers: {
    readonly ses: SesWebhook | undefined;
    readonly mailgun: MailgunWebhook | undefined;
    readonly postmark: PostmarkWebhook | undefined;
    readonly sendgrid: SendGridWebhook | undefined;
  };
  /** The SMTP receiver (INBOUND_SMTP_PORT > 0, in processes that run workers), started by startTidings. */
  readonly receiver: BounceReceiver | undefined;
}

/** Aggregate click counts (docs/privacy.md): tokens, the redirect, counting, the report. */
export interface Clicks {
  readonly tokens: ClickTokens;
  readonly redirects: ClickRedirects;
  /** Gathers counts in memory, writes them every CLICK_FLUSH_MS. */
  readonly counter: ClickCounter;
  /** Recent deliveries per variant in Redis: clicks right after one are a machine's. */
  readonly bursts: DeliveryBursts;
  readonly reports: ClickReports;
}

export interface Container {
  readonly config: RuntimeConfig;
  /** The time source of everything that decides by the calendar (schedules, zones); tests move it. */
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly pool: Pool;
  readonly queries: Queries;
  /** Shared connection for queues, rate limits and readiness (workers open their own). */
  readonly redis: RedisClient;
  readonly queues: Queues;
  readonly rateLimiter: RateLimiter;
  /** The process's transport (transactional mails, test emails). */
  readonly transport: MailTransport;
  /** The built-in SMTP server, present when SMTP_URL is unset (config then guarantees LOCAL_MAILBOX). */
  readonly mailbox: LocalMailbox | undefined;
  /** What /dev/mailbox shows; present with the mailbox. */
  readonly mailboxMessages: MailboxMessages | undefined;
  readonly editorKeys: EditorKeys;
  /** Console sign-in and API bearer keys under one per-address limit. */
  readonly editorAuth: EditorAuth;
  /** Console sessions: the console, and the local mailbox in production. */
  readonly consoleSessions: ConsoleSessions;
  /** The console's read-only figures across capabilities (audience, send results, a reader's deliveries). */
  readonly consoleOverview: ConsoleOverview;
  /** The suppression list: every site that suppresses, the reader's way back, the editor's view. */
  readonly suppressions: Suppressions;
  /** CSV export of the list (hashes, reasons) and import of another tool's list. */
  readonly suppressionTransfer: SuppressionTransfer;
  /** Who did what (editor_actions), written by the services that make each change. */
  readonly audit: EditorAudit;
  readonly topics: Topics;
  /** HMAC-signed unsubscribe / preferences tokens for links in emails. */
  readonly linkTokens: LinkTokens;
  readonly readers: Readers;
  readonly sending: Sending;
  /** Outgoing webhooks: editors' endpoints, and the worker loop that delivers the outbox. */
  readonly webhooks: OutgoingWebhooks;
  readonly deliverability: Deliverability;
  /** Issues: editor documents, drafts, imports, status (src/issues). */
  readonly issues: IssuesService;
  /** Markdown and plain-text importers with topic suggestions (parse only; storing is issues.importDraft). */
  readonly importers: Importers;
  /** Rendered variants per (issue, topic set): ensureVariants / variant (src/rendering). */
  readonly variants: Variants;
  readonly clicks: Clicks;
}
