/**
 * Which links of an issue are counted, and how they are written into a variant (CLICK_TRACKING,
 * docs/privacy.md). Counted: the web links (http, https) of items — in the body's Markdown, then
 * the item's link list — and of highlights. Never the intro, never the footer (unsubscribe,
 * preferences and stop links are placeholders filled per reader at delivery, not editor links).
 * A part's links are numbered by distinct target in document order; the click redirect reads the
 * same table from the stored document to find where a token leads.
 */
import type { IssueDocument } from '../issues/document';
import { topicMask, type ClickTokens } from '../clicks/tokens';
import { markdownLinks } from './markdown';

export interface LinkTable {
  /** Per item, in document order across sections: its distinct web link targets. */
  items: string[][];
  /** Per topic slug with a highlight: its distinct web link targets. */
  highlights: Map<string, string[]>;
}

const isWeb = (url: string) => /^https?:\/\//i.test(url);
const distinct = (urls: string[]) => [...new Set(urls.filter(isWeb))];

export function linkTable(doc: IssueDocument): LinkTable {
  return {
    items: doc.sections.flatMap((s) => s.items.map((item) => distinct([...(item.body ? markdownLinks(item.body) : []), ...(item.links ?? []).map((l) => l.url)]))),
    highlights: new Map(Object.entries(doc.highlights ?? {}).map(([slug, text]) => [slug, distinct(markdownLinks(text))])),
  };
}

/** What the renderer needs to write counted links (absent: CLICK_TRACKING=off). */
export interface ClickLinking {
  tokens: ClickTokens;
  publicUrl: string;
}

/** Rewrites one variant's links; a target that is not in the table (mailto:) stays as it is. */
export interface LinkRewriter {
  item(index: number, url: string): string;
  highlight(slug: string, url: string): string;
}

export const UNTOUCHED: LinkRewriter = { item: (_i, url) => url, highlight: (_s, url) => url };

export function clickRewriter(
  linking: ClickLinking | undefined,
  issueId: number | undefined,
  doc: IssueDocument,
  topicOrder: readonly string[],
  topicSet: readonly string[],
): LinkRewriter {
  if (!linking || issueId === undefined) return UNTOUCHED;
  const table = linkTable(doc);
  const mask = topicMask(topicOrder, topicSet);
  const url = (part: 'item' | 'highlight', index: number, links: string[] | undefined, target: string) => {
    const link = links?.indexOf(target) ?? -1;
    if (link < 0) return target;
    return `${linking.publicUrl}/l/${linking.tokens.sign({ issueId, part, index, link, mask })}`;
  };
  return {
    item: (index, target) => url('item', index, table.items[index], target),
    highlight: (slug, target) => url('highlight', topicOrder.indexOf(slug), table.highlights.get(slug), target),
  };
}
