/** The page shell shared by reader pages, the mailbox and the console: one stylesheet, no CDN. */
import { html, type SafeHtml } from './html';

export function page(opts: { title: string; body: SafeHtml; scripts?: string[]; wide?: boolean }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${opts.title} · Tidings</title>
<link rel="stylesheet" href="/assets/tidings.css">
${(opts.scripts ?? []).map((s) => html`<script src="${s}" defer></script>`)}
</head>
<body>
<header class="site"><a href="/" class="brand">Tidings</a></header>
<main id="main" class="${opts.wide ? 'wide' : 'narrow'}">
${opts.body}
</main>
</body>
</html>`.value;
}
