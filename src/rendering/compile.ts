/**
 * MJML → email HTML. The only module that loads mjml: on the first compile, or when an API process
 * has started (preloadMjml). mjml costs ~100 MB of RSS, and delivery processes, which only read
 * stored variants, never need it.
 *
 * After MJML we post-process for size and for the MIME layer (mjml 5's own `minify` runs htmlnano
 * with cssnano, which is slow and, with whitespace collapsing, joins the whole email into one line):
 *  - indentation is dropped but line breaks are kept (a newline between tags renders like a space);
 *  - lines longer than ~990 characters are folded at a space, so no line exceeds SMTP's 998;
 *  - every non-ASCII character becomes a numeric entity, so the HTML part is pure ASCII and can go
 *    out as 7bit instead of quoted-printable (which would add ~10% and mangle long lines).
 */
import type mjml2html from 'mjml';

type Mjml2Html = typeof mjml2html;
let mjml: Mjml2Html | undefined;

function loadMjml(): Mjml2Html {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  mjml ??= require('mjml') as Mjml2Html;
  return mjml;
}

/**
 * Loads mjml now rather than at the first compile (≈ 0.3 s on this machine): an API process calls
 * it once it listens, so the first preview or send after a start does not wait for it. Delivery
 * processes never call it.
 */
export function preloadMjml(): void {
  loadMjml();
}

export class TemplateCompileError extends Error {}

export async function compileMjml(source: string): Promise<string> {
  const result = await loadMjml()(source, {
    validationLevel: 'strict',
    keepComments: false,
    ignoreIncludes: true,
    minify: false,
    beautify: false,
    fonts: {},
  });
  // With validationLevel 'strict' mjml throws on errors; keep the check in case a version only reports.
  if (result.errors?.length) {
    throw new TemplateCompileError('MJML: ' + result.errors.map((e) => e.formattedMessage).join('; '));
  }
  return compactHtml(result.html);
}

const MAX_LINE = 990;

export function compactHtml(html: string): string {
  const lines = html
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const out: string[] = [];
  for (let line of lines) {
    while (line.length > MAX_LINE) {
      const cut = line.lastIndexOf(' ', MAX_LINE);
      if (cut <= 0) break; // no space to fold at: the MIME layer will pick an encoding that copes
      out.push(line.slice(0, cut));
      line = line.slice(cut + 1);
    }
    out.push(line);
  }
  return toAsciiEntities(out.join('\n'));
}

export function toAsciiEntities(s: string): string {
  return s.replace(/[^\t\n\x20-\x7e]/gu, (ch) => `&#${ch.codePointAt(0)};`);
}
