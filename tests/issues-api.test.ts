import { readFileSync } from 'node:fs';
import path from 'node:path';
import { seedOnEmptyDatabase } from '../src/seed';
import { startTestApp, type TestApp } from './helpers/app';

const BULLETIN = path.resolve(__dirname, 'fixtures/tmt-bulletin-may-june-2024.txt');

const doc = (slug: string, extra: Record<string, unknown> = {}) => ({
  slug,
  title: `Issue ${slug}`,
  highlights: { ai: 'AI news.', nev: 'EV news.' },
  sections: [
    {
      title: 'News',
      items: [
        { title: 'An AI item', date: '2024-05-29', topics: ['ai'], body: 'About **AI**.' },
        { title: 'A general item', topics: [] },
        { title: 'An EV item', topics: ['nev'], links: [{ label: 'Notice', url: 'https://example.com/n' }] },
      ],
    },
  ],
  ...extra,
});

describe('issues API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('answers 401 without a valid editor key', async () => {
    expect((await t.fetch('/api/issues')).status).toBe(401);
    const res = await t.fetch('/api/issues', { headers: { authorization: 'Bearer td_wrong-key-0000000000' } });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('unauthorized');
    expect((await t.fetch('/api/issues', { method: 'POST', json: doc('x') })).status).toBe(401);
  });

  it('creates, lists, reads and updates a draft', async () => {
    const created = await t.fetch('/api/issues', { method: 'POST', json: doc('first'), editor: true });
    expect(created.status).toBe(201);
    const { id, slug, status } = await created.json();
    expect({ slug, status }).toEqual({ slug: 'first', status: 'draft' });

    const list = await (await t.fetch('/api/issues', { editor: true })).json();
    expect(list.issues).toEqual(expect.arrayContaining([expect.objectContaining({ id, slug: 'first', status: 'draft', itemCount: 3 })]));

    const got = await (await t.fetch(`/api/issues/${id}`, { editor: true })).json();
    expect(got.document.sections[0].items).toHaveLength(3);

    const put = await t.fetch(`/api/issues/${id}`, { method: 'PUT', json: doc('first-renamed', { title: 'Renamed' }), editor: true });
    expect(put.status).toBe(200);
    const after = await (await t.fetch(`/api/issues/${id}`, { editor: true })).json();
    expect(after).toMatchObject({ slug: 'first-renamed', title: 'Renamed' });
    // The API's edits are in the audit log like the console's, with the editor's name.
    const audit = await t.c.pool.query<{ action: string; editor_name: string; detail: string | null }>(
      'SELECT action, editor_name, detail FROM editor_actions WHERE issue_id = $1 ORDER BY id',
      [id],
    );
    expect(audit.rows).toEqual([
      { action: 'issue.create', editor_name: 'admin', detail: 'first' },
      { action: 'issue.update', editor_name: 'admin', detail: null },
    ]);

    expect((await t.fetch('/api/issues/999999', { editor: true })).status).toBe(404);
    expect((await t.fetch('/api/issues/abc', { editor: true })).status).toBe(404);
  });

  it('answers 422 naming the field, and 409 on a duplicate slug', async () => {
    const bad = doc('bad');
    (bad.sections[0]!.items[1] as { topics: string[] }).topics = ['zz'];
    const res = await t.fetch('/api/issues', { method: 'POST', json: bad, editor: true });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: 'invalid_document', field: 'sections[0].items[1].topics[0]' });
    expect(body.error.message).toBe('sections[0].items[1].topics[0]: unknown topic "zz"');
    expect(body.errors).toHaveLength(1);

    await t.fetch('/api/issues', { method: 'POST', json: doc('dupe'), editor: true });
    const dupe = await t.fetch('/api/issues', { method: 'POST', json: doc('dupe'), editor: true });
    expect(dupe.status).toBe(409);
    expect((await dupe.json()).error.code).toBe('slug_taken');

    const html = await t.fetch('/api/issues', { method: 'POST', body: '<x/>', headers: { 'content-type': 'text/html' }, editor: true });
    expect(html.status).toBe(415);
  });

  it('previews any topic set as HTML or text, and lists the 7 variants', async () => {
    const { id } = await (await t.fetch('/api/issues', { method: 'POST', json: doc('preview'), editor: true })).json();
    const text = await t.fetch(`/api/issues/${id}/preview?topics=nev&format=text`, { editor: true });
    expect(text.status).toBe(200);
    const body = await text.text();
    expect(body.split('\n').filter((l) => /^\d+\. /.test(l))).toEqual(['1. A general item', '2. An EV item']);
    expect(body).toContain('http://localhost:3000/unsubscribe/example');
    expect(body).not.toContain('[[tidings:');

    const html = await t.fetch(`/api/issues/${id}/preview?topics=ai,nev`, { editor: true });
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(html.headers.get('content-security-policy')).toMatch(/sandbox/);
    expect(await html.text()).toContain('3. An EV item');

    const bad = await t.fetch(`/api/issues/${id}/preview?topics=zz`, { editor: true });
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.field).toBe('topics');
    expect((await t.fetch(`/api/issues/${id}/preview?format=pdf`, { editor: true })).status).toBe(422);

    const telecom = await t.fetch(`/api/issues/${id}/preview?topics=telecom&format=text`, { editor: true });
    expect(telecom.headers.get('x-tidings-item-count')).toBe('1'); // the general item

    const variants = (await (await t.fetch(`/api/issues/${id}/variants`, { editor: true })).json()).variants;
    expect(variants.map((v: { key: string }) => v.key)).toEqual(['ai', 'nev', 'telecom', 'ai,nev', 'ai,telecom', 'nev,telecom', 'ai,nev,telecom']);
    expect(variants.find((v: { key: string }) => v.key === 'ai,nev').itemCount).toBe(3);
    for (const v of variants) expect(v.htmlBytes).toBeGreaterThan(1000);

    const loaded = await t.c.variants.loadVariants(id);
    expect(loaded.size).toBe(7);
    expect(loaded.get('telecom')).toMatchObject({ itemCount: 1, empty: false });
    // Nothing changed: a second call renders nothing.
    const again = await t.c.variants.ensureVariants(id);
    expect(again.every((v) => !v.rendered)).toBe(true);
  });

  it('sends a test email that arrives at the SMTP sink', async () => {
    const { id } = await (await t.fetch('/api/issues', { method: 'POST', json: doc('test-send'), editor: true })).json();
    const before = t.sink!.messages.length;
    const res = await t.fetch(`/api/issues/${id}/test`, { method: 'POST', json: { to: 'editor@example.com', topics: ['ai'] }, editor: true });
    expect(res.status).toBe(200);
    const [msg] = (await t.sink!.waitFor(before + 1)).slice(before);
    expect(msg!.to).toEqual(['editor@example.com']);
    expect(msg!.parsed.subject).toBe('[Test] Issue test-send');
    expect(msg!.parsed.text).toContain('1. An AI item');
    expect(msg!.parsed.text).not.toContain('An EV item');
    expect(msg!.parsed.html).toContain('Stop Artificial intelligence news');
    expect(msg!.raw.toString()).not.toContain('[[tidings:');
    // Built by the delivery engine's message builder: the newsletter's headers, example links only.
    const header = (name: string) => msg!.parsed.headerLines.find((l) => l.key === name)?.line.slice(name.length + 1).trim();
    expect(header('list-unsubscribe')).toBe('<http://localhost:3000/unsubscribe/example>');
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(header('list-id')).toMatch(/^Issue test-send <tidings\.[^>]+>$/);
    expect(header('precedence')).toBe('bulk');
    expect(header('x-tidings-test')).toBe('ai');
    const body = await res.json();
    expect(body).toMatchObject({ status: 'sent', to: 'editor@example.com', topics: ['ai'] });
    expect(msg!.parsed.messageId).toBe(body.messageId);
    expect(body.messageId).toMatch(new RegExp(`^<tidings\\.i${id}\\.s-\\d+\\.[0-9a-f]{16}@`));
    expect(msg!.raw.toString()).toContain('Content-Type: multipart/alternative');
    expect(msg!.parsed.html).toContain('/unsubscribe/example');
    // Recorded with the editor, as the console's test send is.
    const audit = await t.c.pool.query('SELECT editor_name, action, detail FROM editor_actions WHERE issue_id = $1 ORDER BY id', [id]);
    expect(audit.rows).toEqual([
      { editor_name: 'admin', action: 'issue.create', detail: 'test-send' },
      { editor_name: 'admin', action: 'issue.test_send', detail: 'ai → editor@example.com' },
    ]);

    const bad = await t.fetch(`/api/issues/${id}/test`, { method: 'POST', json: { to: 'not an address' }, editor: true });
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.field).toBe('to');
  });

  it('imports a law-firm bulletin as plain text, with suggested topics per item', async () => {
    const res = await t.fetch('/api/issues', {
      method: 'POST',
      body: readFileSync(BULLETIN, 'utf8'),
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      editor: true,
    });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'draft', format: 'text' });
    expect(body.document.sections.map((s: { items: unknown[] }) => s.items.length)).toEqual([8, 6, 13]);
    expect(body.suggestions).toHaveLength(27);
    expect(body.suggestions[3]).toMatchObject({ section: 0, item: 3, topics: ['nev'] });
  });

  it('keeps drafts out of the archive, publishes sent issues, refuses edits once sending', async () => {
    const { id } = await (await t.fetch('/api/issues', { method: 'POST', json: doc('archived', { title: 'Archived <b>issue</b>' }), editor: true })).json();
    expect((await t.fetch('/issues/archived')).status).toBe(404);
    expect(await (await t.fetch('/issues')).text()).not.toContain('Archived');

    await t.c.issues.markSending(id);
    await t.c.issues.markSending(id); // idempotent
    const put = await t.fetch(`/api/issues/${id}`, { method: 'PUT', json: doc('archived'), editor: true });
    expect(put.status).toBe(409);
    expect((await t.fetch('/issues/archived')).status).toBe(404);

    await t.c.issues.markSent(id);
    const page = await t.fetch('/issues/archived');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Archived &lt;b&gt;issue&lt;/b&gt;');
    expect(html).toContain('3. An EV item');
    expect(await (await t.fetch('/issues')).text()).toContain('href="/issues/archived"');

    const feed = await t.fetch('/feeds/ai.xml');
    expect(feed.headers.get('content-type')).toMatch(/application\/atom\+xml/);
    const xml = await feed.text();
    expect(xml).toContain('<title>An AI item</title>');
    expect(xml).toContain('<title>A general item</title>');
    expect(xml).not.toContain('<title>An EV item</title>');
    expect((await t.fetch('/feeds/zz.xml')).status).toBe(404);
  });

  it('loads the sample issue as a draft on an empty database only, also when processes boot together', async () => {
    const empty = await startTestApp({ sink: t.sink });
    try {
      // Several processes starting on a new database at once (the chaos run found the loser crashing).
      await Promise.all([seedOnEmptyDatabase(empty.c), seedOnEmptyDatabase(empty.c), seedOnEmptyDatabase(empty.c)]);
      await seedOnEmptyDatabase(empty.c);
      const issues = await empty.c.issues.list();
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ slug: '2024-05-06-china-tmt', status: 'draft', item_count: 27 });
    } finally {
      await empty.close();
    }
  }, 60_000);
});
