/**
 * GET /l/<token>: verify the token, find the link in the stored issue document, count one click
 * (as a person's or a machine's) and say where to go. Anything that does not verify, or names a
 * link the document does not have, is null (the router answers 404): no token ever redirects to
 * a URL of its own. Issue documents are cached briefly per process, so a click costs no query.
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { IssueDocument } from '../issues/document';
import { isSafeUrl } from '../issues/document';
import { linkTable, type LinkTable } from '../rendering/click-links';
import type { Topics } from '../topics';
import type { ClickCounter } from './counter';
import { isScannerAgent, type DeliveryBursts } from './machine';
import { maskTopics, type ClickTokens } from './tokens';

interface CachedIssue {
  at: number;
  /** undefined: no such issue. */
  issue: Promise<{ counted: boolean; links: LinkTable } | undefined>;
}

export interface ClickRequest {
  method: string;
  userAgent: string | undefined;
}

const CACHE_MS = 30_000;
const CACHE_MAX = 200;

export class ClickRedirects {
  private readonly cache = new Map<number, CachedIssue>();

  constructor(
    private readonly d: {
      pool: Pool;
      queries: Queries;
      tokens: ClickTokens;
      topics: Topics;
      counter: ClickCounter;
      bursts: DeliveryBursts;
      now?: () => number;
    },
  ) {}

  private issue(id: number): CachedIssue['issue'] {
    const t = (this.d.now ?? Date.now)();
    const hit = this.cache.get(id);
    if (hit && t - hit.at < CACHE_MS) return hit.issue;
    const issue = this.d.pool.query<{ status: string; document: IssueDocument }>(this.d.queries.sql('click-issue'), [id]).then((r) => {
      const row = r.rows[0];
      // Drafts (previews, test emails) redirect but are not counted: only what went out is.
      return row ? { counted: row.status !== 'draft', links: linkTable(row.document) } : undefined;
    });
    issue.catch(() => this.cache.delete(id));
    this.cache.set(id, { at: t, issue });
    if (this.cache.size > CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    return issue;
  }

  /** Where the token leads (after counting the click), or null: not a link of ours. */
  async follow(token: string, req: ClickRequest): Promise<string | null> {
    const ref = this.d.tokens.verify(token);
    if (!ref) return null;
    const issue = await this.issue(ref.issueId);
    if (!issue) return null;
    const order = await this.d.topics.slugs();
    const links = ref.part === 'item' ? issue.links.items[ref.index] : issue.links.highlights.get(order[ref.index] ?? '');
    const url = links?.[ref.link];
    // The document validator refuses anything but http(s) and mailto links; checked again here.
    if (!url || !/^https?:\/\//i.test(url) || !isSafeUrl(url)) return null;
    if (issue.counted) {
      const topics = maskTopics(order, ref.mask);
      const machine =
        req.method === 'HEAD' || isScannerAgent(req.userAgent) || (await this.d.bursts.recent(ref.issueId, topics));
      this.d.counter.add({ issueId: ref.issueId, part: ref.part, index: ref.index, link: ref.link, topics }, machine);
    }
    return url;
  }
}
