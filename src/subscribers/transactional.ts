/**
 * Transactional mail (confirmation, "already subscribed"): the request only inserts an outbox row
 * and dispatches its id; this service, run by the transactional worker, claims the row, builds the
 * message from the current database state and sends it through the pooled transport.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { MailTransport } from '../mail/transport';
import { personalize } from '../rendering/personalize';
import type { Topics } from '../topics';
import { emailHash } from './email-hash';
import type { LinkTokens } from './link-tokens';
import type { Suppressions } from './suppressions';
import { dispatchAfterCommit, type TransactionalJob } from './types';
import { ROOT } from '../paths';
import { welcomeParts, type WelcomeSettings } from './welcome';

export const CONFIRM_TOKEN_DAYS = 7;
/** Transient failures (SMTP 4xx, connection) are retried this often in all, then the row is failed. */
export const MAX_SEND_ATTEMPTS = 8;
const TEMPLATES_DIR = path.join(ROOT, 'emails/transactional');

type Kind = 'confirm' | 'already_subscribed' | 'welcome';
type FileKind = Exclude<Kind, 'welcome'>;
interface Template {
  subject: string;
  html: string;
  text: string;
}

const SUBJECTS: Record<FileKind, string> = {
  confirm: 'Confirm your Tidings subscription',
  already_subscribed: 'You are already subscribed to Tidings',
};
const FILES: Record<FileKind, string> = { confirm: 'confirm', already_subscribed: 'already-subscribed' };

export type DeliverOutcome = 'sent' | 'skipped' | 'duplicate' | 'failed';

/** A send failure the worker should retry (connection trouble, SMTP 4xx). */
export class TransientMailError extends Error {}

export function hashConfirmToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export class TransactionalMail {
  // Read once per process: the templates are small, and re-reading per mail buys nothing.
  private templates: Map<FileKind, Template> | undefined;

  /** The welcome email's text (console settings), also handed to the console. */
  get welcome(): WelcomeSettings {
    return this.deps.welcome;
  }

  constructor(
    private readonly deps: {
      pool: Pool;
      queries: Queries;
      transport: MailTransport;
      topics: Topics;
      linkTokens: LinkTokens;
      suppressions: Pick<Suppressions, 'readerStanding'>;
      publicUrl: string;
      mailFrom: string;
      welcome: WelcomeSettings;
      /** BOUNCE_DOMAIN set: the envelope sender names this message (VERP, its own token kind). */
      envelopeFrom?: (messageId: number) => string;
      /** Hands a job to the queue (BullMQ in production); wired by the composition root. */
      enqueue: (job: TransactionalJob) => Promise<void>;
      onError?: (err: unknown, jobId: string) => void;
    },
  ) {}

  async dispatch(messageId: number, dispatches: number): Promise<void> {
    await dispatchAfterCommit(this.deps, { name: 'send', data: { messageId }, jobId: `tx-${messageId}-${dispatches}` });
  }

  private async template(kind: Kind): Promise<Template> {
    // The welcome email is the editors' text (console settings), read at each send.
    if (kind === 'welcome') return welcomeParts(await this.deps.welcome.get());
    this.templates ??= new Map(
      (Object.keys(FILES) as FileKind[]).map((k) => [
        k,
        {
          subject: SUBJECTS[k],
          html: readFileSync(path.join(TEMPLATES_DIR, `${FILES[k]}.html`), 'utf8'),
          text: readFileSync(path.join(TEMPLATES_DIR, `${FILES[k]}.txt`), 'utf8'),
        },
      ]),
    );
    return this.templates.get(kind)!;
  }

  /** Sends one outbox message at most once. Throws TransientMailError when a retry may succeed. */
  async deliver(messageId: number): Promise<DeliverOutcome> {
    const { pool, queries: q } = this.deps;
    const claimed = await pool.query<{ id: number; subscriber_id: number; kind: Kind; attempts: number }>(q.sql('transactional-claim'), [messageId]);
    const msg = claimed.rows[0];
    if (!msg) return 'duplicate';
    const finish = (status: string, error: string | null = null) => pool.query(q.sql('transactional-finish'), [messageId, status, error]);

    const sub = (await pool.query<{ email: string | null; status: string; topics: string[] }>(q.sql('subscriber-get'), [msg.subscriber_id])).rows[0];
    const wanted = msg.kind === 'confirm' ? 'pending' : 'confirmed';
    const standing = sub?.email ? await this.deps.suppressions.readerStanding(emailHash(sub.email)) : 'refused';
    // A reader who may come back gets the confirmation (confirming lifts the suppression), nothing else.
    const suppressed = standing === 'refused' || (standing === 'may_return' && msg.kind !== 'confirm');
    // The state may have moved on since the request (confirmed, unsubscribed, erased, bounced).
    if (!sub || !sub.email || sub.status !== wanted || suppressed) {
      await finish('skipped');
      return 'skipped';
    }

    // Nothing typed into the form goes into these mails: anyone can request one for any address,
    // and a name field would let them send "Hello WINNER! Claim your prize at …" through us. The
    // topic names come from the topics table; the links are ours.
    const values: Record<string, string> = { topics: await this.topicNames(sub.topics) };
    if (msg.kind === 'confirm') {
      const token = randomBytes(32).toString('base64url');
      await pool.query(q.sql('confirmation-insert'), [hashConfirmToken(token), msg.subscriber_id, CONFIRM_TOKEN_DAYS]);
      values.confirm_url = `${this.deps.publicUrl}/confirm/${token}`;
    } else {
      values.preferences_url = `${this.deps.publicUrl}/preferences/${this.deps.linkTokens.sign(msg.subscriber_id, 'preferences')}`;
    }
    const t = await this.template(msg.kind);
    try {
      await this.deps.transport.sendMail({
        from: this.deps.mailFrom,
        to: sub.email,
        ...(this.deps.envelopeFrom ? { envelope: { from: this.deps.envelopeFrom(messageId), to: sub.email } } : {}),
        subject: t.subject,
        html: personalize(t.html, values, 'html'),
        text: personalize(t.text, values, 'text'),
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      const reason = (err as Error).message.slice(0, 300);
      // Past the budget the sweeper must not re-dispatch it for ever.
      if ((code !== undefined && code >= 500) || msg.attempts >= MAX_SEND_ATTEMPTS) {
        await finish('failed', reason);
        return 'failed';
      }
      // Put it back so the retry can claim it again.
      await finish('queued', reason);
      throw new TransientMailError(reason);
    }
    await finish('sent');
    return 'sent';
  }

  private async topicNames(slugs: string[]): Promise<string> {
    const all = await this.deps.topics.list();
    return all.filter((t) => slugs.includes(t.slug)).map((t) => t.name).join(', ') || 'no topics';
  }
}
