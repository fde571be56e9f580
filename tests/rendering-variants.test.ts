import { readFileSync } from 'node:fs';
import mjml2html from 'mjml';
import { createPool, type Pool } from '../src/db/pool';
import { Queries } from '../src/db/queries';
import { validateDocument, type IssueDocument } from '../src/issues/document';
import { importMarkdown } from '../src/issues/import-markdown';
import { sampleIssueFiles } from '../src/issues/sample';
import { TopicSuggester } from '../src/issues/suggest';
import { buildMjml } from '../src/rendering/email';
import { compilePersonalizer, personalize } from '../src/rendering/personalize';
import { Renderer, type RenderedVariant } from '../src/rendering/renderer';
import { selectForReader, type TopicInfo } from '../src/rendering/select';
import { loadTemplates } from '../src/rendering/templates';
import { recipientLinks } from '../src/subscribers/links';
import { LinkTokens } from '../src/subscribers/link-tokens';
import { allTopicSets, Topics } from '../src/topics';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { decodeEntities } from './helpers/entities';


describe('variants of the sample issue', () => {
  let db: TestDatabase;
  let pool: Pool;
  let topics: TopicInfo[];
  let doc: IssueDocument;
  let renderer: Renderer;
  const variants = new Map<string, RenderedVariant>();
  const renderMs: number[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, 2);
    topics = (await new Topics(pool, Queries.load()).list()).map((t) => ({ slug: t.slug, name: t.name }));
    const slugs = topics.map((t) => t.slug);
    doc = validateDocument(importMarkdown(readFileSync(sampleIssueFiles()[0]!, 'utf8'), new TopicSuggester(undefined, slugs)).document, slugs);
    renderer = new Renderer(loadTemplates(), topics, 'Tidings, 1 Example Street, Example City');
    for (const set of allTopicSets(slugs)) {
      const t0 = performance.now();
      variants.set(set.join(','), await renderer.render(doc, set));
      renderMs.push(performance.now() - t0);
    }
  }, 60_000);
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('has 7 variants, one per non-empty topic set', () => {
    expect([...variants.keys()].sort()).toEqual(['ai', 'ai,nev', 'ai,nev,telecom', 'ai,telecom', 'nev', 'nev,telecom', 'telecom']);
  });

  it('gives each topic set exactly its items, in order, numbered 1..n, with its highlights — in HTML and text', () => {
    for (const [key, v] of variants) {
      const set = key.split(',');
      const expected = doc.sections.flatMap((s) => s.items).filter((i) => i.topics.length === 0 || i.topics.some((t) => set.includes(t)));
      expect(v.itemCount).toBe(expected.length);
      const expectedLines = expected.map((item, i) => `${i + 1}. ${item.title}`);

      const textItems = v.text.split('\n').filter((l) => /^\d+\. /.test(l));
      expect(textItems).toEqual(expectedLines);
      const htmlItems = [...v.html.matchAll(/<h3 id="item-\d+-\d+"[^>]*>([^<]*)<\/h3>/g)].map((m) => decodeEntities(m[1]!));
      expect(htmlItems).toEqual(expectedLines);

      for (const t of topics) {
        const line = `${t.name}: `;
        const inText = v.text.split('\n').some((l) => l.startsWith(line));
        const inHtml = decodeEntities(v.html).includes(`<strong>${t.name}:</strong>`);
        expect([key, t.slug, inText, inHtml]).toEqual([key, t.slug, set.includes(t.slug), set.includes(t.slug)]);
        // One "stop" link per topic of the variant, none for the others.
        expect(v.html.includes(`[[tidings:stop_url:${t.slug}]]`)).toBe(set.includes(t.slug));
        expect(v.text.includes(`[[tidings:stop_url:${t.slug}]]`)).toBe(set.includes(t.slug));
      }
      // Sections without an item for this reader are left out.
      for (const s of doc.sections) {
        const has = s.items.some((i) => expected.includes(i));
        expect(v.text.includes(`\n${s.title.toUpperCase()}\n`)).toBe(has);
      }
      for (const p of ['[[tidings:unsubscribe_url]]', '[[tidings:preferences_url]]']) {
        expect(v.html).toContain(p);
        expect(v.text).toContain(p);
      }
      expect(v.text).toContain('Tidings, 1 Example Street, Example City');
      expect(v.html).toContain('Tidings, 1 Example Street, Example City');
    }
  });

  it('keeps every variant under Gmail clipping (102 KB), pure ASCII, lines ≤ 998, valid under strict MJML', async () => {
    const sizes: Record<string, number> = {};
    for (const [key, v] of variants) {
      sizes[key] = v.htmlBytes;
      expect(v.htmlBytes).toBeLessThan(102 * 1024);
      expect(v.htmlBytes).toBe(Buffer.byteLength(v.html));
      expect(/^[\t\n\x20-\x7e]*$/.test(v.html)).toBe(true);
      expect(Math.max(...v.html.split('\n').map((l) => l.length))).toBeLessThanOrEqual(998);
      const source = buildMjml(selectForReader(doc, topics, key.split(',')), {
        templates: loadTemplates(),
        postalAddress: 'x',
        topicNames: new Map(topics.map((t) => [t.slug, t.name])),
      });
      const strict = await mjml2html(source, { validationLevel: 'strict', ignoreIncludes: true });
      expect(strict.errors).toEqual([]);
    }
    console.log(`variant HTML bytes: ${JSON.stringify(sizes)}; render ms: ${renderMs.map((m) => m.toFixed(1)).join(', ')}`);
  });

  it('personalises a variant per recipient in microseconds, escaping the values', () => {
    const v = variants.get('ai,nev,telecom')!;
    const tokens = new LinkTokens(['test-secret-key-0123456789abcdef0123456789']);
    const n = 2000;
    const t0 = performance.now();
    let out = '';
    for (let i = 1; i <= n; i++) {
      const values = recipientLinks('https://news.example.com', tokens, i, ['ai', 'nev', 'telecom']);
      out = personalize(v.html, values, 'html');
      personalize(v.text, values, 'text');
    }
    const us = ((performance.now() - t0) * 1000) / n;
    console.log(`personalisation (html + text, incl. signing links): ${us.toFixed(1)} µs per recipient`);
    expect(out).not.toContain('[[tidings:');
    expect(out).toContain('https://news.example.com/unsubscribe/');
    expect(out).toContain('?topic=nev'); // stop link of one topic
    // The precompiled form gives the same output, for every variant and both parts.
    const values = recipientLinks('https://news.example.com', tokens, 7, ['ai', 'nev', 'telecom']);
    for (const variant of variants.values()) {
      expect(compilePersonalizer(variant.html, 'html')(values)).toBe(personalize(variant.html, values, 'html'));
      expect(compilePersonalizer(variant.text, 'text')(values)).toBe(personalize(variant.text, values, 'text'));
    }
    const withQuote = personalize('<a href="[[tidings:unsubscribe_url]]">', { unsubscribe_url: 'https://x/"><script>' }, 'html');
    expect(withQuote).toBe('<a href="https://x/&quot;&gt;&lt;script&gt;">');
  });
});
