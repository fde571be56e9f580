import { InvalidDocumentError, validateDocument } from '../src/issues/document';
import { Renderer } from '../src/rendering/renderer';
import { loadTemplates } from '../src/rendering/templates';
import { decodeEntities } from './helpers/entities';

const TOPICS = [
  { slug: 'telecom', name: 'Telecom & security' },
  { slug: 'ai', name: 'Artificial intelligence' },
  { slug: 'nev', name: 'New energy vehicles' },
];
const SLUGS = TOPICS.map((t) => t.slug);
const NASTY = `<script>alert("x")</script> & 'single' "double" 中文标题 🚗⚡`;


describe('escaping of editor text', () => {
  const renderer = new Renderer(loadTemplates(), TOPICS, 'Postal <b>address</b> & co');
  const doc = validateDocument(
    {
      slug: 'escaping',
      title: `Title ${NASTY}`,
      intro: `Intro ${NASTY} <img src=x onerror=alert(1)>`,
      highlights: { ai: `Highlight ${NASTY}` },
      sections: [
        {
          title: `Section ${NASTY}`,
          items: [
            {
              title: `Item ${NASTY}`,
              topics: ['ai'],
              body: `Body ${NASTY}\n\n[click](javascript:alert(1)) [ok](https://example.com/?a=1&b="2") <a href="https://evil">raw</a>`,
              links: [{ label: `Link ${NASTY}`, url: 'https://example.com/x?y=1&z=2' }],
            },
          ],
        },
      ],
    },
    SLUGS,
  );

  it('never lets markup run in the HTML part, and keeps the text intact', async () => {
    const v = await renderer.render(doc, ['ai']);
    expect(v.html).not.toMatch(/<script/i);
    expect(v.html).not.toMatch(/<img/i);
    expect(v.html).not.toMatch(/href="javascript:/i);
    expect(v.html).not.toContain('href="https://evil"');
    expect(v.html).not.toMatch(/<[^>]*onerror/); // only as escaped text
    expect(v.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(v.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(v.html).toContain('Postal &lt;b&gt;address&lt;/b&gt; &amp; co');
    // Non-ASCII travels as entities and decodes back to exactly what the editor wrote.
    expect(/^[\t\n\x20-\x7e]*$/.test(v.html)).toBe(true);
    const decoded = decodeEntities(v.html);
    for (const part of [`Title ${NASTY}`, `1. Item ${NASTY}`, `Section ${NASTY}`, `Highlight ${NASTY}`, `Link ${NASTY}`]) {
      expect(decoded).toContain(part);
    }
    expect(v.html).toContain('href="https://example.com/?a=1&amp;b=%222%22"');
    expect(v.html).toContain('href="https://example.com/x?y=1&amp;z=2"');
    expect(v.html).toContain('<title>Title &lt;script&gt;');
  });

  it('keeps the plain-text part verbatim (it is not HTML)', async () => {
    const v = await renderer.render(doc, ['ai']);
    expect(v.text).toContain(`1. Item ${NASTY}`);
    expect(v.text).toContain(`Title ${NASTY}`);
    expect(v.text.replace(/\s+/g, ' ')).toContain('Link ' + NASTY + ': https://example.com/x?y=1&z=2');
    expect(v.text).toContain('[click](javascript:alert(1))'); // an unsafe link stays visible text
    expect(v.text).not.toContain('&amp;');
    expect(v.subject).toBe(`Title ${NASTY}`);
  });

  it('leaves readers with nothing for them without an email', async () => {
    const v = await renderer.render(doc, ['nev']);
    expect(v).toMatchObject({ empty: true, html: '', text: '', itemCount: 0 });
  });
});

describe('document validation', () => {
  const base = { slug: 'ok', title: 'T', sections: [{ title: 'S', items: [{ title: 'I', topics: [] }] }] };

  it('names the field of every problem', () => {
    const bad = {
      slug: 'Bad Slug',
      title: '',
      highlights: { zz: 'x' },
      sections: [
        { title: 'S', items: [{ title: 'ok', topics: [] }] },
        { title: 'S2', items: [{ title: 'a', topics: [] }, { title: 'b', topics: [] }, { title: 'c', topics: [] }, { title: 'd', topics: ['ai', 'zz'], date: '2024-02-30', links: [{ label: 'x', url: 'javascript:alert(1)' }], extra: 1 }] },
      ],
    };
    let err: InvalidDocumentError | undefined;
    try {
      validateDocument(bad, SLUGS);
    } catch (e) {
      err = e as InvalidDocumentError;
    }
    expect(err).toBeInstanceOf(InvalidDocumentError);
    const fields = err!.problems.map((p) => `${p.field}: ${p.message}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^slug: /),
        'title: must not be empty',
        'highlights.zz: unknown topic "zz"',
        'sections[1].items[3].topics[1]: unknown topic "zz"',
        'sections[1].items[3].date: must be a date like 2024-05-29',
        'sections[1].items[3].links[0].url: must be an http, https or mailto URL',
        'sections[1].items[3].extra: unknown field',
      ]),
    );
    expect(err!.toJSON().error.field).toBe('slug');
    expect(err!.status).toBe(422);
  });

  it('bounds sizes', () => {
    expect(() => validateDocument({ ...base, title: 'x'.repeat(201) }, SLUGS)).toThrow(/title: must be at most 200/);
    const many = { ...base, sections: [{ title: 'S', items: Array.from({ length: 101 }, () => ({ title: 'i', topics: [] })) }] };
    expect(() => validateDocument(many, SLUGS)).toThrow(/sections\[0\]\.items: must be a list of 1 to 100/);
    expect(() => validateDocument({ ...base, title: 'two\nlines' }, SLUGS)).toThrow(/title: must be a single line/);
  });
});
