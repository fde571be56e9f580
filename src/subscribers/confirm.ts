/**
 * Double opt-in: a confirmation token is random (256 bits), stored only as a SHA-256, single use and
 * valid for 7 days. Looking at it (GET) never uses it; only confirm() does.
 */
import type { Pool } from '../db/pool';
import { withTransaction } from '../db/pool';
import { emit } from '../webhooks/emit';
import type { TransactionalMail } from './transactional';
import type { Queries } from '../db/queries';
import { NotFoundError } from '../errors';
import { CONSENT_VERSION } from './consent';
import type { Suppressions } from './suppressions';
import { hashConfirmToken } from './transactional';
import type { ConsentContext } from './types';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** The one answer for every unusable link, so a prober cannot tell unknown from used or expired. */
export const invalidLink = (): NotFoundError => new NotFoundError('This link is not valid, or it has expired.');

export class ConfirmationService {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly suppressions: Pick<Suppressions, 'liftByReader'>,
    /** WELCOME_EMAIL: queue a welcome email with each confirmation, through the transactional mail. */
    private readonly welcome: { on: boolean; mail: Pick<TransactionalMail, 'dispatch'> },
  ) {}

  /** Throws the uniform invalid-link error unless the token could still confirm. */
  async check(token: string): Promise<void> {
    if (!TOKEN_SHAPE.test(token)) throw invalidLink();
    const { rowCount } = await this.pool.query(this.queries.sql('confirmation-peek'), [hashConfirmToken(token)]);
    if (!rowCount) throw invalidLink();
  }

  /** Uses the token and confirms its reader; returns the subscriber id. */
  async confirm(token: string, ctx: ConsentContext): Promise<number> {
    if (!TOKEN_SHAPE.test(token)) throw invalidLink();
    const q = this.queries;
    let welcomeId: number | undefined;
    const confirmed = await withTransaction(this.pool, async (client) => {
      const used = await client.query<{ subscriber_id: number }>(q.sql('confirmation-use'), [hashConfirmToken(token)]);
      const id = used.rows[0]?.subscriber_id;
      if (id === undefined) throw invalidLink();
      const sub = (await client.query<{ email: string | null; status: string; confirmed_at: Date | null }>(q.sql('subscriber-lock-by-id'), [id])).rows[0];
      if (!sub?.email) throw invalidLink();
      if (sub.status === 'confirmed') return id;
      // Only a pending request can be confirmed; an unsubscribe after the mail went out wins.
      if (sub.status !== 'pending') throw invalidLink();
      // A suppressed address: the reader's confirmation lifts it when the rules allow (erased,
      // manual, a hard bounce past its cooling period), in this transaction; else the link is dead.
      if (!(await this.suppressions.liftByReader(client, sub.email))) throw invalidLink();
      await client.query(q.sql('subscriber-set-confirmed'), [id]);
      const topics = (await client.query<{ topic: string }>(q.sql('subscriber-topics'), [id])).rows.map((r) => r.topic);
      // Confirmed before (then unsubscribed, then asked again): the ledger says they came back.
      const kind = sub.confirmed_at ? 'resubscribed' : 'confirmed';
      await client.query(q.sql('consent-insert'), [id, kind, ctx.source, topics, CONSENT_VERSION, ctx.ip, ctx.userAgent]);
      await emit({ client, queries: q }, 'subscriber.confirmed', { subscriber_id: id, email: sub.email, topics, resubscribed: kind === 'resubscribed' });
      if (this.welcome.on) welcomeId = (await client.query<{ id: number }>(q.sql('transactional-insert'), [id, 'welcome'])).rows[0]!.id;
      return id;
    });
    // After the commit, like every transactional mail; a lost dispatch is the sweeper's.
    if (welcomeId !== undefined) await this.welcome.mail.dispatch(welcomeId, 0);
    return confirmed;
  }
}
