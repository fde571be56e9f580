/**
 * Stored variants: the one reader and writer of issue_variants, used by the renderer (previews,
 * send start) and, as a pure database read, by the delivery workers (src/sending/variants.ts).
 * Deliberately imports nothing from the renderer, so a process that only sends never loads MJML.
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';

export interface StoredVariant {
  subject: string;
  /** Contains `[[tidings:…]]` placeholders; fill them with personalize(). */
  html: string;
  text: string;
  itemCount: number;
  /** No item and no highlight for this topic set: a reader with exactly these topics gets no email. */
  empty: boolean;
}

interface Row {
  topics: string;
  subject: string;
  html: string;
  text: string;
  item_count: number;
  html_bytes: number;
  doc_hash: string;
}

/** The variants a send delivers, with the issue's title (the List-Id and the Message-ID use it). */
export interface SendVariants {
  title: string | undefined;
  /** By topic-set key ("ai,nev"). */
  variants: Map<string, StoredVariant>;
}

export class VariantStore {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
  ) {}

  /** Every stored variant of an issue, keyed by topic-set key ("ai,nev"). */
  async loadVariants(issueId: number): Promise<Map<string, StoredVariant>> {
    const { rows } = await this.pool.query<Row>(this.queries.sql('variants-load'), [issueId]);
    return new Map(rows.map((r) => [r.topics, toStored(r)]));
  }

  /** The variants of the issue a send delivers: the workers' read, MJML-free. */
  async forSend(sendId: number): Promise<SendVariants> {
    const { rows } = await this.pool.query<Row & { title: string }>(this.queries.sql('send-variants'), [sendId]);
    return { title: rows[0]?.title, variants: new Map(rows.map((r) => [r.topics, toStored(r)])) };
  }

  async hashes(issueId: number): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ topics: string; doc_hash: string }>(this.queries.sql('variants-hashes'), [issueId]);
    return new Map(rows.map((r) => [r.topics, r.doc_hash]));
  }

  async get(issueId: number, key: string): Promise<(StoredVariant & { docHash: string; htmlBytes: number }) | undefined> {
    const { rows } = await this.pool.query<Row>(this.queries.sql('variant-get'), [issueId, key]);
    const r = rows[0];
    return r ? { ...toStored(r), docHash: r.doc_hash, htmlBytes: r.html_bytes } : undefined;
  }

  async put(
    issueId: number,
    v: { topics: string; subject: string; html: string; text: string; itemCount: number; htmlBytes: number },
    docHash: string,
  ): Promise<void> {
    await this.pool.query(this.queries.sql('variant-upsert'), [issueId, v.topics, v.subject, v.html, v.text, v.itemCount, v.htmlBytes, docHash]);
  }
}

/** The one "empty" rule: the renderer stores an empty html for a topic set with nothing in it. */
function toStored(r: Pick<Row, 'subject' | 'html' | 'text' | 'item_count'>): StoredVariant {
  return { subject: r.subject, html: r.html, text: r.text, itemCount: r.item_count, empty: r.html === '' };
}
