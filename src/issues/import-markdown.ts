/**
 * The Markdown issue format (docs/authoring.md), both ways:
 *
 *   ---                                  YAML front matter: slug, title, subject?, date?, highlights?
 *   slug: 2024-05-06-china-tmt
 *   title: "China TMT: May & June 2024"
 *   highlights: {telecom: "…", ai: "…"}
 *   ---
 *   Intro paragraphs (optional).
 *   ## Section title
 *   ### Item title (29 May)             date in the heading (year from `date` or the title) …
 *   Date: 2024-05-29                     … or as a field; fields directly under the heading
 *   Topics: [telecom, ai]                tag list; `none` = general news; no line = suggested
 *   Link: [Official notice](https://…)   repeatable
 *
 *   Body in Markdown.
 *
 * toMarkdown() writes a document back in this format; importing the result gives the same items.
 */
import { JSON_SCHEMA, dump, load } from 'js-yaml';
import { ValidationError } from '../errors';
import { assertSizeWithinLimits, type IssueDocument, type IssueItem, type IssueLink, type ItemSuggestion } from './document';
import type { ImportResult } from './import-text';
import { isoDate, slugify } from './import-text';
import { atxHeading, trailingDate } from './line-scan';
import type { TopicSuggester } from './suggest';

const FRONT_MATTER = /^---[ \t]*\n([\s\S]*?)\n---[ \t]*(?:\n|$)/;
/**
 * Front matter holds a few short fields (the longest, intro and highlights, are 2,000 characters
 * each), so 64 KB is generous; the cap keeps the YAML parser's work small whatever the body size.
 */
export const FRONT_MATTER_LIMIT = 64 * 1024;
const FIELD = /^(date|topics|links?)\s*:\s*(.*)$/i;
const LINK = /^\[((?:\\.|[^\]\\])*)\]\((?:<([^>]*)>|(\S+?))\)$/;

