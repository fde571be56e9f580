/**
 * The audit log of editor actions: who started, paused, resumed or cancelled a send, resolved an
 * uncertain delivery, created or edited an issue. Written by the console after the service call it
 * describes succeeded, so the log never claims an action that did not happen.
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

  async forIssue(issueId: number, limit = 100): Promise<AuditEntry[]> {
    const { rows } = await this.pool.query<AuditEntry>(this.queries.sql('editor-action-list-issue'), [issueId, limit]);
    return rows;
  }
}
