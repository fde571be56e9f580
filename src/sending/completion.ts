/**
 * What happens when a send is complete (every ledger row final): its issue becomes `sent`, which
 * publishes it in the archive. Whichever stage notices completion first (the preparer for a send
 * with no reader, the deliverer that finished the last batch, or the reconciler) calls this, so a
 * feature that reacts to a finished send (an outgoing webhook, say) is added here, once.
 */
import { withTransaction, type Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Logger } from '../logger';
import { emit } from '../webhooks/emit';

/** The stages depend on this shape only (tests may pass their own). */
export interface CompletionListener {
  completed(sendId: number, issueId: number): Promise<void>;
}

export class SendCompletion implements CompletionListener {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly log: Logger,
  ) {}

  /** Idempotent: the issue moves sending → sent once; a repeat changes nothing. */
  async completed(sendId: number, issueId: number): Promise<void> {
    const queries = this.queries;
    const changed = await withTransaction(this.pool, async (client) => {
      const r = await client.query(queries.sql('send-issue-mark-sent'), [issueId]);
      if (r.rowCount) await emit({ client, queries }, 'send.completed', { send_id: sendId, issue_id: issueId });
      return (r.rowCount ?? 0) > 0;
    });
    if (changed) this.log.info({ sendId, issueId }, 'send completed');
  }
}
