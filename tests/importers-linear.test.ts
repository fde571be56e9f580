/**
 * Issue 11, item 2: the importers run in linear time. Hostile bodies at the import size limit
 * (long runs of spaces, `#`, digits, dots, parentheses, lines) go through the real HTTP import
 * endpoint; each must answer well under a second, and /healthz must keep answering meanwhile.
 * The old heading regex took 4 s for `## a` + 2,500 spaces; at the size limit it never finished.
 *
 * The line scanners that replaced the regular expressions must read every line exactly as the old
 * expressions did: they are compared on generated lines (short enough for the old expressions).
 */
import { IMPORT_LIMIT_BYTES } from '../src/issues/importers';
import { isBlurb } from '../src/issues/import-text';
import { atxHeading, numberedItem, trailingDate } from '../src/issues/line-scan';
import { startTestApp, type TestApp } from './helpers/app';
import { mulberry32 } from './helpers/random';

// The expressions the scanners replaced (src/issues/import-markdown.ts, import-text.ts).
const OLD_H2 = /^##\s+(.+?)\s*#*\s*$/;
const OLD_H3 = /^###\s+(.+?)\s*#*\s*$/;
const OLD_HEADING_DATE = /\s*\((?:(\d{4}-\d{2}-\d{2})|(\d{1,2})\s+([A-Za-z]{3,9})\.?(?:\s+(\d{4}))?)\)\s*$/;
const OLD_ITEM = /^(\d{1,3})\.\s+(.+?)(?:\s*\((\d{1,2})\s+([A-Za-z]{3,9})\.?(?:\s+(\d{4}))?\))?\s*$/;
const OLD_BLURB = /\bsubscri(be|bing|ption)\b|\bnewsletters?\b.*\bcontact\b|\[email\s*protected\]|^follow the links below/i;

const PIECES = [' ', ' ', '\t', '\u00a0', '\u2028', '#', '#', '(', ')', '.', '-', '1', '29', '2024', '123', 'May', 'Sept', 'x', 'ab', ' (29 May)', '(2024-05-29)', ' (1 Jun. 2024)'];
const STARTS = ['', '## ', '### ', '#### ', '##', '1. ', '12.  ', '1234. ', '7.'];

function lines(count: number, seed: number): string[] {
  const next = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  return Array.from({ length: count }, () => {
    let s = pick(STARTS);
    const n = Math.floor(next() * 8);
    for (let i = 0; i < n; i++) s += pick(PIECES);
    return s;
  });
}

/** Lines where the scanner and the old expression disagree (JSON of both answers compared). */
function disagreements<T>(inputs: string[], scan: (s: string) => T, old: (s: string) => T): string[] {
  return inputs.filter((s) => JSON.stringify(scan(s)) !== JSON.stringify(old(s)));
}

describe('line scanners read what the old expressions read', () => {
  const generated = lines(40_000, 11);
  const matching = (re: RegExp) => generated.filter((l) => re.test(l)).length;

  it('headings (## and ###)', () => {
    expect(disagreements(generated, (l) => atxHeading(l, 2), (l) => OLD_H2.exec(l)?.[1])).toEqual([]);
    expect(disagreements(generated, (l) => atxHeading(l, 3), (l) => OLD_H3.exec(l)?.[1])).toEqual([]);
    // The generator hits both outcomes often.
    expect(matching(OLD_H2)).toBeGreaterThan(2000);
    expect(matching(OLD_H3)).toBeGreaterThan(2000);
  });

  it('a date at the end of an item heading', () => {
    const scan = (l: string) => {
      const d = trailingDate(l, { iso: true });
      return d && { iso: d.iso, day: d.day, month: d.month, year: d.year, start: d.start };
    };
    const old = (l: string) => {
      const m = OLD_HEADING_DATE.exec(l);
      return m ? { iso: m[1], day: m[2], month: m[3], year: m[4], start: m.index } : undefined;
    };
    expect(disagreements(generated, scan, old)).toEqual([]);
    expect(matching(OLD_HEADING_DATE)).toBeGreaterThan(1000);
  });

  it('numbered items of the plain-text format', () => {
    const scan = (l: string) => {
      const m = numberedItem(l);
      return m && { title: m.title, day: m.day, month: m.month, year: m.year };
    };
    const old = (l: string) => {
      const m = OLD_ITEM.exec(l);
      return m ? { title: m[2], day: m[3], month: m[4], year: m[5] } : undefined;
    };
    expect(disagreements(generated, scan, old)).toEqual([]);
    expect(matching(OLD_ITEM)).toBeGreaterThan(2000);
    expect(generated.filter((l) => OLD_ITEM.exec(l)?.[3]).length).toBeGreaterThan(200);
  });

  it('subscription blurbs', () => {
    const next = mulberry32(5);
    const words = ['newsletter', 'newsletters', 'Newsletter', 'contact', 'CONTACT', 'contacts', 'subscribe', 's', 'x', ' ', ' ', '\u2028', '-', '[email protected]', '[email  protected]'];
    const paragraphs = Array.from({ length: 20_000 }, () =>
      Array.from({ length: Math.floor(next() * 7) }, () => words[Math.floor(next() * words.length)]).join(next() < 0.5 ? ' ' : ''),
    );
    expect(disagreements(paragraphs, isBlurb, (p) => OLD_BLURB.test(p))).toEqual([]);
    expect(paragraphs.filter((p) => OLD_BLURB.test(p)).length).toBeGreaterThan(2000);
  });
});

