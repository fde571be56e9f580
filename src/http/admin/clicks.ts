/**
 * Click counts in the console: an issue's ranking and charts, its CSV, and which kinds of items
 * each audience clicks across the last N issues (GET form: it only reads, so it needs no CSRF).
 */
import { Router } from 'express';
import { stringify } from 'csv-stringify/sync';
import { NotFoundError } from '../../errors';
import { pathId } from '../api-route';
import { audienceView, clicksView } from './clicks-views';
import type { ConsoleDeps } from './deps';
import { consolePage } from './views';

const GENERAL = 'General (every reader)';

export function clicksRouter(c: ConsoleDeps): Router {
  const r = Router();
  const mailbox = !!c.mailbox;

  r.get('/issues/:id/clicks', async (req, res) => {
    const [report, topics] = await Promise.all([c.clicks.reports.report(pathId(req.params.id)), c.topics.list()]);
    res.type('html').send(consolePage(res, { title: `Clicks: ${report.title}`, mailbox, body: clicksView(report, topics) }));
  });

  r.get('/issues/:id/clicks.csv', async (req, res) => {
    const report = await c.clicks.reports.report(pathId(req.params.id));
    const rows: (string | number)[][] = [];
    // Per part: one row per link (all readers), then one per topic set (all links, people only).
    const parts = [
      ...report.highlights.map((h) => ({ kind: 'highlight', number: h.topic, title: '', p: h })),
      ...report.items.map((it) => ({ kind: 'item', number: it.index + 1, title: it.title, p: it })),
    ];
    for (const { kind, number, title, p } of parts) {
      for (const l of p.links) rows.push([kind, number, title, l.url, '', l.human, l.machine]);
      for (const [set, n] of Object.entries(p.byTopicSet)) rows.push([kind, number, title, '', set, n, '']);
    }
    res.setHeader('Content-Disposition', `attachment; filename="clicks-issue-${report.issueId}.csv"`);
    // A leading = + - @ would run as a formula in a spreadsheet: titles and URLs are editors' text.
    const cell = (v: string | number) => (typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
    res.type('text/csv; charset=utf-8').send(stringify([['part', 'number', 'title', 'link', 'topics', 'human', 'machine'], ...rows.map((row) => row.map(cell))]));
  });

  r.get('/clicks', async (req, res) => {
    const topics = await c.topics.list();
    const topic = topics.find((t) => t.slug === String(req.query.topic ?? topics[0]?.slug));
    if (!topic) throw new NotFoundError('No such topic.');
    const last = Math.min(50, Math.max(1, Number.parseInt(String(req.query.last ?? '10'), 10) || 10));
    const recent = await c.clicks.reports.recent(last);
    const names = new Map(topics.map((t) => [t.slug, t.name]));
    const kinds = new Map<string, number>([[GENERAL, 0], ...topics.map((t): [string, number] => [t.name, 0])]);
    const top: { issueId: number; issueTitle: string; title: string; clicks: number }[] = [];
    const issues = recent.map((i) => {
      let clicks = 0;
      for (const it of i.report.items) {
        const n = it.byTopic[topic.slug] ?? 0;
        clicks += n;
        // An item tagged with two topics counts for each kind it is.
        for (const kind of it.topics.length ? it.topics.map((t) => names.get(t) ?? t) : [GENERAL]) kinds.set(kind, (kinds.get(kind) ?? 0) + n);
        if (n) top.push({ issueId: i.id, issueTitle: i.title, title: it.title, clicks: n });
      }
      return { id: i.id, title: i.title, sentAt: i.sentAt, clicks };
    });
    top.sort((a, b) => b.clicks - a.clicks);
    const body = audienceView({ topic, topics, last, kinds: [...kinds].map(([kind, n]) => ({ kind, clicks: n })), issues, top: top.slice(0, 10) });
    res.type('html').send(consolePage(res, { title: `Clicks by ${topic.name} readers`, mailbox, body }));
  });

  return r;
}
