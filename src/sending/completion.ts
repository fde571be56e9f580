/**
 * What happens when a send is complete (every ledger row final): its issue becomes `sent`, which
 * publishes it in the archive. Whichever stage notices completion first (the preparer for a send
 * with no reader, the deliverer that finished the last batch, or the reconciler) calls this, so a
 * feature that reacts to a finished send (an outgoing webhook, say) is added here, once.
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Logger } from '../logger';

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
    await this.pool.query(this.queries.sql('send-issue-mark-sent'), [issueId]);
    this.log.info({ sendId, issueId }, 'send completed');
  }
}
