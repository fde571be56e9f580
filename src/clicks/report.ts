/**
 * What editors see of clicks (GET /api/issues/:id/clicks, the console's report, its CSV and the
 * per-topic view): counts from click_counts laid over the issue document, items in document order.
 * "Per topic" counts a click once for each topic of the reader's set (a reader of AI and NEV counts
 * for both audiences); per topic set counts it once. Only people's clicks go into those
 * breakdowns; machine clicks are reported beside them.
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { IssueDocument } from '../issues/document';
import type { IssuesService } from '../issues/service';
import { linkTable } from '../rendering/click-links';
import { allTopicSets, topicSetKey, type Topics } from '../topics';
import type { ClickCounter } from './counter';

export interface ClickCounts {
  human: number;
  machine: number;
}
export interface LinkClicks extends ClickCounts {
  index: number;
  url: string;
  label: string;
}
export interface PartClicks extends ClickCounts {
  byTopicSet: Record<string, number>;
  byTopic: Record<string, number>;
  links: LinkClicks[];
}
export interface ItemClicks extends PartClicks {
  /** Position in the document (0-based, across sections). */
  index: number;
  section: string;
  title: string;
  topics: string[];
}
export interface HighlightClicks extends PartClicks {
  topic: string;
}
export interface ClickReport {
  issueId: number;
  title: string;
  status: string;
  tracking: 'aggregate' | 'off';
  totals: ClickCounts;
  topicSets: (ClickCounts & { topics: string })[];
  topics: (ClickCounts & { topic: string })[];
  highlights: HighlightClicks[];
  items: ItemClicks[];
}

interface CountRow extends ClickCounts {
  part: string;
  part_index: number;
  link_index: number;
  topics: string;
}

const zero = (): ClickCounts => ({ human: 0, machine: 0 });
const bump = (c: ClickCounts, r: ClickCounts) => {
  c.human += r.human;
  c.machine += r.machine;
};

function part(urls: string[], labels: Map<string, string>): PartClicks {
  return { ...zero(), byTopicSet: {}, byTopic: {}, links: urls.map((url, index) => ({ index, url, label: labels.get(url) ?? url, ...zero() })) };
}

function addTo(p: PartClicks, r: CountRow): void {
  bump(p, r);
  const link = p.links[r.link_index];
  if (link) bump(link, r);
  if (!r.human) return;
  p.byTopicSet[r.topics] = (p.byTopicSet[r.topics] ?? 0) + r.human;
  for (const t of r.topics.split(',').filter(Boolean)) p.byTopic[t] = (p.byTopic[t] ?? 0) + r.human;
}

/** The report of one document and its count rows (pure: the per-topic view reuses it). */
export function buildReport(doc: IssueDocument, rows: readonly CountRow[], order: readonly string[]) {
  const table = linkTable(doc);
  const sets = allTopicSets(order).map((s) => ({ topics: topicSetKey(s), ...zero() }));
  const topics = order.map((topic) => ({ topic, ...zero() }));
  const totals = zero();
  let n = 0;
  const items: ItemClicks[] = doc.sections.flatMap((s) =>
    s.items.map((item) => {
      const index = n++;
      const labels = new Map((item.links ?? []).map((l) => [l.url, l.label]));
      return { index, section: s.title, title: item.title, topics: item.topics, ...part(table.items[index] ?? [], labels) };
    }),
  );
  const highlights: HighlightClicks[] = order.filter((t) => table.highlights.has(t)).map((topic) => ({ topic, ...part(table.highlights.get(topic)!, new Map()) }));
  for (const r of rows) {
    bump(totals, r);
    const set = sets.find((x) => x.topics === r.topics);
    if (set) bump(set, r);
    for (const t of topics) if (r.topics.split(',').includes(t.topic)) bump(t, r);
    const target = r.part === 'item' ? items[r.part_index] : highlights.find((h) => h.topic === order[r.part_index]);
    if (target) addTo(target, r);
  }
  return { totals, topicSets: sets, topics, highlights, items };
}

export class ClickReports {
  constructor(
    private readonly d: { pool: Pool; queries: Queries; issues: IssuesService; topics: Topics; counter: ClickCounter; tracking: 'aggregate' | 'off' },
  ) {}

  async report(issueId: number): Promise<ClickReport> {
    const issue = await this.d.issues.get(issueId);
    // This process's own gathered counts first; other processes' arrive within CLICK_FLUSH_MS.
    await this.d.counter.flush();
    const [{ rows }, order] = await Promise.all([
      this.d.pool.query<CountRow>(this.d.queries.sql('click-counts-issue'), [issueId]),
      this.d.topics.slugs(),
    ]);
    return { issueId, title: issue.title, status: issue.status, tracking: this.d.tracking, ...buildReport(issue.document, rows, order) };
  }

  /** The last `limit` issues that went out, each with its report (the per-topic view). */
  async recent(limit: number): Promise<{ id: number; slug: string; title: string; sentAt: Date | null; report: ReturnType<typeof buildReport> }[]> {
    await this.d.counter.flush();
    const order = await this.d.topics.slugs();
    const { rows } = await this.d.pool.query<{ id: string; slug: string; title: string; sent_at: Date | null; document: IssueDocument; counts: CountRow[] }>(
      this.d.queries.sql('click-recent-issues'),
      [limit],
    );
    return rows.map((r) => ({
      id: Number(r.id), slug: r.slug, title: r.title, sentAt: r.sent_at,
      report: buildReport(r.document, r.counts.map((c) => ({ ...c, link_index: -1, human: Number(c.human), machine: 0 })), order),
    }));
  }
}
