/**
 * Scheduled-send keys (docs/delivery.md "Scheduled sends"), kept apart from index.ts like the
 * deliverability keys: index.ts spreads SCHEDULE_ENV into its schema and calls scheduleConfig().
 */
import { z } from 'zod';
import { canonicalZone } from '../timezones';
import type { Config } from './shape';

const int = (def: number, min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max)).default(def);

export const SCHEDULE_ENV = {
  SCHEDULE_GRACE_MINUTES: int(60, 0, 7 * 24 * 60),
  SCHEDULE_POLL_MS: int(5000, 50, 600000),
  DEFAULT_TIMEZONE: z
    .string()
    .trim()
    .default('UTC')
    .transform((v, ctx) => {
      const zone = canonicalZone(v);
      if (zone) return zone;
      ctx.addIssue({ code: 'custom', message: 'must be an IANA time zone name such as Europe/Brussels' });
      return z.NEVER;
    }),
};

export function scheduleConfig(v: { SCHEDULE_GRACE_MINUTES: number; SCHEDULE_POLL_MS: number; DEFAULT_TIMEZONE: string }): Config['schedule'] {
  return Object.freeze({ graceMinutes: v.SCHEDULE_GRACE_MINUTES, pollMs: v.SCHEDULE_POLL_MS, defaultTimezone: v.DEFAULT_TIMEZONE });
}
