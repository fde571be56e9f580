/** The readers capability: one object holding its services, built once by the composition root. */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { MailTransport } from '../mail/transport';
import type { RateLimiter } from '../ratelimit';
import type { Topics } from '../topics';
import { SubscriberAdmin } from './admin';
import { ConfirmationService } from './confirm';
import { SubscriberImport } from './csv-import';
import { FormTokens } from './form-tokens';
import type { LinkTokens } from './link-tokens';
import { PreferencesService } from './preferences';
import { SubscriptionRequests } from './requests';
import { SubscriptionService } from './subscribe';
import { ReadersSweeper } from './sweeper';
import { TransactionalMail } from './transactional';
import type { TransactionalJob } from './types';

export interface Readers {
  readonly subscriptions: SubscriptionService;
  readonly confirmation: ConfirmationService;
  readonly preferences: PreferencesService;
  readonly admin: SubscriberAdmin;
  readonly importer: SubscriberImport;
  readonly mail: TransactionalMail;
  /** The worker's side of subscribe requests. */
  readonly requests: SubscriptionRequests;
  readonly sweeper: ReadersSweeper;
  readonly formTokens: FormTokens;
}

export interface ReadersDeps {
  pool: Pool;
  queries: Queries;
  topics: Topics;
  rateLimiter: RateLimiter;
  transport: MailTransport;
  linkTokens: LinkTokens;
  /** The signing key first, then keys that only verify (rotation). */
  secretKeys: readonly string[];
  publicUrl: string;
  mailFrom: string;
  limits: { perIp: number; perAddress: number };
  enqueueTransactional: (job: TransactionalJob) => Promise<void>;
  onDispatchError?: (err: unknown, jobId: string) => void;
}

export function createReaders(d: ReadersDeps): Readers {
  const mail = new TransactionalMail({
    pool: d.pool, queries: d.queries, transport: d.transport, topics: d.topics, linkTokens: d.linkTokens,
    publicUrl: d.publicUrl, mailFrom: d.mailFrom, enqueue: d.enqueueTransactional, onError: d.onDispatchError,
  });
  const requests = new SubscriptionRequests({
    pool: d.pool, queries: d.queries, topics: d.topics, mail, enqueue: d.enqueueTransactional, onError: d.onDispatchError,
  });
  const subscriptions = new SubscriptionService(d.pool, d.queries, d.topics, d.rateLimiter, d.limits);
  return {
    subscriptions,
    confirmation: new ConfirmationService(d.pool, d.queries),
    preferences: new PreferencesService(d.pool, d.queries, d.topics, subscriptions),
    admin: new SubscriberAdmin(d.pool, d.queries, d.topics),
    importer: new SubscriberImport(d.pool, d.queries, d.topics),
    mail,
    requests,
    sweeper: new ReadersSweeper(d.pool, d.queries, requests, mail),
    formTokens: new FormTokens(d.secretKeys),
  };
}
