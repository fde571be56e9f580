/**
 * Variants of an issue: one rendered body per non-empty topic set (7 for three topics), stored in
 * issue_variants and re-rendered only when their fingerprint (document, templates, topics, postal
 * address) changes. Delivery calls ensureVariants() once when a send starts and loadVariants() in
 * its workers; previews and test sends render (and store) just the one variant they show.
 */
import type { IssuesService } from '../issues/service';
import { allTopicSets, topicSetKey, type Topics } from '../topics';
import type { ClickLinking } from './click-links';
import { Renderer } from './renderer';
import type { TemplateSet } from './templates';
import type { StoredVariant, VariantStore } from './variant-store';

export interface VariantSummary {
  topics: string;
  topicList: string[];
  subject: string;
  itemCount: number;
  htmlBytes: number;
  empty: boolean;
  /** Whether this call rendered it (false: the stored one was current). */
  rendered: boolean;
}

export class Variants {
  constructor(
    private readonly store: VariantStore,
    private readonly issues: IssuesService,
    private readonly topics: Topics,
    private readonly templates: TemplateSet,
    private readonly postalAddress: string,
    /** Counted links (CLICK_TRACKING=aggregate); absent when off. */
    private readonly clicks?: ClickLinking,
  ) {}

  private async renderer(): Promise<Renderer> {
    const topics = await this.topics.list();
    return new Renderer(this.templates, topics.map((t) => ({ slug: t.slug, name: t.name })), this.postalAddress, this.clicks);
  }

  /** Renders and stores every topic set's variant whose stored copy is missing or stale. */
  async ensureVariants(issueId: number): Promise<VariantSummary[]> {
    const issue = await this.issues.get(issueId);
    const renderer = await this.renderer();
    const hash = renderer.docHash(issue.document, issueId);
    const stored = await this.store.hashes(issueId);
    const slugs = (await this.topics.list()).map((t) => t.slug);
    const summaries: VariantSummary[] = [];
    // Sequential on purpose: each MJML compile blocks the event loop ~100 ms; in parallel they
    // would only queue up behind each other while holding more memory.
    for (const set of allTopicSets(slugs)) {
      const key = topicSetKey(set);
      if (stored.get(key) === hash) {
        const v = (await this.store.get(issueId, key))!;
        summaries.push({ topics: key, topicList: set, subject: v.subject, itemCount: v.itemCount, htmlBytes: v.htmlBytes, empty: v.empty, rendered: false });
        continue;
      }
      const v = await renderer.render(issue.document, set, issueId);
      await this.store.put(issueId, v, hash);
      summaries.push({ topics: key, topicList: set, subject: v.subject, itemCount: v.itemCount, htmlBytes: v.htmlBytes, empty: v.empty, rendered: true });
    }
    return summaries;
  }

  /** Pure database read; see VariantStore. */
  loadVariants(issueId: number): Promise<Map<string, StoredVariant>> {
    return this.store.loadVariants(issueId);
  }

  /** One variant, current for the issue's document (rendered and stored if needed). */
  async variant(issueId: number, topicSet: readonly string[]): Promise<StoredVariant & { topics: string; htmlBytes: number }> {
    const issue = await this.issues.get(issueId);
    const renderer = await this.renderer();
    const hash = renderer.docHash(issue.document, issueId);
    const key = topicSetKey(topicSet);
    const stored = await this.store.get(issueId, key);
    if (stored && stored.docHash === hash) return { ...stored, topics: key };
    const v = await renderer.render(issue.document, topicSet, issueId);
    await this.store.put(issueId, v, hash);
    return { subject: v.subject, html: v.html, text: v.text, itemCount: v.itemCount, empty: v.empty, topics: key, htmlBytes: v.htmlBytes };
  }
}
