/**
 * Imports a plain-text newsletter copied from a law firm's web bulletin, laid out like
 * tests/fixtures/tmt-bulletin-may-june-2024.txt:
 *
 *   <title, with the year>                 → title (and the year of every item date)
 *   <intro paragraphs>                     → intro (subscription blurbs dropped)
 *   Key Highlights                         → highlights: "• Telecom Security: …" bullets, labels
 *     • <Label>: <text>                       mapped to topics by the keyword model's highlightLabels
 *   <Section heading>                      → a section: a short line followed by a numbered item
 *   N. <item title> (29 May)               → an item dated <year>-05-29; paragraphs below are its body
 *   Latest insights / More Insights / …    → web-page furniture: everything from here on is dropped
 *
 * Item topics are not in the text: each item gets the keyword model's suggestion.
 */
import { ValidationError } from '../errors';
import { assertSizeWithinLimits, type IssueDocument, type IssueItem, type IssueSection, type ItemSuggestion } from './document';
import type { TopicSuggester } from './suggest';
import { numberedItem } from './line-scan';

export interface ImportResult {
  document: IssueDocument;
  suggestions: ItemSuggestion[];
}

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
};
const BULLET = /^[•*\-–·]\s*(.+)$/;
const HIGHLIGHTS_HEADING = /^key highlights:?$/i;
/** Where the newsletter ends and the web page around it begins. */
const FURNITURE_START = /^(latest insights|more insights|related insights|related articles|share this|subscribe)$/i;
const FURNITURE_LINE = /^(read more|more insights)$/i;
const BLURB = /\bsubscri(be|bing|ption)\b|\[email\s*protected\]|^follow the links below/i;
const NEWSLETTER = /\bnewsletters?\b/gi;
const CONTACT = /\bcontact\b/gi;

/**
 * A subscription blurb ("… our newsletters … contact us"). "newsletter … contact" used to be one
 * `\bnewsletters?\b.*\bcontact\b`, quadratic in a paragraph full of "newsletter": each one
 * rescanned the rest. Here the first "newsletter" is found once and "contact" searched after it,
 * in the same line (`.` never crossed a line terminator).
 */
export function isBlurb(p: string): boolean {
  if (BLURB.test(p)) return true;
  return p.split(/[\n\r\u2028\u2029]/).some((line) => {
    NEWSLETTER.lastIndex = 0;
    if (!NEWSLETTER.exec(line)) return false;
    // lastIndex, not a slice, so that \b still sees the character before "contact".
    CONTACT.lastIndex = NEWSLETTER.lastIndex;
    return CONTACT.test(line);
  });
}

export function slugify(s: string): string {
  return (
    s
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 100)
      .replace(/-+$/, '') || 'issue'
  );
}

/** "29", "May", 2024 → "2024-05-29" (undefined when not a real date). */
export function isoDate(day: string, month: string, year: number): string | undefined {
  const m = MONTHS[month.toLowerCase().slice(0, month.length > 4 ? 3 : month.length)] ?? MONTHS[month.toLowerCase().slice(0, 3)];
  const d = Number(day);
  if (!m || d < 1 || d > 31) return undefined;
  const date = new Date(Date.UTC(year, m - 1, d));
  if (date.getUTCMonth() !== m - 1) return undefined;
  return date.toISOString().slice(0, 10);
}

function paragraphs(lines: string[]): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const l of lines) {
    if (l.trim()) cur.push(l.trim());
    else if (cur.length) {
      out.push(cur.join(' '));
      cur = [];
    }
  }
  if (cur.length) out.push(cur.join(' '));
  return out;
}

