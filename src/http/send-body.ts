/**
 * The body of POST /api/issues/:id/send: nothing (send now), `{at}` (schedule at an instant) or
 * `{local_time, date}` (each reader at that wall-clock time in their own zone). Every mistake is a
 * 422 naming its field, before anything is read from the database.
 */
import { z } from 'zod';
import type { ScheduleRequest } from '../sending/schedule';

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-](0\d|1[0-4]):[0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Whether y-m-d is a day of the calendar (Date.parse accepts 30 February). */
function realDay(y: string, m: string, d: string): boolean {
  const t = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return t.getUTCFullYear() === Number(y) && t.getUTCMonth() === Number(m) - 1 && t.getUTCDate() === Number(d);
}

export const sendBody = z
  .strictObject(
    {
      at: z
        .string({ error: 'at must be an ISO 8601 date and time with an offset, e.g. 2026-12-08T08:00:00+01:00.' })
        .refine((v) => {
          const m = ISO_WITH_OFFSET.exec(v);
          return !!m && realDay(m[1]!, m[2]!, m[3]!) && !Number.isNaN(Date.parse(v));
        }, { error: 'at must be an ISO 8601 date and time with an offset, e.g. 2026-12-08T08:00:00+01:00.' })
        .optional(),
      local_time: z.string({ error: 'local_time must be HH:MM, e.g. 08:00.' }).regex(TIME, { error: 'local_time must be HH:MM, e.g. 08:00.' }).optional(),
      date: z
        .string({ error: 'date must be YYYY-MM-DD.' })
        .refine((v) => {
          const m = DATE.exec(v);
          return !!m && realDay(m[1]!, m[2]!, m[3]!);
        }, { error: 'date must be YYYY-MM-DD, a day of the calendar.' })
        .optional(),
    },
    { error: 'The body must be a JSON object.' },
  )
  .superRefine((b, ctx) => {
    if (b.at !== undefined && (b.local_time !== undefined || b.date !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [b.local_time !== undefined ? 'local_time' : 'date'], message: 'Give either at, or local_time with date, not both.' });
    } else if (b.local_time !== undefined && b.date === undefined) {
      ctx.addIssue({ code: 'custom', path: ['date'], message: 'local_time needs a date (YYYY-MM-DD).' });
    } else if (b.date !== undefined && b.local_time === undefined) {
      ctx.addIssue({ code: 'custom', path: ['local_time'], message: 'date needs a local_time (HH:MM).' });
    }
  });

export type SendBody = z.infer<typeof sendBody>;

/** The schedule a body asks for, or undefined for "send now". */
export function scheduleRequest(b: SendBody | undefined): ScheduleRequest | undefined {
  if (b?.at !== undefined) return { at: new Date(b.at) };
  if (b?.local_time !== undefined && b.date !== undefined) return { localTime: b.local_time, date: b.date };
  return undefined;
}
