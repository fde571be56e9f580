/**
 * The audit log of editor actions: who started, paused, resumed or cancelled a send, resolved an
 * uncertain delivery, sent a test email, created or edited an issue. Send actions and test emails
 * are written by the sending services themselves (so the JSON API and the console record them
 * through the same path), after the change they describe took effect: the log never claims an
 * action that did not happen.
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Editor } from './keys';

export type EditorAction =
  | 'issue.create'
  | 'issue.update'
  | 'issue.import'
  | 'issue.test_send'
  | 'send.start'
  | 'send.pause'
  | 'send.resume'
  | 'send.cancel'
  | 'send.resolve'
  | 'subscribers.import'
  | 'subscriber.erase';

export interface AuditEntry {
  id: number;
  editor_name: string;
  action: EditorAction;
  detail: string | null;
  created_at: Date;
}

export class EditorAudit {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
  ) {}

  async record(editor: Editor, action: EditorAction, opts: { issueId?: number; detail?: string } = {}): Promise<void> {
    await this.pool.query(this.queries.sql('editor-action-insert'), [
      editor.id, editor.name, action, opts.issueId ?? null, opts.detail?.slice(0, 500) ?? null,
    ]);
  }

  /** Newest first; `prefix` ('send.') narrows to one family of actions. */
  async forIssue(issueId: number, opts: { prefix?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const { rows } = await this.pool.query<AuditEntry>(this.queries.sql('editor-action-list-issue'), [issueId, opts.limit ?? 100, opts.prefix ?? '']);
    return rows;
  }
}
