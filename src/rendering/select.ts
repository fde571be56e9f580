/**
 * The contract's rendering rules, as a pure function from (document, reader's topics) to what that
 * reader's email holds. Templates only lay out this view; they never decide what goes in.
 *  - highlights of the reader's topics, in topic order;
 *  - items whose topics meet the reader's, plus general items (topics []);
 *  - items numbered 1..n in reading order; sections left with no item are dropped;
 *  - nothing left at all → `empty` (the reader gets no email).
 */
import type { IssueDocument, IssueItem } from '../issues/document';

export interface TopicInfo {
  slug: string;
  name: string;
}

export interface ViewItem extends IssueItem {
  number: number;
  /** Position in the document, for stable anchors (`item-<section>-<index>`). */
  anchor: string;
  /** Position in the document across sections (0-based): how click tokens name the item. */
  index: number;
}

export interface ReaderView {
  title: string;
  subject: string;
  intro: string | undefined;
  /** The reader's topics, in topic order, with names (the footer says why they get this). */
  topics: TopicInfo[];
  highlights: { topic: TopicInfo; text: string }[];
  sections: { title: string; items: ViewItem[] }[];
  itemCount: number;
  empty: boolean;
}

/** `readerTopics` undefined means "everything" (the web archive). */
export function selectForReader(doc: IssueDocument, allTopics: readonly TopicInfo[], readerTopics?: readonly string[]): ReaderView {
  const wanted = readerTopics ? new Set(readerTopics) : undefined;
  const topics = allTopics.filter((t) => !wanted || wanted.has(t.slug));
  const highlights = topics.flatMap((topic) => {
    const text = doc.highlights?.[topic.slug];
    return text ? [{ topic, text }] : [];
  });
  let n = 0;
  let docIndex = 0;
  const sections = doc.sections
    .map((s, si) => ({
      title: s.title,
      items: s.items.flatMap((item, ii): ViewItem[] => {
        const index = docIndex++;
        const meets = !wanted || item.topics.length === 0 || item.topics.some((t) => wanted.has(t));
        return meets ? [{ ...item, number: ++n, anchor: `item-${si + 1}-${ii + 1}`, index }] : [];
      }),
    }))
    .filter((s) => s.items.length > 0);
  return {
    title: doc.title,
    subject: doc.subject ?? doc.title,
    intro: doc.intro,
    topics,
    highlights,
    sections,
    itemCount: n,
    empty: n === 0 && highlights.length === 0,
  };
}

/** "Telecom & security, Artificial intelligence and New energy vehicles". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
