/**
 * Per-process cache of an issue's compiled variants for delivery: read from issue_variants (a plain
 * database read, so deliver processes never load MJML) and compiled into splice templates once.
 */
import type { VariantStore } from '../rendering/variant-store';
import { compileVariant, MessageBuilder, type CompiledVariant, type MessageContext } from './message';

export interface SendMaterial {
  builder: MessageBuilder;
  variants: Map<string, CompiledVariant>;
}

const KEEP = 4;

export class VariantCache {
  private readonly bySend = new Map<number, Promise<SendMaterial>>();

  constructor(
    private readonly store: Pick<VariantStore, 'forSend'>,
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
    const stored = await this.store.forSend(sendId);
    const variants = new Map<string, CompiledVariant>();
    // An empty variant (nothing for that topic set) compiles to one whose readers are skipped.
    for (const [topics, v] of stored.variants) variants.set(topics, compileVariant({ topics, subject: v.subject, html: v.html, text: v.text, empty: v.empty }));
    return { builder: new MessageBuilder(this.ctx, issueId, stored.title ?? 'Tidings'), variants };
  }
}
