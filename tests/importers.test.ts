import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateDocument, type IssueDocument } from '../src/issues/document';
import { importMarkdown, toMarkdown } from '../src/issues/import-markdown';
import { importPlainText } from '../src/issues/import-text';
import { TopicSuggester } from '../src/issues/suggest';
import { sampleIssueFiles } from '../src/issues/sample';

const SLUGS = ['telecom', 'ai', 'nev'];
// A bulletin written for these tests in the layout of a law firm's newsletter copied from its web page.
const BULLETIN = path.resolve(__dirname, 'fixtures/tmt-bulletin-may-june-2024.txt');
const suggester = new TopicSuggester(undefined, SLUGS);

function importBulletin() {
  return importPlainText(readFileSync(BULLETIN, 'utf8'), suggester, new Map());
}

function findItem(doc: IssueDocument, needle: RegExp) {
  const found = doc.sections.flatMap((s) => s.items).filter((i) => needle.test(i.title));
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('plain-text import of a law-firm bulletin', () => {
  const { document, suggestions } = importBulletin();

  it('finds 27 items in 3 sections (8 / 6 / 13), all dated 2024', () => {
    expect(document.sections.map((s) => s.title)).toEqual(['Legislative Developments', 'Enforcement Developments', 'Industry Developments']);
    expect(document.sections.map((s) => s.items.length)).toEqual([8, 6, 13]);
    const items = document.sections.flatMap((s) => s.items);
    expect(items).toHaveLength(27);
    for (const item of items) expect(item.date).toMatch(/^2024-(05|06)-\d{2}$/);
    expect(items[0]!.date).toBe('2024-05-29');
    expect(items[0]!.title).toBe('Telecom regulator set rules for licensing satellite ground stations and the spectrum they use');
    expect(items[26]!.date).toBe('2024-06-11');
  });

  it('maps the Key Highlights bullets to the three topics', () => {
    expect(Object.keys(document.highlights ?? {}).sort()).toEqual(['ai', 'nev', 'telecom']);
    expect(document.highlights!.telecom).toMatch(/^Rules for satellite ground stations arrived/);
    expect(document.highlights!.nev).toMatch(/EV/);
  });

  it('drops the web-page furniture and the subscription blurb', () => {
    const all = JSON.stringify(document);
    for (const junk of ['Latest insights', 'Read More', 'More Insights', 'Patent Court Watch', 'Jul 15 2024', 'email protected', 'To subscribe to our bulletins']) {
      expect(all).not.toContain(junk);
    }
    expect(document.intro).toMatch(/^This bulletin sums up two months/);
    const last = document.sections[2]!.items[12]!;
    expect(last.body).toMatch(/a fund that trains young designers\.$/);
  });

  it('suggests sensible topics from the keyword model', () => {
    expect(findItem(document, /wireless charging of electric vehicles/).topics).toEqual(['nev']);
    expect(findItem(document, /deep synthesis algorithm filings/).topics).toEqual(['ai']);
    expect(findItem(document, /fake base stations/).topics).toEqual(['telecom']);
    expect(findItem(document, /universities register research results/).topics).toEqual([]);
    expect(findItem(document, /robotaxi services by autonomous vehicles/).topics).toEqual(['nev']);
    expect(findItem(document, /their pictures in AI model training/).topics).toEqual(['ai']);
    expect(suggestions).toHaveLength(27);
    const ev = suggestions.find((s) => /wireless charging/.test(s.title))!;
    expect(ev.matched).toEqual(expect.arrayContaining(['charging']));
  });

  it('produces a valid document', () => {
    expect(() => validateDocument(document, SLUGS)).not.toThrow();
  });
});

describe('Markdown format', () => {
  it('round-trips the bulletin import: document → Markdown → the same document', () => {
    const doc = validateDocument(importBulletin().document, SLUGS);
    const again = importMarkdown(toMarkdown(doc), suggester);
    expect(again.suggestions).toEqual([]); // every item carries its Topics line
    expect(validateDocument(again.document, SLUGS)).toEqual(doc);
  });

  it('round-trips a document with links, general items and awkward text', () => {
    const doc = validateDocument(
      {
        slug: 'awkward',
        title: 'Title: with "quotes" & 中文 🎉',
        subject: 'Subject #1',
        intro: 'Intro with **bold**.',
        highlights: { ai: 'Multi\nline *highlight*.' },
        sections: [
          {
            title: 'One',
            items: [
              { title: 'General [item] (no date)', topics: [], body: 'Para 1\n\n- a\n- b' },
              { title: 'Dated', date: '2024-02-29', topics: ['nev', 'ai'], links: [{ label: 'A [label]', url: 'https://example.com/a_(b)?c=1&d=2' }, { label: 'Mail', url: 'mailto:x@example.com' }] },
            ],
          },
        ],
      },
      SLUGS,
    );
    expect(validateDocument(importMarkdown(toMarkdown(doc), suggester).document, SLUGS)).toEqual(doc);
  });

  it('reads dates from headings (year from the front matter) and suggests topics when Topics is missing', () => {
    const md = `---\ntitle: Test\ndate: 2023-01-10\n---\n\n## News\n\n### Charging rules for electric vehicles (3 March)\n\nBody.\n\n### Second (2024-01-02)\nTopics: #ai #telecom\n`;
    const { document, suggestions } = importMarkdown(md, suggester);
    expect(document.slug).toBe('test');
    const [a, b] = document.sections[0]!.items;
    expect(a).toMatchObject({ title: 'Charging rules for electric vehicles', date: '2023-03-03', topics: ['nev'] });
    expect(b).toMatchObject({ title: 'Second', date: '2024-01-02', topics: ['ai', 'telecom'] });
    expect(suggestions).toEqual([expect.objectContaining({ section: 0, item: 0, topics: ['nev'] })]);
  });

  it('the sample issue in emails/issues is valid and has 27 items in 8 / 6 / 13', () => {
    const files = sampleIssueFiles();
    expect(files.length).toBeGreaterThanOrEqual(1);
    const { document, suggestions } = importMarkdown(readFileSync(files[0]!, 'utf8'), suggester);
    const doc = validateDocument(document, SLUGS);
    expect(suggestions).toEqual([]);
    expect(doc.slug).toBe('2024-05-06-china-tmt');
    expect(doc.sections.map((s) => s.items.length)).toEqual([8, 6, 13]);
    expect(Object.keys(doc.highlights!)).toEqual(SLUGS);
    expect(validateDocument(importMarkdown(toMarkdown(doc), suggester).document, SLUGS)).toEqual(doc);
  });
});
