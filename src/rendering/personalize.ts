/**
 * Per-recipient personalisation of a rendered variant. A variant (one per issue and topic set) is
 * rendered once with placeholders `[[tidings:KEY]]`; per recipient only these are replaced, with
 * values escaped for the part they land in. Keys:
 *   unsubscribe_url, preferences_url, name, stop_url:<topic slug>, web_url
 */
import { escapeHtml } from '../escape';

export const placeholder = (key: string): string => `[[tidings:${key}]]`;
const PLACEHOLDER_RE = /\[\[tidings:([a-z_]+(?::[a-z0-9-]+)?)\]\]/g;

export type RecipientValues = Record<string, string>;

/** Replaces every placeholder; an unknown key becomes '' (never leaks a raw placeholder). */
export function personalize(template: string, values: RecipientValues, mode: 'html' | 'text'): string {
  return template.replace(PLACEHOLDER_RE, (_m, key: string) => {
    const v = values[key] ?? '';
    return mode === 'html' ? escapeHtml(v) : v;
  });
}

/** The placeholder keys a template uses (for tests and for validating templates). */
export function placeholdersIn(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER_RE)].map((m) => m[1]!))];
}

/**
 * personalize() for one template used many times (a variant sent to thousands of readers): the
 * template is split at its placeholders once, so each recipient costs one join instead of a regex
 * scan of the whole body. Same output as personalize().
 */
export function compilePersonalizer(template: string, mode: 'html' | 'text'): (values: RecipientValues) => string {
  // With a capture group, split() puts the placeholder keys at the odd indexes.
  const parts = template.split(new RegExp(PLACEHOLDER_RE.source));
  return (values) => {
    let out = parts[0]!;
    for (let i = 1; i < parts.length; i += 2) {
      const v = values[parts[i]!] ?? '';
      out += (mode === 'html' ? escapeHtml(v) : v) + parts[i + 1]!;
    }
    return out;
  };
}