export function looksLikeMarkdown(source: string): boolean {
  return FRONT_MATTER.test(source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')) || /^##\s/m.test(source);
}

function parseTopics(v: string): string[] {
  const s = v.trim().replace(/^\[|\]$/g, '').trim();
  if (!s || /^(none|general|-)$/i.test(s)) return [];
  return s.split(/[\s,]+/).map((t) => t.replace(/^#/, '').trim().toLowerCase()).filter(Boolean);
}

function parseLink(v: string, line: number): IssueLink {
  const s = v.trim();
  const m = LINK.exec(s);
  if (m) return { label: m[1]!.replace(/\\(.)/g, '$1'), url: (m[2] ?? m[3]!).trim() };
  if (/^\S+$/.test(s)) return { label: s.replace(/^mailto:/, ''), url: s };
  throw new ValidationError(`line ${line}: a link is "[label](https://…)" or a bare URL`, 'body');
}

export function importMarkdown(
  source: string,
  suggester: TopicSuggester,
  opts: { slug?: string } = {},
): ImportResult {
  const text = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const fm = FRONT_MATTER.exec(text);
  let meta: Record<string, unknown> = {};
  if (fm) {
    if (fm[1]!.length > FRONT_MATTER_LIMIT) {
      throw new ValidationError(`front matter must be at most ${FRONT_MATTER_LIMIT / 1024} KB`, 'front_matter');
    }
    let parsed: unknown;
    try {
      parsed = load(fm[1]!, { schema: JSON_SCHEMA });
    } catch (err) {
      throw new ValidationError(`front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`, 'front_matter');
    }
    if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new ValidationError('front matter must be a YAML mapping (key: value lines)', 'front_matter');
    }
    meta = (parsed ?? {}) as Record<string, unknown>;
  }
  const known = ['slug', 'title', 'subject', 'date', 'intro', 'highlights'];
  const unknownKey = Object.keys(meta).find((k) => !known.includes(k));
  if (unknownKey) throw new ValidationError(`front matter: unknown field "${unknownKey}"`, unknownKey);

  const title = typeof meta.title === 'string' ? meta.title : '';
  const yearSource = typeof meta.date === 'string' ? meta.date : title;
  const year = Number(/\b(19|20)\d{2}\b/.exec(yearSource)?.[0] ?? new Date().getUTCFullYear());

  const lines = (fm ? text.slice(fm[0].length) : text).split('\n');
  const offset = fm ? fm[0].split('\n').length - 1 : 0;
  const intro: string[] = [];
  type Draft = { title: string; date?: string; topics: string[]; explicitTopics: boolean; links?: IssueLink[]; lines: string[] };
  const sections: { title: string; items: Draft[] }[] = [];
  let body: string[] = intro;
  let fields = false;
  let itemCount = 0;

  lines.forEach((line, i) => {
    // Headings are read by a linear scan (src/issues/line-scan.ts), never by a backtracking regex.
    const h3 = atxHeading(line, 3);
    const h2 = h3 === undefined && !line.startsWith('###') ? atxHeading(line, 2) : undefined;
    if (h2 !== undefined) {
      sections.push({ title: h2, items: [] });
      assertSizeWithinLimits(sections.length, itemCount);
      body = [];
      fields = false;
      return;
    }
    if (h3 !== undefined) {
      const section = sections[sections.length - 1];
      if (!section) throw new ValidationError(`line ${i + 1 + offset}: an item (###) comes before any section (##)`, 'body');
      let itemTitle = h3;
      let date: string | undefined;
      const d = trailingDate(itemTitle, { iso: true });
      if (d) {
        date = d.iso ?? isoDate(d.day!, d.month!, d.year ? Number(d.year) : year);
        if (date) itemTitle = itemTitle.slice(0, d.start);
      }
      body = [];
      section.items.push({ title: itemTitle, topics: [], explicitTopics: false, ...(date ? { date } : {}), lines: body });
      assertSizeWithinLimits(sections.length, ++itemCount);
      fields = true;
      return;
    }
    const item = sections[sections.length - 1]?.items.at(-1);
    const f = fields && item ? FIELD.exec(line) : null;
    if (f && item) {
      const key = f[1]!.toLowerCase();
      if (key === 'date') item.date = f[2]!.trim();
      else if (key === 'topics') {
        item.topics = parseTopics(f[2]!);
        item.explicitTopics = true;
      } else (item.links ??= []).push(parseLink(f[2]!, i + 1 + offset));
      return;
    }
    fields = false;
    body.push(line);
  });

  const suggestions: ItemSuggestion[] = [];
  const doc: IssueDocument = {
    slug: opts.slug ?? (typeof meta.slug === 'string' ? meta.slug : slugify(title)),
    title,
    ...(typeof meta.subject === 'string' ? { subject: meta.subject } : {}),
    ...(typeof meta.intro === 'string' || intro.join('\n').trim() ? { intro: [meta.intro ?? '', intro.join('\n')].join('\n\n').trim() } : {}),
    ...(meta.highlights !== undefined ? { highlights: meta.highlights as Record<string, string> } : {}),
    sections: sections.map((s, si) => ({
      title: s.title,
      items: s.items.map((it, ii) => {
        const bodyText = it.lines.join('\n').trim();
        const out: IssueItem = { title: it.title, ...(it.date ? { date: it.date } : {}), topics: it.topics };
        if (bodyText) out.body = bodyText;
        if (it.links) out.links = it.links;
        if (!it.explicitTopics) {
          const s = suggester.suggest(it.title, bodyText);
          out.topics = s.topics;
          suggestions.push({ section: si, item: ii, title: it.title, topics: s.topics, matched: s.matched });
        }
        return out;
      }),
    })),
  };
  return { document: doc, suggestions };
}

/** Escapes a link label for `[label](url)`. */
const linkLabel = (s: string) => s.replace(/([\\[\]])/g, '\\$1');

export function toMarkdown(doc: IssueDocument): string {
  const front: Record<string, unknown> = { slug: doc.slug, title: doc.title };
  if (doc.subject) front.subject = doc.subject;
  if (doc.highlights) front.highlights = doc.highlights;
  const out = ['---', dump(front, { lineWidth: 100 }).trimEnd(), '---', ''];
  if (doc.intro) out.push(doc.intro, '');
  for (const s of doc.sections) {
    out.push(`## ${s.title}`, '');
    for (const it of s.items) {
      out.push(`### ${it.title}`);
      if (it.date) out.push(`Date: ${it.date}`);
      out.push(`Topics: ${it.topics.length ? `[${it.topics.join(', ')}]` : 'none'}`);
      for (const l of it.links ?? []) out.push(`Link: [${linkLabel(l.label)}](<${l.url}>)`);
      out.push('');
      if (it.body) out.push(it.body, '');
    }
  }
  return out.join('\n');
}
