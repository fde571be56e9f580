/**
 * IANA time zones with the runtime's Intl data only (Node 20 carries full ICU): validation, the
 * offset of a zone at an instant, and the instant of a wall-clock time in a zone. No library: these
 * three functions are all scheduling needs.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * The names Intl resolves to "UTC" (any case). UTC, the default zone of every process, is answered
 * without Intl: the first time-zone formatter of a process loads ICU's zone and locale data, about
 * 8 MB of resident memory, which a worker that never sends by readers' zones does not need
 * (docs/performance.md, "Memory").
 */
const UTC_NAMES = new Set(['UTC', 'ETC/UTC', 'GMT', 'ETC/GMT', 'ZULU', 'ETC/ZULU', 'UCT', 'ETC/UCT', 'UNIVERSAL', 'ETC/UNIVERSAL', 'GREENWICH', 'ETC/GREENWICH', 'GMT0', 'ETC/GMT0', 'GMT+0', 'GMT-0', 'ETC/GMT+0', 'ETC/GMT-0']);

/** The canonical spelling of an IANA zone name ("europe/brussels" → "Europe/Brussels"), or undefined. */
export function canonicalZone(name: string): string | undefined {
  if (UTC_NAMES.has(name.toUpperCase())) return 'UTC';
  // Intl also takes offsets such as "+01:00"; only names are readers' zones.
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Wall-clock time in `zone` at `instantMs`, as milliseconds of a UTC date with those fields. */
function wallClock(zone: string, instantMs: number): number {
  if (zone === 'UTC') return Math.floor(instantMs / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

/** UTC offset of `zone` at an instant, in minutes east of Greenwich. */
export function offsetMinutes(zone: string, instant: Date): number {
  const ms = Math.floor(instant.getTime() / 1000) * 1000;
  return Math.round((wallClock(zone, ms) - ms) / 60_000);
}

/**
 * The instant at which `zone` shows `time` (HH:MM) on `date` (YYYY-MM-DD). A time that happens
 * twice (autumn fall-back) is its first occurrence; a time that never happens (spring-forward gap,
 * e.g. 02:30 in New York on 8 March 2026) moves to the next valid minute (03:00 there).
 */
export function zonedInstant(date: string, time: string, zone: string): Date {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = time.split(':').map(Number) as [number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  for (let step = 0; step <= 24 * 60; step++) {
    const target = wall + step * 60_000;
    // The offset either side of a transition is one of the offsets 14 h around the wall time.
    const candidates = new Set([-14, 0, 14].map((hours) => target - (wallClock(zone, target + hours * 3_600_000) - (target + hours * 3_600_000))));
    const hits = [...candidates].filter((t) => wallClock(zone, t) === target).sort((a, b) => a - b);
    if (hits.length) return new Date(hits[0]!);
  }
  throw new Error(`no valid time near ${date} ${time} in ${zone}`);
}

/** "2026-12-08 08:00" as shown in `zone`. */
export function formatInZone(instant: Date, zone: string): string {
  const w = new Date(wallClock(zone, instant.getTime()));
  return `${w.toISOString().slice(0, 10)} ${w.toISOString().slice(11, 16)}`;
}
