/**
 * Orders strings by UTF-16 code unit, as `Array.prototype.sort()` does without a comparator. For
 * the ASCII keys we sort (topic slugs, zone names, ISO timestamps) it gives the same order as
 * `localeCompare`, which a worker must not call: its first call loads ICU's collation data, about
 * 3 MB of resident memory (docs/performance.md, "Memory").
 */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
