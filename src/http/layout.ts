/** The page shell shared by reader pages, the mailbox and the console: one stylesheet, no CDN. */
import { html, type SafeHtml } from './html';

/**
 * A box that scrolls when its content is wider (or taller) than the screen: a table, an email
 * preview, a plain-text part. Keyboard users can only scroll what can take focus (WCAG 2.1.1), so
 * it is a named region in the tab order; the label must be unique on the page.
 */
export function scrollRegion(label: string, content: SafeHtml, className = 'table-wrap'): SafeHtml {
  return html`<div class="${className}" role="region" aria-label="${label}" tabindex="0">${content}</div>`;
}

export function page(opts: {
  title: string;
  body: SafeHtml;
  scripts?: string[];
  wide?: boolean;
  /** Extra stylesheets after tidings.css (e.g. the console's). */
  styles?: string[];
  /** Links shown in the header bar (the console's navigation). */
  nav?: SafeHtml;
  /** Where the brand link points (the console points it at /admin). */
  home?: string;
}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${opts.title} · Tidings</title>
<link rel="stylesheet" href="/assets/tidings.css">
${(opts.styles ?? []).map((s) => html`<link rel="stylesheet" href="${s}">`)}
${(opts.scripts ?? []).map((s) => html`<script src="${s}" defer></script>`)}
</head>
<body>
<header class="site"><a href="${opts.home ?? '/'}" class="brand">Tidings</a>${opts.nav ?? ''}</header>
<main id="main" class="${opts.wide ? 'wide' : 'narrow'}">
${opts.body}
</main>
</body>
</html>`.value;
}
