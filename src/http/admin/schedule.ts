/**
 * Scheduling from the console: how the send page's "later" forms (a time in the editor's own zone,
 * or a local hour in each reader's zone) become a schedule request, and /admin/schedule, the list. The
 * schedule service does the checks (future, at most a year ahead) and the audit entry, as for the API.
 */
import { Router } from 'express';
import { ValidationError } from '../../errors';
import type { ScheduleRequest } from '../../sending/schedule';
import { canonicalZone, zonedInstant } from '../../timezones';
import { sendBody } from '../send-body';
import type { ConsoleDeps } from './deps';
import { scheduleListView } from './schedule-views';
import { consolePage } from './views';

const DATETIME_LOCAL = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?$/;

/** The form's fields as a schedule request, checked like the API's body. */
export function requestOf(body: Record<string, unknown>, defaultZone: string): ScheduleRequest {
  const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  if (body.mode === 'local') {
    const parsed = sendBody.safeParse({ local_time: text('local_time'), date: text('date') });
    if (!parsed.success) throw new ValidationError(parsed.error.issues[0]!.message, String(parsed.error.issues[0]!.path[0] ?? 'date'));
    return { localTime: text('local_time'), date: text('date') };
  }
  const m = DATETIME_LOCAL.exec(text('at_local'));
  if (!m || !sendBody.safeParse({ date: m[1], local_time: m[2] }).success) throw new ValidationError('Give a date and a time.', 'at');
  const zone = canonicalZone(text('editor_zone')) ?? defaultZone;
  return { at: zonedInstant(m[1]!, m[2]!, zone) };
}

export function scheduleRouter(c: ConsoleDeps): Router {
  const r = Router();
  const mailbox = !!c.mailbox;

  r.get('/schedule', async (_req, res) => {
    const rows = await c.sending.schedules.list();
    res.type('html').send(consolePage(res, { title: 'Scheduled sends', mailbox, body: scheduleListView(rows, c.config.schedule.defaultTimezone) }));
  });

  return r;
}
