/**
 * Click tokens and link rewriting without a server: a token round-trips and is compact; the bitmask
 * maps topic sets both ways; Markdown links are rewritten in HTML and text alike (a bare address
 * replaced by its counted one), mailto links never; rendering without an issue id rewrites nothing.
 */
import { ClickTokens, maskTopics, topicMask } from '../src/clicks/tokens';
import { clickRewriter, linkTable } from '../src/rendering/click-links';
import { markdownToHtml, markdownToText } from '../src/rendering/markdown';

const tokens = new ClickTokens(['a-secret-key-for-click-tokens-0123456789']);
const ORDER = ['telecom', 'ai', 'nev'];

test('a token round-trips, is compact, and verifies only under its key', () => {
  const ref = { issueId: 123456, part: 'item' as const, index: 149, link: 9, mask: 7 };
  const t = tokens.sign(ref);
  expect(t.length).toBeLessThanOrEqual(48);
  expect(tokens.verify(t)).toEqual(ref);
  expect(new ClickTokens(['another-key-0123456789abcdef0123456789']).verify(t)).toBeNull();
  expect(new ClickTokens(['another-key-0123456789abcdef0123456789', 'a-secret-key-for-click-tokens-0123456789']).verify(t)).toEqual(ref);
});

test('topic-set masks over the topic order', () => {
  expect(topicMask(ORDER, ['nev', 'ai'])).toBe(6);
  expect(maskTopics(ORDER, 6)).toBe('ai,nev');
  expect(maskTopics(ORDER, 1)).toBe('telecom');
});

test('Markdown links are rewritten in HTML and text; mailto stays', () => {
  const body = 'See [the notice](https://example.org/n), <https://example.org/bare> and [us](mailto:a@example.org).';
  const doc = { slug: 's', title: 'T', sections: [{ title: 'S', items: [{ title: 'I', topics: [], body, links: [{ label: 'Notice', url: 'https://example.org/n' }] }] }] };
  expect(linkTable(doc).items).toEqual([['https://example.org/n', 'https://example.org/bare']]);
  const rw = clickRewriter({ tokens, publicUrl: 'https://news.example' }, 5, doc, ORDER, ['ai']);
  const html = markdownToHtml(body, (u) => rw.item(0, u));
  const text = markdownToText(body, (u) => rw.item(0, u));
  // HTML: every web href is counted (an autolink's text still shows where it leads); text: the
  // counted address stands where the address was.
  expect(html).not.toContain('href="https://example.org/');
  expect(html).toContain('>https://example.org/bare</a>');
  expect(text).not.toContain('https://example.org/');
  expect(html).toContain('href="mailto:a@example.org"');
  expect(text).toContain('us (a@example.org)');
  for (const out of [html, text]) expect(out.match(/https:\/\/news\.example\/l\/[\w.-]+/g)).toHaveLength(2);
  const [first] = html.match(/https:\/\/news\.example\/l\/([\w.-]+)/)!.slice(1);
  expect(tokens.verify(first!)).toEqual({ issueId: 5, part: 'item', index: 0, link: 0, mask: 2 });
  // The item's link list points at the same target: the same token.
  expect(rw.item(0, 'https://example.org/n')).toBe(`https://news.example/l/${first}`);
  expect(clickRewriter(undefined, 5, doc, ORDER, ['ai']).item(0, 'https://example.org/n')).toBe('https://example.org/n');
});
