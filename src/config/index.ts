/**
 * Configuration: the environment is read exactly once, validated, and turned into a frozen typed
 * object. Every key is documented in `.env.example`; docs/contract.md and docs/api.md describe them.
 * Nothing else in the code base reads `process.env`.
 */
import { z } from 'zod';
import type { Config } from './shape';
import { DELIVERABILITY_ENV, deliverabilityConfig, deliverabilityProblems } from './deliverability';
import { scaleConfig, scaleKeys } from './scale';
import { parseTrustProxy, type TrustProxy } from './trust-proxy';
import { SCHEDULE_ENV, scheduleConfig } from './schedule';

const intString = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .default(def);

const urlString = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `must be a URL (${protocols.join(' or ')})`);

const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const schema = z
  .object({
    PORT: intString(3000, 0, 65535),
    PUBLIC_URL: optional(urlString(['http:', 'https:'])),
    DATABASE_URL: optional(urlString(['postgres:', 'postgresql:'])),
    REDIS_URL: urlString(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
    SMTP_URL: optional(urlString(['smtp:', 'smtps:'])),
    MAIL_FROM: z.string().trim().min(3).default('Tidings <newsletter@localhost>'),
    POSTAL_ADDRESS: z
      .string()
      .trim()
      .min(1)
      .default('Tidings, 1 Example Street, Example City (set POSTAL_ADDRESS)'),
    SECRET_KEY: optional(z.string().min(32, 'must be at least 32 characters')),
    // Earlier SECRET_KEY values, comma-separated: they still verify links, never sign (rotation).
    SECRET_KEY_PREVIOUS: z
      .string()
      .optional()
      .transform((v) => (v ?? '').split(',').map((k) => k.trim()).filter(Boolean))
      .pipe(z.array(z.string().min(32, 'each key must be at least 32 characters'))),
    // A chosen key can be guessed where a generated one cannot: 32 characters at least.
    EDITOR_API_KEY: optional(z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)')),
    ROLE: z.enum(['all', 'api', 'worker']).default('all'),
    DKIM_DOMAIN: optional(z.string().trim().min(1)),
    DKIM_SELECTOR: optional(z.string().trim().min(1)),
    DKIM_PRIVATE_KEY: optional(z.string().min(1)),
    SUBSCRIBE_LIMIT_PER_IP: intString(20),
    SUBSCRIBE_LIMIT_PER_ADDRESS: intString(3),
    SUPPRESSION_RETURN_DAYS: intString(30, 1, 3650),
    TRUST_PROXY: optional(
      z
        .string()
        .trim()
        .min(1)
        .transform((v, ctx): TrustProxy => {
          const parsed = parseTrustProxy(v);
          if ('value' in parsed) return parsed.value;
          ctx.addIssue({ code: 'custom', message: parsed.problem });
          return z.NEVER;
        }),
    ),
    // Production hardening (docs/security.md).
    NODE_ENV: optional(z.string().trim()),
    LOCAL_MAILBOX: optional(z.enum(['on', 'off'])),
    SMTP_INSECURE: z.enum(['0', '1']).default('0'),
    METRICS_TOKEN: optional(z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)')),
    QUEUE_PREFIX: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only')
      .default('tidings'),
    // Additions to the contract (docs/api.md lists them):
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SEND_RATE_PER_SECOND: intString(0),
    WORKER_CONCURRENCY: intString(4, 1, 64),
    // Delivery engine (docs/delivery.md).
    SEND_BATCH_SIZE: intString(500, 1, 10000),
    SEND_CHUNK_SIZE: intString(50, 1, 1000),
    // Prepare transactions run at once, each on a range of readers (docs/delivery.md, "Prepare").
    SEND_PREPARE_STREAMS: intString(2, 1, 16),
    SEND_LEASE_SECONDS: intString(60, 1, 3600),
    SEND_RECONCILE_INTERVAL_MS: intString(5000, 50, 600000),
    SEND_MAX_ATTEMPTS: intString(5, 1, 50),
    SEND_RETRY_BASE_MS: intString(30000, 0, 3600000),
    SEND_BREAKER_MIN_FAILURES: intString(50, 1),
    SEND_BREAKER_FAILURE_PERCENT: intString(20, 1, 100),
    SEND_BREAKER_WINDOW_SECONDS: intString(60, 1, 3600),
    SMTP_MAX_CONNECTIONS: intString(5, 1, 100),
    BOUNCE_WEBHOOK_SECRET: optional(z.string().min(16, 'must be at least 16 characters')),
    LIST_UNSUBSCRIBE_MAILTO: optional(z.string().trim().email()),
    MAILBOX_SMTP_PORT: intString(0, 0, 65535),
    SHUTDOWN_TIMEOUT_MS: intString(10000, 0),
    DATA_DIR: z.string().trim().min(1).default('.data'),
    EMBEDDED_PG_PORT: intString(54329, 1, 65535),
    // Click counts (docs/privacy.md): aggregate per issue, link and topic set, or off.
    CLICK_TRACKING: z.enum(['aggregate', 'off']).default('aggregate'),
    CLICK_FLUSH_MS: intString(2000, 50, 60000),
    CLICK_BURST_SECONDS: intString(5, 0, 600),
    // Development and tests: hold every JSON API answer to its declared schema (src/http/api-route.ts).
    CHECK_API_RESPONSES: z.enum(['0', '1']).default('0'),
    // Editor console (docs/console.md).
    CONSOLE_SESSION_IDLE_MINUTES: intString(60, 1, 7 * 24 * 60),
    CONSOLE_SESSION_MAX_HOURS: intString(12, 1, 30 * 24),
    CONSOLE_SIGNIN_LIMIT_PER_IP: intString(10),
    // Readers (docs/readers.md): re-dispatch of subscribe requests and transactional mails.
    READERS_SWEEP_INTERVAL_MS: intString(30000, 50, 3600000),
    READERS_SWEEP_AGE_SECONDS: intString(60, 0, 86400),
    // Scheduled sends and reader-local delivery (docs/delivery.md "Scheduled sends").
    ...SCHEDULE_ENV,
    // Outgoing webhooks (docs/integrations.md).
    WEBHOOK_ALLOW_PRIVATE: z.enum(['0', '1']).default('0'),
    // The welcome email after confirmation (docs/integrations.md).
    WELCOME_EMAIL: z.enum(['on', 'off']).default('on'),
    // Publishers' sites that embed the signup form (return_to) or call POST /api/subscriptions (CORS).
    ALLOWED_ORIGINS: z
      .string()
      .default('')
      .transform((s, ctx) => {
        const list = s.split(',').map((o) => o.trim()).filter(Boolean);
        for (const o of list) {
          const u = URL.canParse(o) ? new URL(o) : undefined;
          const ok = !!u && (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === o.replace(/\/+$/, '');
          if (!ok) ctx.addIssue({ code: 'custom', message: `${o.slice(0, 80)} is not an origin like https://example.org (scheme, host, optional port; no path)` });
        }
        return list.map((o) => o.replace(/\/+$/, ''));
      }),
    WEBHOOK_TIMEOUT_MS: intString(10000, 100, 60000),
    WEBHOOK_RETRY_BASE_SECONDS: intString(30, 0, 3600),
    WEBHOOK_DISABLE_AFTER_SECONDS: intString(86400, 1, 30 * 86400),
    WEBHOOK_POLL_MS: intString(1000, 20, 60000),
    // Deliverability (docs/deliverability.md).
    ...DELIVERABILITY_ENV,
    // Scale-out (docs/scaling.md).
    ...scaleKeys,
  })
  .superRefine((v, ctx) => {
    if (!v.SMTP_URL && !localMailboxOn(v)) {
      // Mail would have nowhere to go. In production the local mailbox is off unless asked for,
      // because its pages show every confirmation and unsubscribe link the service sends.
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_URL'],
        message:
          v.NODE_ENV === 'production'
            ? 'must be set with NODE_ENV=production (the local mailbox is off there; LOCAL_MAILBOX=on keeps it, behind console sign-in)'
            : 'must be set when LOCAL_MAILBOX=off',
      });
    }
    const dkim = [v.DKIM_DOMAIN, v.DKIM_SELECTOR, v.DKIM_PRIVATE_KEY];
    if (dkim.some(Boolean) && !dkim.every(Boolean)) {
      for (const key of ['DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY'] as const) {
        if (!v[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'all three DKIM_* keys go together' });
      }
    }
    for (const p of deliverabilityProblems(v)) ctx.addIssue({ code: 'custom', path: [p.key], message: p.message });
  });

