/**
 * Accessibility checks for an email's HTML, loaded into a Chromium page (page.setContent): what axe
 * cannot see or does not ask of an email. Each returns a list of problems ([] = fine), so a failing
 * test names every one.
 *  - unreadableText: every piece of text, hidden ones included (a preview line in display:none is
 *    read by spam filters and shown by clients that ignore the style), against the background it
 *    sits on, with opacity applied: WCAG's ratio must be ≥ 4.5, and the font at least 10 px (1 px
 *    text is the other hidden-text trick spam filters look for).
 *  - headingProblems: one h1 first, then no level skipped on the way down.
 *  - linkProblems: every link says where it goes on its own (a screen reader's list of links has no
 *    surrounding text): not empty, not a vague word, not a bare address, one text for one target.
 */
import type { Page } from 'playwright-core';
import { expectAccessible, type ColorScheme } from './axe';

/**
 * axe's landmark rules ask a web page to put its content in landmarks with one `main`. An email has
 * no page of its own: the mail client shows it inside its own page and landmarks, where a second
 * `main` would mislead. Emails mark themselves up as an article instead (MJML's role="article").
 */
export const EMAIL_EXEMPT_RULES = ['region', 'landmark-one-main'];

/**
 * The whole audit of one email: axe (both colour schemes), then lang, title, headings, links and the
 * contrast of all text, hidden text included. Fails listing every problem; returns the facts.
 */
export async function expectAccessibleEmail(page: Page, html: string, o: { title: string; what: string }): Promise<EmailFacts> {
  // From a blank page: setContent() writes into the current document, which keeps its origin's CSP
  // (the site's would block the email's inline styles).
  if (page.url() !== 'about:blank') await page.goto('about:blank');
  await page.setContent(html);
  await expectAccessible(page, o.what, { disableRules: EMAIL_EXEMPT_RULES });
  const facts = await emailFacts(page);
  const text: string[] = [];
  for (const scheme of ['light', 'dark'] as ColorScheme[]) {
    await page.emulateMedia({ colorScheme: scheme });
    text.push(...(await unreadableText(page)).map((p) => `[${scheme}] ${p}`));
  }
  await page.emulateMedia({ colorScheme: null });
  const found = { email: o.what, lang: facts.lang, title: facts.title, headings: headingProblems(facts.headings), links: linkProblems(facts.links), text };
  expect(found).toEqual({ email: o.what, lang: 'en', title: o.title, headings: [], links: [], text: [] });
  return facts;
}

export interface EmailFacts {
  lang: string;
  title: string;
  headings: { level: number; text: string }[];
  links: { text: string; href: string }[];
}

export function emailFacts(page: Page): Promise<EmailFacts> {
  return page.evaluate(() => ({
    lang: document.documentElement.lang,
    title: document.title,
    headings: Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6')).map((h) => ({ level: Number(h.tagName[1]), text: (h.textContent ?? '').trim() })),
    links: Array.from(document.querySelectorAll('a[href]')).map((a) => ({
      text: (a.getAttribute('aria-label') ?? a.textContent ?? '').replace(/\s+/g, ' ').trim(),
      href: a.getAttribute('href') ?? '',
    })),
  }));
}

export function headingProblems(headings: EmailFacts['headings']): string[] {
  const problems: string[] = [];
  if (headings[0]?.level !== 1) problems.push(`the first heading is not an h1: ${JSON.stringify(headings[0])}`);
  if (headings.filter((h) => h.level === 1).length !== 1) problems.push('not exactly one h1');
  headings.forEach((h, i) => {
    if (i > 0 && h.level > headings[i - 1]!.level + 1) problems.push(`h${headings[i - 1]!.level} → h${h.level} skips a level at "${h.text}"`);
  });
  return problems;
}

/** Words that say nothing about where a link goes (WCAG 2.4.4 / 2.4.9 failure F84). */
const VAGUE = /^(click here|here|this|link|this link|more|read more|learn more|more info|details|source|website|continue|go)$/i;

export function linkProblems(links: EmailFacts['links']): string[] {
  const problems: string[] = [];
  const targets = new Map<string, string>();
  for (const l of links) {
    const words = l.text.replace(/[.:…»›>\s]+$/u, '');
    if (!words) problems.push(`a link without text: ${l.href}`);
    else if (VAGUE.test(words)) problems.push(`vague link text "${l.text}": ${l.href}`);
    else if (/^(https?:\/\/|www\.|mailto:)\S+$/i.test(words)) problems.push(`a bare address as link text: "${l.text}"`);
    const seen = targets.get(l.text);
    if (seen !== undefined && seen !== l.href) problems.push(`"${l.text}" leads to two places: ${seen} and ${l.href}`);
    targets.set(l.text, l.href);
  }
  return problems;
}

/** Text below 4.5:1 against its background or under 10 px, in the page's current colour scheme. */
export function unreadableText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type Rgba = [number, number, number, number];
    const parse = (c: string): Rgba => {
      const n = (/rgba?\(([^)]*)\)/.exec(c)?.[1] ?? '0 0 0 0').split(/[\s,/]+/).filter(Boolean).map(Number);
      return [n[0]!, n[1]!, n[2]!, n[3] ?? 1];
    };
    const over = (top: Rgba, under: Rgba): Rgba => {
      const a = top[3];
      return [top[0] * a + under[0] * (1 - a), top[1] * a + under[1] * (1 - a), top[2] * a + under[2] * (1 - a), 1];
    };
    const luminance = ([r, g, b]: Rgba) =>
      [r, g, b].map((v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i]!, 0);
    const dark = matchMedia('(prefers-color-scheme: dark)').matches && /dark/.test(document.querySelector('meta[name=color-scheme]')?.getAttribute('content') ?? '');
    const canvas: Rgba = dark ? [18, 18, 18, 1] : [255, 255, 255, 1];
    /** The colour behind an element: its own and its ancestors' backgrounds, composed over the canvas. */
    const background = (el: Element | null): Rgba => {
      const layers: Rgba[] = [];
      for (let e = el; e; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg[3] > 0) layers.push(bg);
        if (bg[3] === 1) break;
      }
      return layers.reduceRight<Rgba>((under, top) => over(top, under), canvas);
    };
    const opacity = (el: Element | null): number => {
      let o = 1;
      for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
      return o;
    };
    const problems: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      const text = (node.textContent ?? '').replace(/[\s\u034f\u200c\u00a0]+/g, ' ').trim();
      if (!el || !text || ['STYLE', 'SCRIPT', 'TITLE'].includes(el.tagName)) continue;
      const bg = background(el);
      const fg = parse(getComputedStyle(el).color);
      fg[3] *= opacity(el);
      const [l1, l2] = [luminance(over(fg, bg)), luminance(bg)];
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      if (ratio < 4.5) problems.push(`${ratio.toFixed(2)}:1 "${text.slice(0, 40)}" (${getComputedStyle(el).color} on rgb(${bg.slice(0, 3).map(Math.round).join(', ')}))`);
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < 10) problems.push(`${size}px "${text.slice(0, 40)}"`);
    }
    return problems;
  });
}
