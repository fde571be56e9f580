/**
 * Issues: create, list, read and edit drafts, and the status transitions the delivery capability uses
 * (draft → sending → sent). Postgres holds the validated document; once an issue leaves `draft` its
 * document is frozen, so what was previewed is what readers get. Creating, importing and editing
 * are recorded in the audit log here, with the actor the entry point names, so the API, the
 * console and the CLI leave the same trace.
 */
import type { Pool, PoolClient } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Actor, EditorAudit } from '../editors/audit';
import { ConflictError, NotFoundError } from '../errors';
import type { Topics } from '../topics';
import { validateDocument, type IssueDocument, type ItemSuggestion } from './document';
import type { ImportFormat, Importers } from './importers';
import type { ImportResult } from './import-text';

import type { IssueStatus } from './status';

export interface IssueSummary {
  id: number;
  slug: string;
  title: string;
  status: IssueStatus;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
  item_count: number;
}

export interface Issue {
  id: number;
  slug: string;
  title: string;
  status: IssueStatus;
  document: IssueDocument;
  suggestions: ItemSuggestion[] | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
}

export interface SentIssue {
  id: number;
  slug: string;
  title: string;
  document: IssueDocument;
  sent_at: Date;
}

type Queryable = Pool | PoolClient;

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505';
}

export class IssuesService {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly topics: Topics,
    private readonly importers: Importers,
    private readonly audit: EditorAudit,
  ) {}

  /** Validates an untrusted document against the current topics. */
  async validate(input: unknown): Promise<IssueDocument> {
    return validateDocument(input, await this.topics.slugs());
  }

  /**
   * Stores a new draft. `by` is who creates it (recorded as `issue.create`); null only for content
   * the service adds itself (the sample issue on an empty database).
   */
  async create(input: unknown, opts: { by: Actor | null }): Promise<{ id: number; slug: string; status: IssueStatus }> {
    const created = await this.insert(input, { editorId: opts.by?.id ?? undefined });
    if (opts.by) await this.audit.record(opts.by, 'issue.create', { issueId: created.id, detail: created.slug });
    return created;
  }

  /** Imports Markdown or a plain-text newsletter as a draft (recorded as `issue.import`). */
  async importDraft(
    source: string,
    format: ImportFormat,
    opts: { slug?: string; by: Actor },
  ): Promise<{ created: { id: number; slug: string; status: IssueStatus }; imported: ImportResult & { format: 'markdown' | 'text' } }> {
    const imported = await this.importers.import(source, format, { slug: opts.slug });
    const created = await this.insert(imported.document, { editorId: opts.by.id ?? undefined, suggestions: imported.suggestions });
    await this.audit.record(opts.by, 'issue.import', { issueId: created.id, detail: `${imported.format}: ${created.slug}` });
    return { created, imported };
  }

  private async insert(
    input: unknown,
    opts: { editorId?: number; suggestions?: ItemSuggestion[] },
  ): Promise<{ id: number; slug: string; status: IssueStatus }> {
    const doc = await this.validate(input);
    try {
      const { rows } = await this.pool.query<{ id: number; slug: string; status: IssueStatus }>(this.queries.sql('issue-insert'), [
        doc.slug,
        doc.title,
        JSON.stringify(doc),
        opts.suggestions ? JSON.stringify(opts.suggestions) : null,
        opts.editorId ?? null,
      ]);
      return rows[0]!;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`An issue with slug "${doc.slug}" already exists.`, 'slug_taken');
      throw err;
    }
  }

  async list(opts: { status?: IssueStatus; limit?: number } = {}): Promise<IssueSummary[]> {
    const { rows } = await this.pool.query<IssueSummary>(this.queries.sql('issue-list'), [opts.status ?? null, opts.limit ?? 200]);
    return rows;
  }

  async get(id: number): Promise<Issue> {
    const { rows } = await this.pool.query<Issue>(this.queries.sql('issue-get'), [id]);
    if (!rows[0]) throw new NotFoundError('No such issue.');
    return rows[0];
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(this.queries.sql('issue-count'));
    return rows[0]!.n;
  }

  /** Replaces a draft's document (recorded as `issue.update`). 409 once the issue is sending or sent. */
  async update(id: number, input: unknown, by: Actor): Promise<{ id: number; slug: string; status: IssueStatus }> {
    const updated = await this.replaceDraft(id, input);
    await this.audit.record(by, 'issue.update', { issueId: id });
    return updated;
  }

  private async replaceDraft(id: number, input: unknown): Promise<{ id: number; slug: string; status: IssueStatus }> {
    const doc = await this.validate(input);
    const current = await this.get(id);
    if (current.status !== 'draft') throw new ConflictError(`Issue ${id} is ${current.status}; only drafts can be edited.`, 'not_draft');
    // Suggestions describe the imported item positions; once the editor saves, they have confirmed.
    try {
      const { rows } = await this.pool.query<{ id: number; slug: string; status: IssueStatus }>(
        this.queries.sql('issue-update-draft'),
        [id, doc.slug, doc.title, JSON.stringify(doc), null],
      );
      if (!rows[0]) throw new ConflictError(`Issue ${id} is no longer a draft.`, 'not_draft');
      return rows[0];
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`An issue with slug "${doc.slug}" already exists.`, 'slug_taken');
      throw err;
    }
  }

  /**
   * draft → sending. Idempotent: an issue already sending answers the same. A sent issue is a 409.
   * Pass the delivery's transaction client to make the transition part of starting a send.
   */
  async markSending(id: number, db: Queryable = this.pool): Promise<void> {
    const { rowCount } = await db.query(this.queries.sql('issue-mark-sending'), [id]);
    if (rowCount === 1) return;
    const status = await this.statusOf(id, db);
    if (status !== 'sending') throw new ConflictError(`Issue ${id} is ${status}; it cannot start sending.`, 'bad_status');
  }

  /** sending → sent (sets sent_at, which publishes it in the archive). Idempotent. */
  async markSent(id: number, db: Queryable = this.pool): Promise<void> {
    const { rowCount } = await db.query(this.queries.sql('issue-mark-sent'), [id]);
    if (rowCount === 1) return;
    const status = await this.statusOf(id, db);
    if (status !== 'sent') throw new ConflictError(`Issue ${id} is ${status}; only a sending issue can be marked sent.`, 'bad_status');
  }

  private async statusOf(id: number, db: Queryable): Promise<IssueStatus> {
    const { rows } = await db.query<{ status: IssueStatus }>(this.queries.sql('issue-status'), [id]);
    if (!rows[0]) throw new NotFoundError('No such issue.');
    return rows[0].status;
  }

  /** The public archive shows sent issues only; anything else is "not found". */
  async getSentBySlug(slug: string): Promise<SentIssue> {
    const { rows } = await this.pool.query<SentIssue>(this.queries.sql('issue-sent-by-slug'), [slug]);
    if (!rows[0]) throw new NotFoundError('No such issue.');
    return rows[0];
  }

  async listSent(limit = 100): Promise<SentIssue[]> {
    const { rows } = await this.pool.query<SentIssue>(this.queries.sql('issue-sent-list'), [limit]);
    return rows;
  }
}