describe('hostile imports at the size limit, through the HTTP endpoint', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  // Override only to show the old code failing at a size it can finish (see docs/security.md).
  const size = Number(process.env.HOSTILE_IMPORT_BYTES ?? IMPORT_LIMIT_BYTES) - 64;
  /** head + unit repeated + tail, as long as the limit allows. */
  const fill = (head: string, unit: string, tail = 'x') => head + unit.repeat(Math.floor((size - head.length - tail.length) / unit.length)) + tail;

  const cases: [string, 'text/markdown' | 'text/plain', string][] = [
    ['## heading + spaces', 'text/markdown', fill('## a', ' ')],
    ['## heading + #', 'text/markdown', fill('## a', '#')],
    ['## heading + " #"', 'text/markdown', fill('## a', ' #')],
    ['### item + spaces', 'text/markdown', fill('## s\n### a', ' ')],
    ['### item + dates', 'text/markdown', fill('## s\n### a', '(1 May) ')],
    ['### item + parentheses', 'text/markdown', fill('## s\n### a', '(')],
    ['### item + digits', 'text/markdown', fill('## s\n### a (', '1')],
    ['### item + dots', 'text/markdown', fill('## s\n### a', '.')],
    ['link field + backslashes', 'text/markdown', fill('## s\n### t\nLink: [', '\\')],
    ['front matter + spaces', 'text/markdown', fill('---\ntitle: "', ' ', '"\n---\n## s')],
    ['many item headings', 'text/markdown', fill('## s\n', '### a (1 May)  \n')],
    ['numbered item + spaces', 'text/plain', fill('T 2024\nSec\n1. a', ' ')],
    ['numbered item + dots', 'text/plain', fill('T 2024\nSec\n1. a', '.')],
    ['numbered item + digits', 'text/plain', fill('T 2024\nSec\n1. ', '1. ')],
    ['numbered item + parentheses', 'text/plain', fill('T 2024\nSec\n1. a', ' (1')],
    ['numbered item + dates', 'text/plain', fill('T 2024\nSec\n1. a', ' (1 May)')],
    ['many numbered items', 'text/plain', fill('T 2024\nSec\n', '1. a (1 May)\n')],
    ['many short lines', 'text/plain', fill('T 2024\n', 'a\n')],
    ['newsletter blurb', 'text/plain', fill('T 2024\n', 'newsletter ', '\nSec\n1. a')],
    ['# run as text', 'text/plain', fill('T 2024\n', '#', '\nSec\n1. a')],
  ];

  it('each answers (4xx or 200) in under a second while /healthz keeps answering', async () => {
    // One ordinary import first, so the timings below are not the first request's warm-up.
    const warm = await t.fetch('/api/issues?dryRun=1', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'T 2024\nSec\n1. a (1 May)', editor: true });
    expect(warm.status).toBe(200);
    let importing = true;
    const health: number[] = [];
    const poll = (async () => {
      while (importing) {
        const t0 = performance.now();
        expect((await t.fetch('/healthz')).status).toBe(200);
        health.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    const took: Record<string, number> = {};
    const cpu: Record<string, number> = {};
    const attempt = async (name: string, type: string, body: string) => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const res = await t.fetch('/api/issues?dryRun=1', { method: 'POST', headers: { 'content-type': type }, body, editor: true });
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      // This process is both client and server; its CPU time is the work, whatever the machine's load.
      cpu[name] = Math.round((c.user + c.system) / 1000);
      expect([name, res.status < 500]).toEqual([name, true]);
      expect([name, res.status === 200 || (res.status >= 400 && res.status < 500 && !!(await res.json()).error?.code)]).toEqual([name, true]);
      return Math.round(ms);
    };
    try {
      for (const [name, type, body] of cases) {
        expect(Buffer.byteLength(body)).toBeLessThanOrEqual(IMPORT_LIMIT_BYTES);
        took[name] = await attempt(name, type, body);
        // The machine is shared: a case over the bound is timed once more. A load spike rarely
        // repeats; a parser that is not linear takes minutes at this size, every time.
        if (took[name] >= 1000) took[name] = Math.min(took[name], await attempt(name, type, body));
      }
    } finally {
      importing = false;
      await poll;
    }
    if (process.env.IMPORT_TIMINGS) console.log(took, cpu, { healthzMaxMs: Math.max(...health), healthzCount: health.length });
    for (const [name, ms] of Object.entries(took)) expect([name, ms < 1000]).toEqual([name, true]);
    // Answered throughout (each poll waits for the previous answer, so one blocked event loop shows
    // in the slowest answer below); how many answers fit depends only on how fast the imports were.
    expect(health.length).toBeGreaterThan(0);
    expect(Math.max(...health)).toBeLessThan(1000);
    // Nothing was stored: every import was a dry run or refused.
    expect((await t.c.pool.query('SELECT count(*)::int AS n FROM issues')).rows[0].n).toBe(0);
  }, 120_000);
});
