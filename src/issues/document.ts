/**
 * The issue document (contract: "Issue document") and its validation. Every problem is reported with
 * the path of the field to blame, e.g. `sections[1].items[3].topics[0]: unknown topic "zz"`, and all
 * problems are collected at once so an editor fixes a document in one round trip.
 * Limits keep everything bounded: a document is rendered 7 times and mailed to every reader.
 */
import { ValidationError } from '../errors';

export interface IssueLink {
  label: string;
  url: string;
}

export interface IssueItem {
  title: string;
  /** ISO date `YYYY-MM-DD`. */
  date?: string;
  /** Topic slugs; `[]` means general news, for every reader. */
  topics: string[];
  /** Markdown (raw HTML is never rendered). */
  body?: string;
  links?: IssueLink[];
}

export interface IssueSection {
  title: string;
  items: IssueItem[];
}

export interface IssueDocument {
  slug: string;
  title: string;
  subject?: string;
  intro?: string;
  /** Topic slug → Markdown paragraph. */
  highlights?: Record<string, string>;
  sections: IssueSection[];
}

/** What an importer guessed for one item; kept beside the document until the editor edits it. */
export interface ItemSuggestion {
  section: number;
  item: number;
  title: string;
  topics: string[];
  /** The keywords that led to the suggestion, so an editor can see why. */
  matched: string[];
}

export const LIMITS = {
  title: 200,
  subject: 200,
  intro: 2000,
  highlight: 2000,
  sections: 20,
  sectionTitle: 120,
  itemsPerSection: 100,
  itemsTotal: 150,
  itemTitle: 300,
  body: 5000,
  links: 10,
  linkLabel: 200,
  url: 2000,
} as const;

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,99}$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
// Single-line fields end up in headers (subject) and in "N. Title" lines of the text part.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const SECTION_COUNT = `must hold 1 to ${LIMITS.sections} sections`;
const ITEM_COUNT = `must hold at most ${LIMITS.itemsTotal} items in all`;

export interface FieldProblem {
  field: string;
  message: string;
}

/** 422 naming the first problem's field; `errors` lists every problem found. */
export class InvalidDocumentError extends ValidationError {
  constructor(readonly problems: FieldProblem[]) {
    super(`${problems[0]!.field}: ${problems[0]!.message}`, problems[0]!.field, 'invalid_document');
  }

  override toJSON(): ReturnType<ValidationError['toJSON']> & { errors: FieldProblem[] } {
    return { ...super.toJSON(), errors: this.problems };
  }
}

export function isSafeUrl(url: string): boolean {
  try {
    return ['http:', 'https:', 'mailto:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

function isRealDate(v: string): boolean {
  const m = DATE_PATTERN.exec(v);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === v;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly problems: FieldProblem[] = [];

  fail(field: string, message: string): undefined {
    if (this.problems.length < 50) this.problems.push({ field, message });
    return undefined;
  }

  onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], at: string): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) this.fail(at ? `${at}.${key}` : key, 'unknown field');
    }
  }

  text(v: unknown, field: string, max: number, opts: { required?: boolean; multiline?: boolean } = {}): string | undefined {
    if (v === undefined || v === null) {
      return opts.required ? this.fail(field, 'is required') : undefined;
    }
    if (typeof v !== 'string') return this.fail(field, 'must be a string');
    const s = opts.multiline ? v.replace(/\r\n?/g, '\n').trim() : v.trim();
    if (!s) return opts.required ? this.fail(field, 'must not be empty') : undefined;
    if (s.length > max) return this.fail(field, `must be at most ${max} characters`);
    if ((opts.multiline ? CONTROL_EXCEPT_NEWLINE : CONTROL).test(s)) {
      return this.fail(field, opts.multiline ? 'must not contain control characters' : 'must be a single line of text');
    }
    return s;
  }
}

/**
 * Validates and normalises (trims strings, drops empty optionals) an untrusted document.
 * Throws InvalidDocumentError listing every problem.
 */