type Raw = z.infer<typeof schema>;

/** LOCAL_MAILBOX defaults to on in development and off with NODE_ENV=production. */
function localMailboxOn(v: { NODE_ENV?: string | undefined; LOCAL_MAILBOX?: 'on' | 'off' | undefined }): boolean {
  return (v.LOCAL_MAILBOX ?? (v.NODE_ENV === 'production' ? 'off' : 'on')) === 'on';
}

export type { Config };

export class ConfigError extends Error {
  constructor(readonly problems: { key: string; message: string }[]) {
    // One line, as every start-up failure (npm start prints it and exits 2).
    super(`Invalid configuration: ${problems.map((p) => `${p.key}: ${p.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * What the URL leaves to the environment and the environment cannot fill. Without a user name in
 * the URL, the PostgreSQL client falls back to PGUSER, then to $USER; with neither the server only
 * answers "no PostgreSQL user name specified in startup packet".
 */
function databaseUrlProblems(url: string, env: Record<string, string | undefined>): { key: string; message: string }[] {
  const u = new URL(url);
  const problems: { key: string; message: string }[] = [];
  if (!u.pathname.replace(/^\//, '')) {
    problems.push({ key: 'DATABASE_URL', message: 'names no database: add one, e.g. postgres://postgres@localhost:5432/tidings' });
  }
  if (!u.username && !env.PGUSER && !env.USER) {
    problems.push({
      key: 'DATABASE_URL',
      message: 'has no user name and $USER is empty: write the user into the URL, e.g. postgres://postgres@localhost:5432/tidings',
    });
  }
  return problems;
}

/** Validates an environment; throws ConfigError naming every bad key at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const keys = Object.keys(schema.shape) as (keyof Raw)[];
  const input: Record<string, string | undefined> = {};
  // An empty value means unset, as in most .env tooling.
  for (const key of keys) input[key] = env[key] === '' ? undefined : env[key];
  const parsed = schema.safeParse(input);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => ({ key: String(i.path[0] ?? '?'), message: i.message }));
  const databaseUrl = input.DATABASE_URL?.trim();
  if (databaseUrl && !problems.some((p) => p.key === 'DATABASE_URL')) problems.push(...databaseUrlProblems(databaseUrl, env));
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const v = parsed.data;
  return Object.freeze({
    port: v.PORT,
    publicUrl: (v.PUBLIC_URL ?? `http://localhost:${v.PORT || 3000}`).replace(/\/+$/, ''),
    databaseUrl: v.DATABASE_URL,
    redisUrl: v.REDIS_URL,
    smtpUrl: v.SMTP_URL,
    production: v.NODE_ENV === 'production',
    localMailbox: localMailboxOn(v),
    smtpInsecure: v.SMTP_INSECURE === '1',
    metricsToken: v.METRICS_TOKEN,
    mailFrom: v.MAIL_FROM,
    postalAddress: v.POSTAL_ADDRESS,
    secretKey: v.SECRET_KEY,
    secretKeyPrevious: Object.freeze(v.SECRET_KEY_PREVIOUS),
    editorApiKey: v.EDITOR_API_KEY,
    role: v.ROLE,
    dkim:
      v.DKIM_DOMAIN && v.DKIM_SELECTOR && v.DKIM_PRIVATE_KEY
        ? Object.freeze({
            domainName: v.DKIM_DOMAIN,
            keySelector: v.DKIM_SELECTOR,
            // Keys often arrive through env files with literal "\n".
            privateKey: v.DKIM_PRIVATE_KEY.replace(/\\n/g, '\n'),
          })
        : undefined,
    subscribeLimitPerIp: v.SUBSCRIBE_LIMIT_PER_IP,
    subscribeLimitPerAddress: v.SUBSCRIBE_LIMIT_PER_ADDRESS,
    suppressionReturnDays: v.SUPPRESSION_RETURN_DAYS,
    trustProxy: v.TRUST_PROXY,
    queuePrefix: v.QUEUE_PREFIX,
    logLevel: v.LOG_LEVEL,
    sendRatePerSecond: v.SEND_RATE_PER_SECOND,
    workerConcurrency: v.WORKER_CONCURRENCY,
    sending: Object.freeze({
      batchSize: v.SEND_BATCH_SIZE,
      chunkSize: v.SEND_CHUNK_SIZE,
      prepareStreams: v.SEND_PREPARE_STREAMS,
      leaseSeconds: v.SEND_LEASE_SECONDS,
      reconcileIntervalMs: v.SEND_RECONCILE_INTERVAL_MS,
      maxAttempts: v.SEND_MAX_ATTEMPTS,
      retryBaseMs: v.SEND_RETRY_BASE_MS,
      breakerMinFailures: v.SEND_BREAKER_MIN_FAILURES,
      breakerFailurePercent: v.SEND_BREAKER_FAILURE_PERCENT,
      breakerWindowSeconds: v.SEND_BREAKER_WINDOW_SECONDS,
      smtpMaxConnections: v.SMTP_MAX_CONNECTIONS,
    }),
    bounceWebhookSecret: v.BOUNCE_WEBHOOK_SECRET,
    listUnsubscribeMailto: v.LIST_UNSUBSCRIBE_MAILTO,
    mailboxSmtpPort: v.MAILBOX_SMTP_PORT,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    dataDir: v.DATA_DIR,
    embeddedPgPort: v.EMBEDDED_PG_PORT,
    checkApiResponses: v.CHECK_API_RESPONSES === '1',
    clicks: Object.freeze({ tracking: v.CLICK_TRACKING, flushMs: v.CLICK_FLUSH_MS, burstSeconds: v.CLICK_BURST_SECONDS }),
    console: Object.freeze({
      sessionIdleMinutes: v.CONSOLE_SESSION_IDLE_MINUTES,
      sessionMaxHours: v.CONSOLE_SESSION_MAX_HOURS,
      signInLimitPerIp: v.CONSOLE_SIGNIN_LIMIT_PER_IP,
    }),
    readersSweep: Object.freeze({
      intervalMs: v.READERS_SWEEP_INTERVAL_MS,
      ageSeconds: v.READERS_SWEEP_AGE_SECONDS,
    }),
    schedule: scheduleConfig(v),
    welcomeEmail: v.WELCOME_EMAIL === 'on',
    allowedOrigins: Object.freeze(v.ALLOWED_ORIGINS),
    webhooks: Object.freeze({
      allowPrivate: v.WEBHOOK_ALLOW_PRIVATE === '1',
      timeoutMs: v.WEBHOOK_TIMEOUT_MS,
      retryBaseSeconds: v.WEBHOOK_RETRY_BASE_SECONDS,
      disableAfterSeconds: v.WEBHOOK_DISABLE_AFTER_SECONDS,
      pollMs: v.WEBHOOK_POLL_MS,
    }),
    deliverability: deliverabilityConfig(v),
    ...scaleConfig(v),
  });
}
