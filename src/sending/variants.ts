/**
 * Per-process cache of an issue's compiled variants for delivery: read from issue_variants (a plain
 * database read, so deliver processes never load MJML) and compiled into splice templates once.
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import { compileVariant, MessageBuilder, type CompiledVariant, type MessageContext } from './message';

export interface SendMaterial {
  builder: MessageBuilder;
  variants: Map<string, CompiledVariant>;
}

interface VariantRow {
  topics: string;
  subject: string;
  html: string;
  text: string;
  item_count: number;
  title: string;
}

const KEEP = 4;

export class VariantCache {
  private readonly bySend = new Map<number, Promise<SendMaterial>>();

  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly ctx: MessageContext,
  ) {}

  get(sendId: number, issueId: number): Promise<SendMaterial> {
    let p = this.bySend.get(sendId);
    if (!p) {
      p = this.load(sendId, issueId);
      p.catch(() => this.bySend.delete(sendId));
      this.bySend.set(sendId, p);
      // Sends run one after another; a handful of recent ones is all a process needs.
      while (this.bySend.size > KEEP) this.bySend.delete(this.bySend.keys().next().value!);
    }
    return p;
  }

  private async load(sendId: number, issueId: number): Promise<SendMaterial> {
    const { rows } = await this.pool.query<VariantRow>(this.queries.sql('send-variants'), [sendId]);
    const variants = new Map<string, CompiledVariant>();
    for (const r of rows) {
      // The renderer stores an empty html for a topic set with nothing in it (see
      // src/rendering/variant-store.ts): such readers are skipped.
      variants.set(r.topics, compileVariant({ topics: r.topics, subject: r.subject, html: r.html, text: r.text, empty: r.html === '' }));
    }
    return { builder: new MessageBuilder(this.ctx, issueId, rows[0]?.title ?? 'Tidings'), variants };
  }
}