/** Markdown-significant characters at the start of a paragraph would change its meaning. */
function asMarkdownParagraph(p: string): string {
  return p.replace(/[\\`*_[\]<>]/g, '\\$&').replace(/^(#+|\d+\.|[-+=]{1,})(\s)/, (m) => '\\' + m);
}

export function importPlainText(
  source: string,
  suggester: TopicSuggester,
  topicNames: ReadonlyMap<string, string>,
  opts: { slug?: string } = {},
): ImportResult {
  const all = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  // Every line is trimmed once; `lines` keeps the raw text that paragraphs are made of. (Array
  // built-ins, not a push per line: a body of 250,000 short lines is read in tens of milliseconds.)
  const allTrimmed = all.map((l) => l.trim());
  const end = allTrimmed.findIndex((l) => FURNITURE_START.test(l));
  let lines = end >= 0 ? all.slice(0, end) : all;
  let trimmed = end >= 0 ? allTrimmed.slice(0, end) : allTrimmed;
  if (trimmed.some((l) => FURNITURE_LINE.test(l))) {
    const keep = trimmed.map((l) => !FURNITURE_LINE.test(l));
    lines = lines.filter((_, i) => keep[i]);
    trimmed = trimmed.filter((_, i) => keep[i]);
  }

  const titleAt = trimmed.findIndex((l) => l);
  if (titleAt < 0) throw new ValidationError('The text is empty.', 'body');
  const title = trimmed[titleAt]!;
  const yearMatch = /\b(19|20)\d{2}\b/.exec(title);
  const year = yearMatch ? Number(yearMatch[0]) : new Date().getUTCFullYear();

  // A section heading is a short line, not an item, whose next non-blank line is an item. The next
  // non-blank line is looked up in a table built once from the end: searching forward from every
  // line was quadratic in a file of many short lines.
  const nextNonBlank: string[] = new Array<string>(lines.length);
  for (let i = lines.length - 1, next = ''; i >= 0; i--) {
    nextNonBlank[i] = next;
    if (trimmed[i]) next = trimmed[i]!;
  }
  const isHeading = (i: number) => {
    const l = trimmed[i]!;
    return !!l && l.length <= 80 && !numberedItem(l) && !/[.:;,]$/.test(l) && !!numberedItem(nextNonBlank[i]!);
  };

  // Which zone each free-text line belongs to; an item's body is the run of lines after it.
  // (Marks and ranges instead of a push per line: see above.)
  const INTRO = 1;
  const HIGHLIGHTS = 2;
  const zoneOf = new Uint8Array(lines.length);
  const sections: IssueSection[] = [];
  let zone: 'intro' | 'highlights' | 'body' = 'intro';
  let section: IssueSection | undefined;
  type Entry = { section: number; index: number; item: IssueItem; from: number; to: number };
  let item: Entry | undefined;
  const items: Entry[] = [];

  for (let i = titleAt + 1; i < lines.length; i++) {
    const l = trimmed[i]!;
    if (HIGHLIGHTS_HEADING.test(l)) {
      zone = 'highlights';
      continue;
    }
    if (isHeading(i)) {
      zone = 'body';
      section = { title: l, items: [] };
      sections.push(section);
      assertSizeWithinLimits(sections.length, items.length);
      item = undefined;
      continue;
    }
    const m = zone === 'body' && section ? numberedItem(l) : undefined;
    if (m && section) {
      const date = m.day && m.month ? isoDate(m.day, m.month, m.year ? Number(m.year) : year) : undefined;
      const it: IssueItem = { title: m.title.trim(), topics: [], ...(date ? { date } : {}) };
      section.items.push(it);
      item = { section: sections.length - 1, index: section.items.length - 1, item: it, from: i + 1, to: i + 1 };
      items.push(item);
      assertSizeWithinLimits(sections.length, items.length);
      continue;
    }
    if (zone === 'intro') zoneOf[i] = INTRO;
    else if (zone === 'highlights') zoneOf[i] = HIGHLIGHTS;
    // Contiguous: the run ends at the next item, heading or highlights heading, and never resumes.
    else if (item) item.to = i + 1;
  }
  if (!sections.length) throw new ValidationError('No sections with numbered items ("1. Title (29 May)") were found.', 'body');

  const introLines = lines.filter((_, i) => zoneOf[i] === INTRO);
  const highlightLines = lines.filter((_, i) => zoneOf[i] === HIGHLIGHTS);
  const intro = paragraphs(introLines).filter((p) => !isBlurb(p));
  const highlights: Record<string, string> = {};
  // Bullets follow each other without blank lines; each bullet line starts a new entry.
  const entries = highlightLines.reduce<string[][]>((acc, l) => {
    if (BULLET.test(l.trim()) || !acc.length) acc.push([]);
    acc[acc.length - 1]!.push(l);
    return acc;
  }, []);
  for (const p of entries.flatMap(paragraphs)) {
    const bullet = BULLET.exec(p);
    const m = bullet ? /^([^:]{1,60}):\s*(.+)$/.exec(bullet[1]!) : null;
    const topic = m ? suggester.topicForLabel(m[1]!, topicNames) : undefined;
    if (topic && m) highlights[topic] = asMarkdownParagraph(m[2]!.trim());
  }

  const suggestions: ItemSuggestion[] = [];
  for (const it of items) {
    // Only scraping debris is dropped from bodies: an item may well be about subscriptions.
    const paras = paragraphs(lines.slice(it.from, it.to)).filter((p) => !/\[email\s*protected\]/i.test(p));
    if (paras.length) it.item.body = paras.map(asMarkdownParagraph).join('\n\n');
    const s = suggester.suggest(it.item.title, paras.join('\n'));
    it.item.topics = s.topics;
    suggestions.push({ section: it.section, item: it.index, title: it.item.title, topics: s.topics, matched: s.matched });
  }

  const document: IssueDocument = {
    slug: opts.slug ?? slugify(title),
    title,
    ...(intro.length ? { intro: intro.map(asMarkdownParagraph).join('\n\n') } : {}),
    ...(Object.keys(highlights).length ? { highlights } : {}),
    sections,
  };
  return { document, suggestions };
}
