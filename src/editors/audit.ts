/**
 * The audit log of editor actions: who started, paused, resumed or cancelled a send, resolved an
 * uncertain delivery, sent a test email, created, imported or edited an issue, imported or erased
 * readers. Every entry is written by the service that made the change (sending, issues, readers),
 * after the change took effect, so the JSON API, the console and the CLI record it through the same
 * path and the log never claims an action that did not happen. Entry points only say who acts.
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';

/** Who did it: an editor (API key or console session), or the CLI (id null, no editor row). */
export interface Actor {
  readonly id: number | null;
  readonly name: string;
}

/** `npm run cli`: an operator at the machine, not a signed-in editor. */
export const CLI_ACTOR: Actor = Object.freeze({ id: null, name: 'cli' });

export type EditorAction =
  | 'issue.create'
  | 'issue.update'
  | 'issue.import'
  | 'issue.test_send'
  | 'send.schedule'
  | 'send.unschedule'
  | 'send.start'
  | 'send.pause'
  | 'send.resume'
  | 'send.cancel'
  | 'send.resolve'
  | 'subscribers.import'
  | 'subscriber.erase'
  | 'webhook.create'
  | 'webhook.delete'
  | 'webhook.enable'
  | 'settings.welcome'

  | 'suppression.lift'
  | 'suppressions.import';

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

  async record(editor: Actor, action: EditorAction, opts: { issueId?: number; detail?: string } = {}): Promise<void> {
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
