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
import type { IssueDocument, IssueItem, IssueSection } from './document';
import type { ItemSuggestion } from './service';
import type { TopicSuggester } from './suggest';

export interface ImportResult {
  document: IssueDocument;
  suggestions: ItemSuggestion[];
}

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
};
const ITEM = /^(\d{1,3})\.\s+(.+?)(?:\s*\((\d{1,2})\s+([A-Za-z]{3,9})\.?(?:\s+(\d{4}))?\))?\s*$/;
const BULLET = /^[•*\-–·]\s*(.+)$/;
const HIGHLIGHTS_HEADING = /^key highlights:?$/i;
/** Where the newsletter ends and the web page around it begins. */
const FURNITURE_START = /^(latest insights|more insights|related insights|related articles|share this|subscribe)$/i;
const FURNITURE_LINE = /^(read more|more insights)$/i;
const BLURB = /\bsubscri(be|bing|ption)\b|\bnewsletters?\b.*\bcontact\b|\[email\s*protected\]|^follow the links below/i;

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
  const end = all.findIndex((l) => FURNITURE_START.test(l.trim()));
  const lines = (end >= 0 ? all.slice(0, end) : all).filter((l) => !FURNITURE_LINE.test(l.trim()));

  const titleAt = lines.findIndex((l) => l.trim());
  if (titleAt < 0) throw new ValidationError('The text is empty.', 'body');
  const title = lines[titleAt]!.trim();
  const yearMatch = /\b(19|20)\d{2}\b/.exec(title);
  const year = yearMatch ? Number(yearMatch[0]) : new Date().getUTCFullYear();

  // A section heading is a short line, not an item, whose next non-blank line is an item.
  const nextNonBlank = (i: number) => lines.slice(i + 1).find((l) => l.trim())?.trim() ?? '';
  const isHeading = (i: number) => {
    const l = lines[i]!.trim();
    return !!l && l.length <= 80 && !ITEM.test(l) && !/[.:;,]$/.test(l) && ITEM.test(nextNonBlank(i));
  };

  const introLines: string[] = [];
  const highlightLines: string[] = [];
  const sections: IssueSection[] = [];
  let zone: 'intro' | 'highlights' | 'body' = 'intro';
  let section: IssueSection | undefined;
  let item: { item: IssueItem; lines: string[] } | undefined;
  const items: { section: number; index: number; item: IssueItem; lines: string[] }[] = [];

  for (let i = titleAt + 1; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (HIGHLIGHTS_HEADING.test(l)) {
      zone = 'highlights';
      continue;
    }
    if (isHeading(i)) {
      zone = 'body';
      section = { title: l, items: [] };
      sections.push(section);
      item = undefined;
      continue;
    }
    const m = zone === 'body' && section ? ITEM.exec(l) : null;
    if (m && section) {
      const date = m[3] && m[4] ? isoDate(m[3], m[4], m[5] ? Number(m[5]) : year) : undefined;
      const it: IssueItem = { title: m[2]!.trim(), topics: [], ...(date ? { date } : {}) };
      section.items.push(it);
      item = { item: it, lines: [] };
      items.push({ section: sections.length - 1, index: section.items.length - 1, ...item });
      continue;
    }
    if (zone === 'intro') introLines.push(lines[i]!);
    else if (zone === 'highlights') highlightLines.push(lines[i]!);
    else if (item) item.lines.push(lines[i]!);
  }
  if (!sections.length) throw new ValidationError('No sections with numbered items ("1. Title (29 May)") were found.', 'body');

  const intro = paragraphs(introLines).filter((p) => !BLURB.test(p));
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
    const paras = paragraphs(it.lines).filter((p) => !/\[email\s*protected\]/i.test(p));
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
