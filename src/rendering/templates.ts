/**
 * The newsletter's MJML templates: emails/layout.mjml and emails/partials/*.mjml, loaded once by
 * fixed names. We do our own "includes" here instead of MJML's `mj-include`, and compile with
 * `ignoreIncludes: true`, so no template or editor text can pull in a file from outside emails/.
 *
 * Syntax: `{{name}}` inserts a value HTML-escaped, `{{{name}}}` inserts markup this module's callers
 * built (already escaped). A name the caller did not supply is a programming error.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { escapeHtml } from '../escape';
import { EMAILS_DIR } from '../paths';
const NAMES = ['layout', 'header', 'highlights', 'section', 'item', 'footer'] as const;
export type TemplateName = (typeof NAMES)[number];

export interface TemplateSet {
  get(name: TemplateName): string;
  /** Changes whenever a template file changes, so stored variants are re-rendered. */
  readonly hash: string;
}

export function loadTemplates(dir = EMAILS_DIR): TemplateSet {
  const sources = new Map<TemplateName, string>();
  const hash = createHash('sha256');
  for (const name of NAMES) {
    const file = name === 'layout' ? path.join(dir, 'layout.mjml') : path.join(dir, 'partials', `${name}.mjml`);
    const src = readFileSync(file, 'utf8');
    if (/<mj-include\b/i.test(src)) throw new Error(`${file}: mj-include is not supported; partials are composed in code`);
    sources.set(name, src);
    hash.update(name).update('\0').update(src).update('\0');
  }
  const digest = hash.digest('hex').slice(0, 16);
  return { get: (name) => sources.get(name)!, hash: digest };
}

const SLOT = /\{\{(\{?)([a-zA-Z]+)\}?\}\}/g;

export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(SLOT, (_m, rawBrace: string, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`template value "${name}" missing`);
    return rawBrace ? String(v) : escapeHtml(v);
  });
}
