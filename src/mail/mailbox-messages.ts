/**
 * The local mailbox's stored messages (mailbox_messages), as /dev/mailbox reads them. Apart from
 * the SMTP server (local-mailbox.ts) so that reading them never loads smtp-server.
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import { NotFoundError } from '../errors';

export interface MailboxMessage {
  id: number;
  received_at: Date;
  envelope_from: string;
  envelope_to: string[];
  subject: string | null;
  size_bytes: number;
}

export class MailboxMessages {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
  ) {}

  /** Newest first. */
  async list(limit: number): Promise<MailboxMessage[]> {
    const { rows } = await this.pool.query<MailboxMessage>(this.queries.sql('mailbox-list'), [limit]);
    return rows;
  }

  /** One message with its raw bytes; 404 when there is none. */
  async get(id: number): Promise<MailboxMessage & { raw: Buffer }> {
    const { rows } = await this.pool.query<MailboxMessage & { raw: Buffer }>(this.queries.sql('mailbox-get'), [id]);
    if (!rows[0]) throw new NotFoundError('No such message.');
    return rows[0];
  }
}
