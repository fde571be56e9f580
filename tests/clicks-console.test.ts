/**
 * Click counts in the console: the issue's ranking with its per-topic bar charts and the per-topic
 * view across recent issues pass the axe audit in both colour schemes; the CSV download holds the
 * counts; the GDPR export says there is nothing about clicks.
 */
import type { Browser, Page } from 'playwright-core';
import { parse } from 'csv-parse/sync';
import { expectAccessible } from './helpers/axe';
import { launchBrowser } from './helpers/browser';
import { startTestApp, type TestApp } from './helpers/app';
import { signIn } from './helpers/console';
import { insertReaders, readerEmail } from './helpers/delivery';
import { clickIssue, clickLinks, follow, sendIssue } from './helpers/clicks';
import { CLICKS_NOTE } from '../src/subscribers/admin';

let t: TestApp;
let browser: Browser;
let page: Page;
let issueId: number;

beforeAll(async () => {
  [t, browser] = await Promise.all([startTestApp({ env: { CLICK_BURST_SECONDS: '0', CLICK_FLUSH_MS: '100' } }), launchBrowser()]);
  const ids = await insertReaders(t.c.pool, 7);
  issueId = await sendIssue(t, clickIssue('clicks-console'));
  // Readers 2 (ai) and 6 (ai, nev) click everything in their HTML part; a scanner clicks reader 1's.
  for (const i of [2, 6]) for (const l of (await clickLinks(t.sink!.to(readerEmail(i))[0]!.raw, t.c.config.publicUrl)).html) await follow(t, l);
  for (const l of (await clickLinks(t.sink!.to(readerEmail(1))[0]!.raw, t.c.config.publicUrl)).html) await follow(t, l, { headers: { 'user-agent': 'Proofpoint URL Defense' } });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const { cookie } = await signIn(t);
  const [name, value] = cookie!.split('=') as [string, string];
  await page.context().addCookies([{ name, value, url: t.url }]);
  expect(ids.size).toBe(7);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

test('the click report: ranking, per-topic bars, totals; axe finds nothing', async () => {
  await page.goto(`${t.url}/admin/issues/${issueId}/clicks`);
  // Reader 2 (ai) follows 8 links, reader 6 (ai, nev) 11; the scanner's 5 on reader 1's email are machine clicks.
  expect([await page.textContent('#clicks-human'), await page.textContent('#clicks-machine')]).toEqual(['19', '5']);
  await expectAccessible(page, 'click report');
  const ranked = await page.$$eval('table.clicks-ranking tbody th', (ths) => ths.map((th) => th.textContent));
  expect(ranked[0]).toBe('2. Item 1'); // the AI item with three links
  expect(await page.locator('svg.bars[role=img]').count()).toBeGreaterThan(4);
}, 60_000);

test('the per-topic view across the last issues; axe finds nothing', async () => {
  await page.goto(`${t.url}/admin/clicks?topic=nev&last=5`);
  await expectAccessible(page, 'clicks by audience');
  const rows = await page.$$eval('table tbody tr', (trs) => trs.map((tr) => tr.textContent?.replace(/\s+/g, ' ').trim()));
  expect(rows).toEqual(expect.arrayContaining(['General (every reader)2', 'Artificial intelligence5', 'New energy vehicles4']));
}, 60_000);

test('the CSV download and the GDPR export', async () => {
  const { cookie } = await signIn(t);
  const res = await t.fetch(`/admin/issues/${issueId}/clicks.csv`, { headers: { cookie: cookie! } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-disposition')).toContain('attachment');
  const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
  const link = rows.find((r) => r.part === 'item' && r.link === 'https://example.org/read?id=i1-l0')!;
  expect([link.human, link.machine]).toEqual(['2', '0']);
  expect(rows.find((r) => r.part === 'item' && r.number === '2' && r.topics === 'ai,nev')?.human).toBe('3');

  const exported = await t.fetch(`/api/subscribers/${(await t.c.pool.query<{ id: string }>('SELECT id FROM subscribers LIMIT 1')).rows[0]!.id}/export`, { editor: true });
  expect(exported.status).toBe(200);
  expect(((await exported.json()) as { clicks: string }).clicks).toBe(CLICKS_NOTE);
});
