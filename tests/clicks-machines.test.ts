/**
 * Click counting's edges: tampered, truncated and oversized tokens answer 404 and never redirect;
 * HEAD requests, link scanners' user agents and clicks right after delivery count as `machine`;
 * tokens signed with a previous SECRET_KEY still lead where they did; CLICK_TRACKING=off leaves
 * every link as the editor wrote it; a draft's links redirect without being counted.
 */
import { Redis } from 'ioredis';
import { startTestApp, type TestApp } from './helpers/app';
import { insertReaders, readerEmail } from './helpers/delivery';
import { clickIssue, clickLinks, follow, sendIssue } from './helpers/clicks';
import type { ClickReport } from '../src/clicks/report';
import { DeliveryBursts } from '../src/clicks/machine';
import { ClickTokens } from '../src/clicks/tokens';
import { isSafeUrl } from '../src/issues/document';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { CLICK_BURST_SECONDS: '30', CLICK_FLUSH_MS: '100' } });
  await insertReaders(t.c.pool, 7);
});
afterAll(async () => {
  await t?.close();
});

async function report(issueId: number): Promise<ClickReport> {
  const res = await t.fetch(`/api/issues/${issueId}/clicks`, { editor: true });
  expect(res.status).toBe(200);
  return (await res.json()) as ClickReport;
}

test('right after delivery, scanners, HEAD: counted apart as machine; bad tokens: 404, no redirect', async () => {
  const issueId = await sendIssue(t, clickIssue('clicks-machines'));
  const [msg] = t.sink!.to(readerEmail(7)); // all three topics
  const { html } = await clickLinks(msg!.raw, t.c.config.publicUrl);
  const link = html[0]!;

  // Within the burst window after delivery: a security gateway opening links.
  expect((await follow(t, link)).status).toBe(302);
  let r = await report(issueId);
  expect(r.totals).toEqual({ human: 0, machine: 1 });

  // After the window (expired here rather than waited for): people, except HEAD and scanners.
  const prefix = t.c.config.queuePrefix;
  const keys = await t.c.redis.keys(`${prefix}:clicks:delivered:{${issueId}}:*`);
  expect(keys.length).toBe(7);
  await t.c.redis.del(...keys);
  await new Promise((res) => setTimeout(res, 300)); // the API process's cached answer expires
  expect((await follow(t, link)).status).toBe(302);
  expect((await follow(t, link, { method: 'HEAD' })).status).toBe(302);
  for (const ua of ['Mozilla/5.0 (compatible; Barracuda Sentinel)', 'Microsoft Office Protection SafeLinks', 'python-requests/2.32', '']) {
    expect((await follow(t, link, { headers: { 'user-agent': ua } })).status).toBe(302);
  }
  r = await report(issueId);
  expect(r.totals).toEqual({ human: 1, machine: 1 + 1 + 4 });
  expect(r.topicSets.find((s) => s.topics === 'ai,nev,telecom')).toEqual({ topics: 'ai,nev,telecom', human: 1, machine: 6 });

  // Tampered (each part), truncated, oversized, foreign: 404, no Location.
  const token = link.slice('/l/'.length);
  const parts = token.split('.');
  const bad = [
    ...parts.map((p, i) => parts.map((q, j) => (i === j ? (p[0] === 'a' ? 'b' : 'a') + p.slice(1) : q)).join('.')),
    token.slice(0, -1), token.slice(0, 10), token + 'A', token + '.x', 'x'.repeat(5000), `${token}${'A'.repeat(100)}`,
    '%00', 'javascript:alert(1)', `${issueId}.i0.0.7.0000.AAAAAAAAAAAAAAAAAAAAAA`,
    new ClickTokens(['another-install-secret-0123456789abcdef']).sign({ issueId, part: 'item', index: 0, link: 0, mask: 7 }),
  ];
  for (const b of bad) {
    const f = await follow(t, `/l/${encodeURIComponent(b)}`);
    expect([b.slice(0, 60), f.status, f.location]).toEqual([b.slice(0, 60), 404, null]);
  }
  // A token of ours naming a link the document does not have: 404 as well.
  for (const ref of [{ index: 99, link: 0 }, { index: 0, link: 9 }]) {
    const f = await follow(t, `/l/${t.c.clicks.tokens.sign({ issueId, part: 'item', mask: 7, ...ref })}`);
    expect(f.status).toBe(404);
  }
  expect((await report(issueId)).totals).toEqual({ human: 1, machine: 6 });
});

test('tokens signed with a previous SECRET_KEY still redirect; a draft redirects without counting', async () => {
  const previous = new ClickTokens(['an-old-secret-key-0123456789abcdef0123']);
  const other = await startTestApp({
    db: t.db, sink: t.sink, queuePrefix: t.queuePrefix,
    env: { SECRET_KEY: 'a-new-secret-key-0123456789abcdef012345', SECRET_KEY_PREVIOUS: 'an-old-secret-key-0123456789abcdef0123', CLICK_FLUSH_MS: '100' },
  });
  try {
    const created = await other.fetch('/api/issues', { method: 'POST', editor: true, json: clickIssue('clicks-draft') });
    const { id } = (await created.json()) as { id: number };
    const f = await follow(other, `/l/${previous.sign({ issueId: id, part: 'item', index: 1, link: 2, mask: 2 })}`);
    expect([f.status, f.id]).toEqual([302, 'i1-l1']);
    const h = await follow(other, `/l/${previous.sign({ issueId: id, part: 'highlight', index: 1, link: 0, mask: 2 })}`);
    expect([h.status, h.id]).toEqual([302, 'h-ai']);
    const r = (await (await other.fetch(`/api/issues/${id}/clicks`, { editor: true })).json()) as ClickReport;
    expect(r.totals).toEqual({ human: 0, machine: 0 });
  } finally {
    await other.close();
  }
});

test('CLICK_TRACKING=off: the preview and the email keep every link as written', async () => {
  const off = await startTestApp({ db: t.db, queuePrefix: t.queuePrefix + 'off', env: { CLICK_TRACKING: 'off' } });
  try {
    const created = await off.fetch('/api/issues', { method: 'POST', editor: true, json: clickIssue('clicks-off') });
    const { id } = (await created.json()) as { id: number };
    for (const format of ['html', 'text']) {
      const res = await off.fetch(`/api/issues/${id}/preview?topics=ai,nev,telecom&format=${format}`, { editor: true });
      const body = await res.text();
      expect(body).not.toContain('/l/');
      expect(body).toContain('https://example.org/read?id=i1-l1');
      expect(body).toContain('https://example.org/read?id=h-ai');
    }
  } finally {
    await off.close();
  }
});

test('javascript: URLs never become a link, so never a redirect target', () => {
  expect(isSafeUrl('javascript:alert(1)')).toBe(false);
  expect(isSafeUrl('JAVASCRIPT:alert(1)')).toBe(false);
});

test('a Redis that does not answer costs a click its burst check, never its redirect', async () => {
  const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: () => 1000 });
  dead.on('error', () => undefined);
  try {
    const bursts = new DeliveryBursts(dead, 'x', 5);
    const started = Date.now();
    expect(await bursts.recent(1, 'ai')).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  } finally {
    dead.disconnect();
  }
});
