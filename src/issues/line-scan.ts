/**
 * Line shapes the importers recognise, read in one pass each (linear in the line's length).
 *
 * They replace regular expressions of the form `^…\s+(.+?)\s*#*\s*$`: V8's backtracking engine
 * tries every split of a lazy group against the optional whitespace after it, so `## a` followed
 * by 2,500 spaces took seconds (cubic), and a numbered item line with a long run of spaces took
 * minutes at the import size limit (quadratic). Each function answers exactly what the old
 * expression matched (tests/importers-linear.test.ts compares them on generated lines), including
 * its corners: `\s` is JavaScript's whitespace (the set `trim()` removes), and `.` stops at a line
 * terminator.
 */

/** `\s` and `String.prototype.trim` agree on what whitespace is (WhiteSpace + LineTerminator). */
const isSpace = (ch: string): boolean => ch.trim() === '';
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;
const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';

/** Index of the first non-space character at or after `from` (s.length when none). */
function skipSpaces(s: string, from: number): number {
  let i = from;
  while (i < s.length && isSpace(s[i]!)) i++;
  return i;
}

/** Start of the longest suffix of `s` made of spaces, then `#`s, then spaces (`\s*#*\s*$`). */
function closingSequenceStart(s: string): number {
  let j = s.length;
  while (j > 0 && isSpace(s[j - 1]!)) j--;
  while (j > 0 && s[j - 1] === '#') j--;
  while (j > 0 && isSpace(s[j - 1]!)) j--;
  return j;
}

/**
 * The text of a lazy `\s+(.+?)` group that starts at `rest[0]` and ends where `end(k)` says, with
 * the regex engine's fallback when `rest` holds only spaces: the group then takes one space of its
 * own (the last one that is not a line terminator, after at least one for `\s+`).
 */
function lazyGroup(rest: string, end: (k: number) => number): string | undefined {
  if (!rest || !isSpace(rest[0]!)) return undefined;
  const k = skipSpaces(rest, 0);
  if (k === rest.length) {
    for (let w = rest.length - 1; w >= 1; w--) if (!LINE_TERMINATOR.test(rest[w]!)) return rest[w];
    return undefined;
  }
  const title = rest.slice(k, end(k));
  return LINE_TERMINATOR.test(title) ? undefined : title;
}

/**
 * An ATX heading of exactly `level` `#`s: `## Title ##` → "Title"; anything else → undefined.
 * Same as `/^#{level}\s+(.+?)\s*#*\s*$/` (the caller rules out deeper levels).
 */
export function atxHeading(line: string, level: number): string | undefined {
  for (let i = 0; i < level; i++) if (line[i] !== '#') return undefined;
  const rest = line.slice(level);
  return lazyGroup(rest, (k) => Math.max(closingSequenceStart(rest), k + 1));
}

export interface DateInParens {
  /** `(2024-05-29)` */
  iso?: string;
  /** `(29 May)`, `(29 May. 2024)` */
  day?: string;
  month?: string;
  year?: string;
  /** Where the date and the spaces before it begin: the text before it is `s.slice(0, start)`. */
  start: number;
  /** Where the `(` is. */
  open: number;
}

const DAY_MONTH = /^(\d{1,2})\s+([A-Za-z]{3,9})\.?(?:\s+(\d{4}))?$/;
const ISO = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A date in parentheses ending `s` (spaces around it allowed): the last `(` before the final `)`
 * is the only one that can open it, so its inside is matched once, anchored at both ends.
 * `iso` allows the `(2024-05-29)` form too.
 */
export function trailingDate(s: string, opts: { iso: boolean }): DateInParens | undefined {
  let e = s.length - 1;
  while (e >= 0 && isSpace(s[e]!)) e--;
  if (e < 0 || s[e] !== ')') return undefined;
  const open = s.lastIndexOf('(', e);
  if (open < 0) return undefined;
  const inside = s.slice(open + 1, e);
  let start = open;
  while (start > 0 && isSpace(s[start - 1]!)) start--;
  if (opts.iso && ISO.test(inside)) return { iso: inside, start, open };
  const m = DAY_MONTH.exec(inside);
  if (!m) return undefined;
  return { day: m[1]!, month: m[2]!, ...(m[3] ? { year: m[3] } : {}), start, open };
}

export interface NumberedItem {
  title: string;
  day?: string;
  month?: string;
  year?: string;
}

/**
 * `12. Title (29 May)` → {title, day, month}; `12. Title` → {title}; anything else → undefined.
 * Same as `/^(\d{1,3})\.\s+(.+?)(?:\s*\((\d{1,2})\s+([A-Za-z]{3,9})\.?(?:\s+(\d{4}))?\))?\s*$/`.
 */
export function numberedItem(line: string): NumberedItem | undefined {
  let n = 0;
  while (isDigit(line[n])) n++;
  if (n < 1 || n > 3 || line[n] !== '.') return undefined;
  const rest = line.slice(n + 1);
  let date: DateInParens | undefined;
  const title = lazyGroup(rest, (k) => {
    // The shortest title wins: up to the date when there is one (and the title keeps at least
    // one character before its `(`), else up to the trailing spaces.
    date = trailingDate(rest, { iso: false });
    if (date && Math.max(date.start, k + 1) <= date.open) return Math.max(date.start, k + 1);
    date = undefined;
    return rest.trimEnd().length;
  });
  if (title === undefined) return undefined;
  if (!date) return { title };
  const d = date as DateInParens;
  return { title, day: d.day!, month: d.month!, ...(d.year ? { year: d.year } : {}) };
}
