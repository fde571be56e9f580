/**
 * The issue editor form ↔ the issue document. Inputs are named by the document path the issues
 * service uses in its errors (`sections[1].items[3].title`), so an error maps straight back to the
 * input it is about. Parsing keeps whatever the editor typed (nothing is validated here: the issues
 * service does that), renumbering sections and items so gaps left by removed rows disappear.
 */
import type { IssueDocument, IssueItem, IssueLink, IssueSection } from '../../issues/document';
import type { FieldProblem } from '../../issues/document';

export type FormBody = Record<string, string | string[] | undefined>;

const PATH = /^sections\[(\d{1,3})\](?:\.title|\.items\[(\d{1,3})\]\.(title|date|topics|body|links\[(\d{1,2})\]\.(label|url)))$/;

const str = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));
const list = (v: string | string[] | undefined): string[] => (Array.isArray(v) ? v : v ? [v] : []);

type Sparse<T> = Map<number, T>;
interface DraftItem { title: string; date: string; topics: string[]; body: string; links: Sparse<{ label: string; url: string }> }
interface DraftSection { title: string; items: Sparse<DraftItem> }

const ordered = <T>(m: Sparse<T>): T[] => [...m.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);

/** The document as typed (unvalidated); blank optional fields are left out. */
export function documentFromForm(body: FormBody, topicSlugs: readonly string[]): IssueDocument {
  const sections: Sparse<DraftSection> = new Map();
  const section = (i: number) => sections.get(i) ?? (sections.set(i, { title: '', items: new Map() }), sections.get(i)!);
  for (const [key, value] of Object.entries(body)) {
    const m = PATH.exec(key);
    if (!m) continue;
    const s = section(Number(m[1]));
    if (m[2] === undefined) {
      s.title = str(value);
      continue;
    }
    const ii = Number(m[2]);
    const item = s.items.get(ii) ?? (s.items.set(ii, { title: '', date: '', topics: [], body: '', links: new Map() }), s.items.get(ii)!);
    const field = m[3]!;
    if (field === 'title') item.title = str(value);
    else if (field === 'date') item.date = str(value);
    else if (field === 'body') item.body = str(value);
    else if (field === 'topics') item.topics = list(value);
    else {
      const li = Number(m[4]);
      const link = item.links.get(li) ?? (item.links.set(li, { label: '', url: '' }), item.links.get(li)!);
      link[m[5] as 'label' | 'url'] = str(value);
    }
  }
  const doc: IssueDocument = { slug: str(body.slug).trim(), title: str(body.title), sections: [] };
  if (str(body.subject).trim()) doc.subject = str(body.subject);
  if (str(body.intro).trim()) doc.intro = str(body.intro);
  const highlights: Record<string, string> = {};
  for (const t of topicSlugs) if (str(body[`highlights.${t}`]).trim()) highlights[t] = str(body[`highlights.${t}`]);
  if (Object.keys(highlights).length) doc.highlights = highlights;
  doc.sections = ordered(sections).map(
    (s): IssueSection => ({
      title: s.title,
      items: ordered(s.items).map((d): IssueItem => {
        const item: IssueItem = { title: d.title, topics: d.topics };
        if (d.date.trim()) item.date = d.date.trim();
        if (d.body.trim()) item.body = d.body;
        const links: IssueLink[] = ordered(d.links).filter((l) => l.label.trim() || l.url.trim());
        if (links.length) item.links = links;
        return item;
      }),
    }),
  );
  return doc;
}

/** What the add/remove buttons of the no-JavaScript form ask for. */
export type FormOp =
  | { kind: 'save' }
  | { kind: 'add-section' }
  | { kind: 'remove-section'; s: number }
  | { kind: 'add-item'; s: number }
  | { kind: 'remove-item'; s: number; i: number }
  | { kind: 'add-link'; s: number; i: number };

export function parseOp(v: unknown): FormOp {
  const s = typeof v === 'string' ? v : 'save';
  const m = /^(add-section|remove-section|add-item|remove-item|add-link)(?::(\d{1,3}))?(?::(\d{1,3}))?$/.exec(s);
  if (!m) return { kind: 'save' };
  const a = Number(m[2] ?? 0);
  const b = Number(m[3] ?? 0);
  switch (m[1]) {
    case 'add-section': return { kind: 'add-section' };
    case 'remove-section': return { kind: 'remove-section', s: a };
    case 'add-item': return { kind: 'add-item', s: a };
    case 'remove-item': return { kind: 'remove-item', s: a, i: b };
    default: return { kind: 'add-link', s: a, i: b };
  }
}

export const blankItem = (): IssueItem => ({ title: '', topics: [] });
export const blankSection = (): IssueSection => ({ title: '', items: [blankItem()] });

/** Applies an add/remove to a draft; the form is then shown again, nothing is saved. */
export function applyOp(doc: IssueDocument, op: FormOp): void {
  const sec = (i: number) => doc.sections[i];
  switch (op.kind) {
    case 'add-section': doc.sections.push(blankSection()); break;
    case 'remove-section': doc.sections.splice(op.s, 1); break;
    case 'add-item': sec(op.s)?.items.push(blankItem()); break;
    case 'remove-item': sec(op.s)?.items.splice(op.i, 1); break;
    case 'add-link': {
      const item = sec(op.s)?.items[op.i];
      if (item) item.links = [...(item.links ?? []), { label: '', url: '' }];
      break;
    }
    case 'save': break;
  }
}

/**
 * Problems keyed by the input they belong to: `…topics[2]` belongs to the topics fieldset, a list
 * problem (`sections[0].items`) to its container.
 */
export function problemsByField(problems: readonly FieldProblem[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of problems) {
    const key = p.field.replace(/\.topics\[\d+\]$/, '.topics');
    out.set(key, [...(out.get(key) ?? []), p.message]);
  }
  return out;
}

/** A DOM id for an input named by a document path. */
export const fieldId = (path: string): string => 'f-' + path.replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '');
