/**
 * Which delivery a bounce or complaint is about, most trustworthy first:
 *   1. the VERP token the receiver got the report at (its envelope recipient);
 *   2. a VERP address the report echoes (ARF Original-Mail-From, Return-Path, SES mail.source, …);
 *   3. our Message-ID, its MAC checked (one send per issue, so issue → send);
 *   4. the reported address: the latest delivery handed to it, or the reader alone.
 * 1–3 are signed, so a forged report cannot name another reader; 4 is used only for sources that
 * authenticate themselves (provider webhooks, our signed JSON webhook), never for the receiver.
 */
import type { PoolClient } from '../db/pool';
import type { Queries } from '../db/queries';
import type { DeliverabilityEvent } from './events';
import { verifyTidingsMessageId } from './message-id';
import type { VerpRef, VerpTokens } from './verp';

export interface Target {
  sendId: number | null;
  subscriberId: number | null;
  transactionalId: number | null;
  /** The address to suppress: the reader's as we stored it, or the reported one (step 4 only). */
  email: string | null;
  matchedBy: 'verp' | 'message_id' | 'address' | 'none';
}

const NONE: Target = { sendId: null, subscriberId: null, transactionalId: null, email: null, matchedBy: 'none' };

export class DeliveryMatcher {
  constructor(
    private readonly queries: Queries,
    private readonly verp: VerpTokens | undefined,
    private readonly secretKeys: readonly string[],
  ) {}

  async byRef(client: PoolClient, ref: VerpRef, matchedBy: Target['matchedBy'] = 'verp'): Promise<Target> {
    if (ref.kind === 'transactional') {
      const { rows } = await client.query<{ subscriber_id: number; email: string | null }>(this.queries.sql('dlv-transactional'), [ref.messageId]);
      const t = rows[0];
      return t ? { sendId: null, subscriberId: t.subscriber_id, transactionalId: ref.messageId, email: t.email, matchedBy } : NONE;
    }
    const { rows } = await client.query<{ send_id: number; subscriber_id: number; email: string | null }>(this.queries.sql('dlv-delivery'), [ref.sendId, ref.subscriberId]);
    const d = rows[0];
    return d ? { sendId: d.send_id, subscriberId: d.subscriber_id, transactionalId: null, email: d.email, matchedBy } : NONE;
  }

  /** `ref`: the receiver's verified token; without it the event's own identifiers are tried. */
  async resolve(client: PoolClient, event: DeliverabilityEvent, ref: VerpRef | undefined, trustAddress: boolean): Promise<Target> {
    if (ref) return this.byRef(client, ref);
    const echoed = event.envelopeSender && this.verp ? this.verp.verifyAddress(event.envelopeSender) : null;
    if (echoed) {
      const t = await this.byRef(client, echoed.ref);
      if (t.matchedBy !== 'none') return t;
    }
    const msg = event.messageId ? verifyTidingsMessageId(event.messageId, this.secretKeys) : null;
    if (msg) {
      const { rows } = await client.query<{ id: number }>(this.queries.sql('dlv-send-of-issue'), [msg.issueId]);
      if (rows[0]) {
        const t = await this.byRef(client, { kind: 'delivery', sendId: rows[0].id, subscriberId: msg.subscriberId }, 'message_id');
        if (t.matchedBy !== 'none') return t;
      }
    }
    if (!trustAddress || !event.address) return NONE;
    const latest = await client.query<{ send_id: number; subscriber_id: number }>(this.queries.sql('bounce-latest-delivery'), [event.address]);
    if (latest.rows[0]) return { sendId: latest.rows[0].send_id, subscriberId: latest.rows[0].subscriber_id, transactionalId: null, email: event.address, matchedBy: 'address' };
    const reader = await client.query<{ id: number }>(this.queries.sql('dlv-subscriber-by-email'), [event.address]);
    return { sendId: null, subscriberId: reader.rows[0]?.id ?? null, transactionalId: null, email: event.address, matchedBy: 'address' };
  }
}
