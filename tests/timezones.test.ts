/** Wall-clock times in IANA zones with Intl only (src/timezones.ts): DST gaps and overlaps, names. */
import { canonicalZone, formatInZone, zonedInstant } from '../src/timezones';

test('a wall-clock time becomes the instant that zone shows it', () => {
  expect(zonedInstant('2026-12-08', '08:00', 'Asia/Shanghai').toISOString()).toBe('2026-12-08T00:00:00.000Z');
  expect(zonedInstant('2026-12-08', '08:00', 'Europe/Brussels').toISOString()).toBe('2026-12-08T07:00:00.000Z');
  expect(zonedInstant('2026-07-08', '08:00', 'Europe/Brussels').toISOString()).toBe('2026-07-08T06:00:00.000Z');
  expect(zonedInstant('2026-12-08', '08:00', 'Asia/Kolkata').toISOString()).toBe('2026-12-08T02:30:00.000Z');
  expect(formatInZone(new Date('2026-12-08T13:00:00Z'), 'America/New_York')).toBe('2026-12-08 08:00');
});

test('a time in the spring-forward gap moves to the next valid minute; a doubled one is its first', () => {
  // New York, 8 March 2026: 02:00–02:59 does not exist; 03:00 EDT = 07:00 UTC.
  expect(zonedInstant('2026-03-08', '02:30', 'America/New_York').toISOString()).toBe('2026-03-08T07:00:00.000Z');
  expect(zonedInstant('2026-03-29', '02:30', 'Europe/Brussels').toISOString()).toBe('2026-03-29T01:00:00.000Z');
  // 1 November 2026: 01:30 happens in EDT and again in EST; the first is 05:30 UTC.
  expect(zonedInstant('2026-11-01', '01:30', 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
});

test('zone names: IANA names in canonical spelling, nothing else', () => {
  expect(canonicalZone('europe/brussels')).toBe('Europe/Brussels');
  expect(canonicalZone('UTC')).toBe('UTC');
  for (const bad of ['Mars/Olympus', '+01:00', '', 'Europe/Brussels; DROP', 'x'.repeat(80)]) expect(canonicalZone(bad)).toBeUndefined();
});
