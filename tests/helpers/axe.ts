/**
 * The accessibility audit the browser tests run on every page they visit: axe-core in the same
 * Debian Chromium, with the WCAG 2.0/2.1/2.2 A and AA rules plus axe's best practices, in the light
 * and the dark colour scheme (pages and emails have both). Zero violations of any impact pass.
 * A page is one line: `await expectAccessible(page, 'sign-in')`.
 *
 * axe's minified source is evaluated in the page once per document (through the DevTools protocol,
 * so the site's `script-src 'self'` does not stop it) and run once per scheme. @axe-core/playwright
 * would evaluate the 1.5 MB unminified source three times per run, ~4× slower here. Frames are left
 * out: the only ones are sandboxed email previews, which cannot run a script, and the emails they
 * show are audited on their own (tests/a11y-emails.test.ts).
 */
import { readFileSync } from 'node:fs';
import type { AxeResults, Result, RunOptions } from 'axe-core';
import type { Page } from 'playwright-core';

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

export type ColorScheme = 'light' | 'dark';

export interface AuditOptions {
  /** Colour schemes to audit in (default both); the page is re-styled for each. */
  schemes?: ColorScheme[];
  /** Rules that do not apply to this kind of document (say why where it is used). */
  disableRules?: string[];
}

let axeSource: string | undefined;
const source = () => (axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));

/** One line per violation and element: impact, rule, what it means, where, and why. */
export function describeViolations(violations: Result[]): string[] {
  return violations.flatMap((v) =>
    v.nodes.map((n) => `${v.impact ?? 'unknown'} ${v.id}: ${v.help} — ${n.target.join(' ')} — ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`),
  );
}

/** Runs axe on the page as it is now, in each colour scheme; returns describeViolations() lines. */
export async function axeViolations(page: Page, options: AuditOptions = {}): Promise<string[]> {
  // Closed <details> hide their content from axe; open them so what they hold is audited too.
  await page.evaluate(() => document.querySelectorAll('details:not([open])').forEach((d) => d.setAttribute('open', '')));
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(source());
  const runOptions: RunOptions = {
    runOnly: { type: 'tag', values: AXE_TAGS },
    rules: Object.fromEntries((options.disableRules ?? []).map((id) => [id, { enabled: false }])),
    iframes: false,
    resultTypes: ['violations'],
  };
  const found: string[] = [];
  for (const scheme of options.schemes ?? ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    const violations = await page.evaluate(
      async (opts) => ((await (window as unknown as { axe: { run(c: Document, o: RunOptions): Promise<AxeResults> } }).axe.run(document, opts)).violations),
      runOptions,
    );
    found.push(...describeViolations(violations).map((line) => `[${scheme}] ${line}`));
  }
  await page.emulateMedia({ colorScheme: null });
  return found;
}

/** Fails listing every violation, naming the page. */
export async function expectAccessible(page: Page, what: string, options: AuditOptions = {}): Promise<void> {
  const found = await axeViolations(page, options);
  expect({ page: what, violations: found }).toEqual({ page: what, violations: [] });
}
