/**
 * Lays out a ReaderView (what one kind of reader gets) as MJML and as plain text. Both carry the
 * per-recipient placeholders (preferences, unsubscribe, one "stop" link per topic of the variant);
 * delivery fills them with personalize(). Every piece of editor text is escaped on the way in:
 * plain fields by fill(), Markdown by markdown-it with raw HTML off.
 */
import { escapeHtml } from '../escape';
import { UNTOUCHED, type LinkRewriter } from './click-links';
import { itemLinkText } from './link-text';
import { markdownInlineToHtml, markdownInlineToText, markdownToHtml, markdownToText } from './markdown';
import { placeholder } from './personalize';
import { listNames, type ReaderView, type ViewItem } from './select';
import { fill, type TemplateSet } from './templates';

export interface LayoutContext {
  templates: TemplateSet;
  postalAddress: string;
  /** Topic slug → display name, for item labels. */
  topicNames: ReadonlyMap<string, string>;
  /** Counted links in items and highlights (CLICK_TRACKING); absent: links as written. */
  links?: LinkRewriter;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "29 May 2024" — unambiguous for every reader, whatever their locale. */
export function formatDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

function itemMeta(item: ViewItem, names: ReadonlyMap<string, string>): string {
  const parts = [item.date ? formatDate(item.date) : '', ...item.topics.map((t) => names.get(t) ?? t)].filter(Boolean);
  return parts.join(' · ');
}

function previewText(view: ReaderView): string {
  const first = view.highlights[0]?.text ?? view.intro ?? view.sections[0]?.items[0]?.title ?? '';
  const text = markdownInlineToText(first).replace(/\s+/g, ' ');
  return text.length > 140 ? text.slice(0, 139) + '…' : text;
}

export function buildMjml(view: ReaderView, ctx: LayoutContext): string {
  const t = ctx.templates;
  const links = ctx.links ?? UNTOUCHED;
  const header = fill(t.get('header'), {
    kicker: 'Tidings',
    title: view.title,
    intro: view.intro ? `<mj-text>${markdownToHtml(view.intro)}</mj-text>` : '',
  });
  const highlights = view.highlights.length
    ? fill(t.get('highlights'), {
        entries: view.highlights
          .map((h) => `<p><strong>${escapeHtml(h.topic.name)}:</strong> ${markdownInlineToHtml(h.text, (u) => links.highlight(h.topic.slug, u))}</p>`)
          .join('\n'),
      })
    : '';
  const sections = view.sections
    .map((s) =>
      fill(t.get('section'), {
        title: s.title,
        items: s.items
          .map((item) => {
            const meta = itemMeta(item, ctx.topicNames);
            return fill(t.get('item'), {
              anchor: item.anchor,
              number: item.number,
              title: item.title,
              meta: meta ? `<p class="m" style="margin:0 0 8px;font-size:13px;color:#5b6475">${escapeHtml(meta)}</p>` : '',
              body: item.body ? markdownToHtml(item.body, (u) => links.item(item.index, u)) : '',
              links: item.links?.length
                ? `<p>${item.links.map((l) => `<a href="${escapeHtml(links.item(item.index, l.url))}">${escapeHtml(itemLinkText(l.label, l.url, item.title))}</a>`).join(' · ')}</p>`
                : '',
            });
          })
          .join('\n'),
      }),
    )
    .join('\n');
  const footer = fill(t.get('footer'), {
    topicNames: listNames(view.topics.map((x) => x.name)),
    stopLinks: view.topics.length
      ? `<p>${view.topics
          .map((x) => `<a href="${placeholder(`stop_url:${x.slug}`)}">Stop ${escapeHtml(x.name)} news</a>`)
          .join(' · ')}</p>`
      : '',
    postalAddress: ctx.postalAddress,
  });
  return fill(t.get('layout'), { title: view.subject, preview: previewText(view), header, highlights, sections, footer });
}

/** The plain-text part. Each item starts a line `N. Title`; nothing else does. */
export function buildText(view: ReaderView, ctx: Pick<LayoutContext, 'postalAddress' | 'topicNames' | 'links'>): string {
  const links = ctx.links ?? UNTOUCHED;
  const out: string[] = [view.title, '='.repeat(Math.min(view.title.length, 72)), ''];
  if (view.intro) out.push(markdownToText(view.intro), '');
  if (view.highlights.length) {
    out.push('KEY HIGHLIGHTS', '');
    for (const h of view.highlights) out.push(`${h.topic.name}: ${markdownInlineToText(h.text, (u) => links.highlight(h.topic.slug, u))}`, '');
  }
  for (const s of view.sections) {
    out.push(s.title.toUpperCase(), '');
    for (const item of s.items) {
      out.push(`${item.number}. ${item.title}`);
      const meta = itemMeta(item, ctx.topicNames);
      if (meta) out.push(meta);
      if (item.body) out.push('', markdownToText(item.body, (u) => links.item(item.index, u)));
      for (const l of item.links ?? []) out.push(`${l.label}: ${links.item(item.index, l.url)}`);
      out.push('');
    }
  }
  out.push(
    '-- ',
    `You get this email because you chose ${listNames(view.topics.map((x) => x.name))} news from Tidings.`,
    `Change your topics: ${placeholder('preferences_url')}`,
    `Unsubscribe: ${placeholder('unsubscribe_url')}`,
    ...view.topics.map((x) => `Stop ${x.name} news: ${placeholder(`stop_url:${x.slug}`)}`),
    '',
    ctx.postalAddress,
  );
  // Item headings stay on one line, whole, so "N. Title" can be read (and tested) line by line.
  return out.flatMap((l) => (/^\d+\. /.test(l) ? [l] : wrapLine(l, 76))).join('\n') + '\n';
}

/**
 * Word-wraps one line for plain-text readers. A continuation line never starts with `N.`, which
 * would read as an item heading; words longer than the width (URLs) are never split.
 */
export function wrapLine(line: string, width: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(' ', width);
    while (cut > 0 && /^\d+\./.test(rest.slice(cut + 1))) cut = rest.lastIndexOf(' ', cut - 1);
    if (cut <= 0) cut = rest.indexOf(' ', width + 1);
    if (cut <= 0) break;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut + 1);
  }
  out.push(rest);
  return out;
}