export function validateDocument(input: unknown, topicSlugs: readonly string[]): IssueDocument {
  const c = new Checker();
  if (!isObject(input)) throw new InvalidDocumentError([{ field: 'document', message: 'must be a JSON object' }]);
  c.onlyKeys(input, ['slug', 'title', 'subject', 'intro', 'highlights', 'sections'], '');

  const slug = c.text(input.slug, 'slug', 100, { required: true });
  if (slug !== undefined && !SLUG_PATTERN.test(slug)) {
    c.fail('slug', 'must be lowercase letters, digits and hyphens, starting with a letter or digit (at most 100)');
  }
  const doc: IssueDocument = {
    slug: slug ?? '',
    title: c.text(input.title, 'title', LIMITS.title, { required: true }) ?? '',
    sections: [],
  };
  const subject = c.text(input.subject, 'subject', LIMITS.subject);
  if (subject) doc.subject = subject;
  const intro = c.text(input.intro, 'intro', LIMITS.intro, { multiline: true });
  if (intro) doc.intro = intro;

  if (input.highlights !== undefined && input.highlights !== null) {
    if (!isObject(input.highlights)) {
      c.fail('highlights', 'must be an object of topic → text');
    } else {
      const highlights: Record<string, string> = {};
      for (const [topic, text] of Object.entries(input.highlights)) {
        if (!topicSlugs.includes(topic)) {
          c.fail(`highlights.${topic}`, `unknown topic "${topic}"`);
          continue;
        }
        const t = c.text(text, `highlights.${topic}`, LIMITS.highlight, { multiline: true });
        if (t) highlights[topic] = t;
      }
      // Stored in topic order so that equal documents hash equally.
      const ordered = Object.fromEntries(topicSlugs.filter((t) => highlights[t]).map((t) => [t, highlights[t]!]));
      if (Object.keys(ordered).length) doc.highlights = ordered;
    }
  }

  if (!Array.isArray(input.sections)) {
    c.fail('sections', 'must be a list of sections');
  } else if (input.sections.length === 0 || input.sections.length > LIMITS.sections) {
    c.fail('sections', SECTION_COUNT);
  } else {
    let total = 0;
    input.sections.forEach((raw: unknown, si: number) => {
      const at = `sections[${si}]`;
      if (!isObject(raw)) return c.fail(at, 'must be an object');
      c.onlyKeys(raw, ['title', 'items'], at);
      const section: IssueSection = { title: c.text(raw.title, `${at}.title`, LIMITS.sectionTitle, { required: true }) ?? '', items: [] };
      if (!Array.isArray(raw.items) || raw.items.length === 0 || raw.items.length > LIMITS.itemsPerSection) {
        c.fail(`${at}.items`, `must be a list of 1 to ${LIMITS.itemsPerSection} items`);
      } else {
        total += raw.items.length;
        raw.items.forEach((item: unknown, ii: number) => {
          const parsed = validateItem(c, item, `${at}.items[${ii}]`, topicSlugs);
          if (parsed) section.items.push(parsed);
        });
      }
      doc.sections.push(section);
    });
    if (total > LIMITS.itemsTotal) c.fail('sections', ITEM_COUNT);
  }

  if (c.problems.length) throw new InvalidDocumentError(c.problems);
  return doc;
}

function validateItem(c: Checker, raw: unknown, at: string, topicSlugs: readonly string[]): IssueItem | undefined {
  if (!isObject(raw)) return c.fail(at, 'must be an object');
  c.onlyKeys(raw, ['title', 'date', 'topics', 'body', 'links'], at);
  const item: IssueItem = { title: c.text(raw.title, `${at}.title`, LIMITS.itemTitle, { required: true }) ?? '', topics: [] };

  if (raw.date !== undefined && raw.date !== null && raw.date !== '') {
    if (typeof raw.date !== 'string' || !isRealDate(raw.date)) c.fail(`${at}.date`, 'must be a date like 2024-05-29');
    else item.date = raw.date;
  }

  if (!Array.isArray(raw.topics)) {
    c.fail(`${at}.topics`, 'must be a list of topics ([] for general news)');
  } else {
    raw.topics.forEach((t: unknown, ti: number) => {
      if (typeof t !== 'string' || !topicSlugs.includes(t)) c.fail(`${at}.topics[${ti}]`, `unknown topic ${JSON.stringify(t)}`);
      else if (item.topics.includes(t)) c.fail(`${at}.topics[${ti}]`, `duplicate topic "${t}"`);
      else item.topics.push(t);
    });
    item.topics.sort((a, b) => topicSlugs.indexOf(a) - topicSlugs.indexOf(b));
  }

  const body = c.text(raw.body, `${at}.body`, LIMITS.body, { multiline: true });
  if (body) item.body = body;

  if (raw.links !== undefined && raw.links !== null) {
    if (!Array.isArray(raw.links) || raw.links.length > LIMITS.links) {
      c.fail(`${at}.links`, `must be a list of at most ${LIMITS.links} links`);
    } else {
      const links: IssueLink[] = [];
      raw.links.forEach((link: unknown, li: number) => {
        const la = `${at}.links[${li}]`;
        if (!isObject(link)) return c.fail(la, 'must be an object {label, url}');
        c.onlyKeys(link, ['label', 'url'], la);
        const label = c.text(link.label, `${la}.label`, LIMITS.linkLabel, { required: true });
        const url = c.text(link.url, `${la}.url`, LIMITS.url, { required: true });
        if (url !== undefined && !isSafeUrl(url)) return c.fail(`${la}.url`, 'must be an http, https or mailto URL');
        if (label && url) links.push({ label, url });
      });
      if (links.length) item.links = links;
    }
  }
  return item;
}

/**
 * For importers, as they read: a document that has grown past the section or item limit can never
 * validate, so reading on (and suggesting topics for thousands of items) would be work for nothing.
 * Throws the same problem validateDocument would report.
 */
export function assertSizeWithinLimits(sections: number, items: number): void {
  if (sections > LIMITS.sections) throw new InvalidDocumentError([{ field: 'sections', message: SECTION_COUNT }]);
  if (items > LIMITS.itemsTotal) throw new InvalidDocumentError([{ field: 'sections', message: ITEM_COUNT }]);
}

/** Every item in reading order, with its section index. */
export function allItems(doc: IssueDocument): { section: number; item: IssueItem }[] {
  return doc.sections.flatMap((s, section) => s.items.map((item) => ({ section, item })));
}
