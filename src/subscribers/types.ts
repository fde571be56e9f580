/** Who did something to a subscription, for the consent ledger. Plain data: no HTTP objects. */
export interface ConsentContext {
  source: 'form' | 'api' | 'import' | 'email' | 'editor';
  /** A valid IP literal or null (anything else is dropped before it reaches Postgres). */
  ip: string | null;
  userAgent: string | null;
}

/** What a subscribe request records (a subscription_requests row, before its id and time). */
export interface SubscriptionRequestFields {
  email: string;
  name: string | null;
  topics: string[];
  source: 'form' | 'api';
  consent_version: string;
  ip: string | null;
  user_agent: string | null;
  timezone: string | null;
}

export type SubscriberStatus = 'pending' | 'confirmed' | 'unsubscribed' | 'erased';

export interface SubscriberView {
  id: number;
  email: string | null;
  name: string | null;
  status: SubscriberStatus;
  topics: string[];
  /** On the suppression list with no way back by confirming (src/subscribers/suppressions.ts). */
  suppressed: boolean;
  createdAt: Date;
  updatedAt: Date;
  confirmedAt: Date | null;
  unsubscribedAt: Date | null;
  /** IANA zone for local-time deliveries; null: DEFAULT_TIMEZONE. */
  timezone?: string | null;
}

/**
 * A job for the transactional queue, described without BullMQ: the composition root adds it.
 * `jobId` is deterministic per dispatch (`req-<id>-<n>`, `tx-<id>-<n>`), so one dispatch is queued
 * once, and a sweep's re-dispatch is not swallowed by BullMQ remembering an earlier job id.
 */
export type TransactionalJob =
  | { name: 'request'; data: { requestId: number }; jobId: string }
  | { name: 'send'; data: { messageId: number }; jobId: string };

/**
 * Enqueues after the row is committed. A failed enqueue is not the reader's problem: the row stays
 * waiting and the sweeper (src/subscribers/sweeper.ts) dispatches it again.
 */
export async function dispatchAfterCommit(
  deps: { enqueue: (job: TransactionalJob) => Promise<void>; onError?: (err: unknown, jobId: string) => void },
  job: TransactionalJob,
): Promise<void> {
  try {
    await deps.enqueue(job);
  } catch (err) {
    deps.onError?.(err, job.jobId);
  }
}
