/**
 * Issue 17 end to end: an issue goes to readers of all 7 topic sets through the SMTP sink; every
 * counted link in the HTML and the text part of each email answers 302 to the right URL; the
 * report's counts per item, link, topic set and topic are exact. Footer and mailto links are never
 * rewritten, and the click table has no column that could name a reader.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { insertReaders, readerEmail, topicsOf } from './helpers/delivery';
import { CLICK_ITEMS, clickIssue, clickLinks, expectedIds, follow, sendIssue, TOPICS } from './helpers/clicks';
import type { ClickReport } from '../src/clicks/report';
import { allTopicSets, topicSetKey } from '../src/topics';

let t: TestApp;
beforeAll(async () => {
  // No burst window: these clicks come right after delivery and must count as people's.
  t = await startTestApp({ env: { CLICK_BURST_SECONDS: '0', CLICK_FLUSH_MS: '100' } });
  await insertReaders(t.c.pool, 7);
});
afterAll(async () => {
  await t?.close();
});

const sorted = (a: (string | null)[]) => [...a].sort();

test('readers of all 7 topic sets: links in HTML and text redirect to the right URL, counts exact', async () => {
  const issueId = await sendIssue(t, clickIssue('clicks-journey'));
  expect(t.sink!.messages).toHaveLength(7);

  for (let i = 1; i <= 7; i++) {
    const set = topicsOf(i);
    const [msg] = t.sink!.to(readerEmail(i));
    const links = await clickLinks(msg!.raw, t.c.config.publicUrl);
    // Footer links stay the reader's own signed links; mailto links are never rewritten.
    expect(links.rawText).toMatch(/Unsubscribe: http:\/\/localhost:3000\/unsubscribe\//);
    expect(links.rawHtml).toContain('href="http://localhost:3000/preferences/');
    expect(links.rawHtml).toContain('mailto:desk@example.org');
    expect(links.rawHtml).not.toContain('href="https://example.org/');
    for (const part of [links.html, links.text]) {
      const followed = await Promise.all(part.map((p) => follow(t, p)));
      expect(followed.every((f) => f.status === 302)).toBe(true);
      expect(sorted(followed.map((f) => f.id))).toEqual(sorted(expectedIds(set)));
    }
  }

  const res = await t.fetch(`/api/issues/${issueId}/clicks`, { editor: true });
  expect(res.status).toBe(200);
  const report = (await res.json()) as ClickReport;
  expect(report.totals.machine).toBe(0);
  const sets = allTopicSets(TOPICS).map(topicSetKey);
  const reaches = (topics: string[], set: string) => topics.length === 0 || topics.some((x) => set.split(',').includes(x));

  // Items in document order; each reader clicked each link twice (HTML and text).
  expect(report.items.map((x) => x.title)).toEqual(CLICK_ITEMS.map((_, i) => `Item ${i}`));
  CLICK_ITEMS.forEach(([topics, n], i) => {
    const item = report.items[i]!;
    const expected = Object.fromEntries(sets.filter((s) => reaches(topics, s)).map((s) => [s, 2 * (n + 1)]));
    expect([i, item.byTopicSet]).toEqual([i, expected]);
    expect(item.links.map((l) => l.human)).toEqual(Array(n + 1).fill(2 * Object.keys(expected).length));
    expect(item.links[1]?.label).toBe(`Item ${i} link 0`);
    for (const topic of TOPICS) {
      const perTopic = Object.entries(expected).filter(([s]) => s.split(',').includes(topic)).reduce((a, [, v]) => a + v, 0);
      expect([i, topic, item.byTopic[topic] ?? 0]).toEqual([i, topic, perTopic]);
    }
  });
  for (const h of report.highlights) {
    expect(h.byTopicSet).toEqual(Object.fromEntries(sets.filter((s) => s.split(',').includes(h.topic)).map((s) => [s, 2])));
  }
  const clicksOf = (set: string) => 2 * expectedIds(set.split(',')).length;
  expect(report.topicSets).toEqual(sets.map((s) => ({ topics: s, human: clicksOf(s), machine: 0 })));
  expect(report.totals.human).toBe(sets.reduce((a, s) => a + clicksOf(s), 0));
});

test('no click table column can hold a subscriber id, address, IP or user agent', async () => {
  const { rows } = await t.c.pool.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name LIKE 'click%'`,
  );
  expect(new Set(rows.map((r) => r.table_name))).toEqual(new Set(['click_counts']));
  const columns = rows.map((r) => r.column_name).sort();
  expect(columns).toEqual(['human', 'issue_id', 'link_index', 'machine', 'part', 'part_index', 'topics']);
  for (const c of columns) expect(c).not.toMatch(/subscriber|reader|email|address|ip|agent|^ua$|user|token|time|_at$/);
});
