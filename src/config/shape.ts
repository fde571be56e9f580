/** The validated configuration's shape (src/config/index.ts builds it from the environment). */
import type { DeliverabilityConfig } from './deliverability';
import type { ScaleConfig } from './scale';
import type { TrustProxy } from './trust-proxy';

export interface Config extends ScaleConfig {
  readonly port: number;
  readonly publicUrl: string;
  /** Unset means: try localhost:5432, else run an embedded PostgreSQL (src/db/resolve.ts). */
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string;
  /** Unset means: the built-in local mailbox (src/mail/local-mailbox.ts); config makes sure it is on. */
  readonly smtpUrl: string | undefined;
  /** NODE_ENV=production: the local mailbox is off by default and its pages need a console session. */
  readonly production: boolean;
  /** LOCAL_MAILBOX: whether the built-in mailbox may stand in for SMTP_URL. */
  readonly localMailbox: boolean;
  /** SMTP_INSECURE=1: credentials may travel without TLS to a host that is not loopback. */
  readonly smtpInsecure: boolean;
  /** METRICS_TOKEN: when set, /metrics needs `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined;
  readonly mailFrom: string;
  readonly postalAddress: string;
  /** Unset means: generated once and stored in the settings table. */
  readonly secretKey: string | undefined;
  /** Earlier keys that still verify links in emails already sent (SECRET_KEY_PREVIOUS). */
  readonly secretKeyPrevious: readonly string[];
  readonly editorApiKey: string | undefined;
  readonly role: 'all' | 'api' | 'worker';
  readonly dkim: { readonly domainName: string; readonly keySelector: string; readonly privateKey: string } | undefined;
  readonly subscribeLimitPerIp: number;
  readonly subscribeLimitPerAddress: number;
  /** Days after a hard bounce (or soft-bounce limit) before the reader may lift it by confirming a new subscription. */
  readonly suppressionReturnDays: number;
  readonly trustProxy: TrustProxy | undefined;
  readonly queuePrefix: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Messages per second across all worker processes; 0 = unlimited. */
  readonly sendRatePerSecond: number;
  readonly workerConcurrency: number;
  /** Delivery engine tuning (docs/delivery.md). */
  readonly sending: {
    readonly batchSize: number;
    readonly chunkSize: number;
    /** SEND_PREPARE_STREAMS: prepare steps run at once, each on its own range of readers. */
    readonly prepareStreams: number;
    readonly leaseSeconds: number;
    readonly reconcileIntervalMs: number;
    readonly maxAttempts: number;
    readonly retryBaseMs: number;
    readonly breakerMinFailures: number;
    readonly breakerFailurePercent: number;
    readonly breakerWindowSeconds: number;
    readonly smtpMaxConnections: number;
  };
  readonly bounceWebhookSecret: string | undefined;
  readonly listUnsubscribeMailto: string | undefined;
  readonly mailboxSmtpPort: number;
  readonly shutdownTimeoutMs: number;
  readonly dataDir: string;
  readonly embeddedPgPort: number;
  /** CHECK_API_RESPONSES=1: an API answer that does not fit its declared schema is a 500 (tests). */
  readonly checkApiResponses: boolean;
  /** Click counts (docs/privacy.md): CLICK_TRACKING, CLICK_FLUSH_MS, CLICK_BURST_SECONDS. */
  readonly clicks: {
    readonly tracking: 'aggregate' | 'off';
    /** How often each API process writes its gathered counts to Postgres. */
    readonly flushMs: number;
    /** Clicks on a variant's links this soon after a delivery of that variant count as `machine`. */
    readonly burstSeconds: number;
  };
  /** Editor console sessions and sign-in (docs/console.md). */
  readonly console: {
    readonly sessionIdleMinutes: number;
    readonly sessionMaxHours: number;
    /** Sign-in attempts per IP per 10 minutes; 0 = unlimited. */
    readonly signInLimitPerIp: number;
  };
  /** Readers: how often the transactional worker sweeps, and how old a row must be to be swept. */
  readonly readersSweep: {
    readonly intervalMs: number;
    readonly ageSeconds: number;
  };
  /** Scheduled sends (docs/delivery.md "Scheduled sends"). */
  readonly schedule: {
    /** A schedule found due later than this (the service was down) is marked missed, not sent. */
    readonly graceMinutes: number;
    /** How often each worker looks for due schedules and zones. */
    readonly pollMs: number;
    /** The zone of readers who have none (IANA name, canonical spelling). */
    readonly defaultTimezone: string;
  };
  /** WELCOME_EMAIL: a welcome email after confirmation. */
  readonly welcomeEmail: boolean;
  /** ALLOWED_ORIGINS: sites that may embed the signup form (return_to) and call POST /api/subscriptions (CORS). */
  readonly allowedOrigins: readonly string[];
  /** Outgoing webhooks: SSRF switch, request timeout, retry base, when a failing endpoint is disabled. */
  readonly webhooks: {
    readonly allowPrivate: boolean;
    readonly timeoutMs: number;
    readonly retryBaseSeconds: number;
    readonly disableAfterSeconds: number;
    readonly pollMs: number;
  };
  /** VERP, the bounce receiver, soft-bounce and complaint limits, provider webhooks. */
  readonly deliverability: DeliverabilityConfig;
}
