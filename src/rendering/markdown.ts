/**
 * Editor Markdown → HTML and → plain text. Raw HTML is never passed through (html: false), links
 * keep only http/https/mailto targets (anything else stays visible text), and images are off:
 * a remote image in a newsletter is a tracking pixel we did not choose to add.
 * Code blocks are off too: whitespace-significant blocks break the 998-character line folding
 * the renderer relies on, and a newsletter has no use for them.
 */
import MarkdownIt from 'markdown-it';
import { isSafeUrl } from '../issues/document';

type Token = MarkdownIt.Token;

const md = new MarkdownIt('default', { html: false, linkify: false, typographer: false, breaks: false });
md.disable(['image', 'code', 'fence', 'table', 'html_block', 'html_inline']);
md.validateLink = (url: string) => isSafeUrl(url.trim());

/** Maps a link target to the one written into the email (click counting, src/rendering/click-links.ts). */
export type Rewrite = (href: string) => string;
type Env = { rewrite?: Rewrite | undefined } & Record<string, unknown>;
const renderLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env: Env | undefined, self) => {
  const href = tokens[idx]!.attrGet('href');
  if (env?.rewrite && href) tokens[idx]!.attrSet('href', env.rewrite(String(href)));
  return renderLinkOpen(tokens, idx, options, env, self);
};

/** Block Markdown (item bodies, intro) → HTML fragment. */
export function markdownToHtml(src: string, rewrite?: Rewrite): string {
  return md.render(src, { rewrite } satisfies Env).trim();
}

/** Inline Markdown (highlights) → HTML without a wrapping paragraph. */
export function markdownInlineToHtml(src: string, rewrite?: Rewrite): string {
  return md.renderInline(src, { rewrite } satisfies Env).trim();
}

/** The link targets of a Markdown text, in order, as the renderer writes them (normalised). */
export function markdownLinks(src: string): string[] {
  const out: string[] = [];
  const walk = (tokens: Token[]) => {
    for (const t of tokens) {
      if (t.type === 'link_open') out.push(String(t.attrGet('href') ?? ''));
      if (t.children) walk(t.children);
    }
  };
  walk(md.parse(src, {}));
  return out.filter(Boolean);
}

/**
 * Markdown → readable plain text. Links become `label (url)`, list items `- ` / `a) `: never
 * `1. `, because in the text part a line starting with a number and a dot is an item heading.
 */
export function markdownToText(src: string, rewrite?: Rewrite): string {
  const tokens = md.parse(src, {});
  const out: string[] = [];
  const lists: { ordered: boolean; n: number }[] = [];
  let line = '';
  const flush = () => {
    if (line.trim()) out.push(line.replace(/\s+$/, ''));
    line = '';
  };
  for (const t of tokens) {
    switch (t.type) {
      case 'bullet_list_open':
      case 'ordered_list_open':
        lists.push({ ordered: t.type === 'ordered_list_open', n: 0 });
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        lists.pop();
        if (!lists.length) out.push('');
        break;
      case 'list_item_open': {
        const l = lists[lists.length - 1]!;
        l.n++;
        line = '  '.repeat(lists.length - 1) + (l.ordered ? `${l.n})` : '-') + ' ';
        break;
      }
      case 'inline':
        line += inlineText(t.children ?? [], rewrite);
        break;
      case 'paragraph_close':
      case 'heading_close':
        flush();
        if (!lists.length) out.push('');
        break;
      case 'hr':
        out.push('----', '');
        break;
    }
  }
  flush();
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

function inlineText(children: Token[], rewrite: Rewrite | undefined): string {
  let s = '';
  const hrefs: string[] = [];
  let linkStart = 0;
  for (const c of children) {
    switch (c.type) {
      case 'text':
      case 'code_inline':
        s += c.content;
        break;
      case 'softbreak':
        s += ' ';
        break;
      case 'hardbreak':
        s += '\n';
        break;
      case 'link_open':
        hrefs.push(String(c.attrGet('href') ?? ''));
        linkStart = s.length;
        break;
      case 'link_close': {
        const href = hrefs.pop() ?? '';
        const label = s.slice(linkStart);
        const shown = href.replace(/^mailto:/, '');
        const target = rewrite && href ? rewrite(href) : href;
        // A bare address as its own label: the (rewritten) address stands in for it.
        if (href && label === shown && target !== href) s = s.slice(0, linkStart) + target;
        else if (href && label !== shown) s += ` (${href.startsWith('mailto:') ? shown : target})`;
        break;
      }
    }
  }
  return s;
}

/** Plain text from inline Markdown (subjects, highlights in the text part). */
export function markdownInlineToText(src: string, rewrite?: Rewrite): string {
  return markdownToText(src, rewrite).replace(/\n\n+/g, '\n');
}
