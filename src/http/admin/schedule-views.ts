/**
 * Views of scheduled sends in the console: the "later" choices of the send confirmation (at a time
 * in the editor's own zone, or at a local hour in each reader's zone), a waiting schedule with
 * reschedule and cancel, the zones of a local-time send, and the list of what is scheduled.
 * The editor's zone comes from the browser (timezone.js fills it); without script the service's
 * DEFAULT_TIMEZONE is used and named.
 */
import type { ScheduleView } from '../../sending/schedule';
import type { ZoneProgress } from '../../sending/zones';
import { formatInZone } from '../../timezones';
import { html, type SafeHtml } from '../html';
import { scrollRegion } from '../layout';
import { badge, csrfInput } from './views';

const zoneField = (defaultZone: string) =>
  html`<input type="hidden" name="editor_zone" value="" data-browser-zone>
<p class="hint">Times are in your time zone: <strong data-browser-zone-label>${defaultZone}</strong>.</p>`;

/** Schedule (or reschedule) forms; `label` names the submit buttons. */
export function scheduleForms(issueId: number, csrf: string, defaultZone: string, label = 'Schedule'): SafeHtml {
  return html`<div class="grid">
<form method="post" action="/admin/issues/${issueId}/send/schedule" class="card" id="schedule-at">${csrfInput(csrf)}
<h2>Send later</h2>
<input type="hidden" name="mode" value="at">
<label for="at-local">Date and time</label>
<input type="datetime-local" id="at-local" name="at_local" required>
${zoneField(defaultZone)}
<p><button type="submit">${label}</button></p>
</form>
<form method="post" action="/admin/issues/${issueId}/send/schedule" class="card" id="schedule-local">${csrfInput(csrf)}
<h2>At each reader’s local time</h2>
<input type="hidden" name="mode" value="local">
<label for="local-date">Date</label>
<input type="date" id="local-date" name="date" required>
<label for="local-time">Local time</label>
<input type="time" id="local-time" name="local_time" value="08:00" required>
<p class="hint">Each reader gets it at this hour in their own time zone; readers without one use ${defaultZone}.</p>
<p><button type="submit">${label} by reader time zone</button></p>
</form>
</div>`;
}

function whenText(s: ScheduleView, zone: string): string {
  if (s.local_time && s.date) return `${s.local_time} on ${s.date} in each reader’s time zone (first zone ${formatInZone(new Date(s.scheduled_at), zone)} ${zone})`;
  return `${formatInZone(new Date(s.scheduled_at), zone)} ${zone}`;
}

/** A schedule that waits, or was missed: when, and what the editor can do. */
export function waitingView(o: { issueId: number; schedule: ScheduleView; csrf: string; defaultZone: string }): SafeHtml {
  const s = o.schedule;
  return html`<section class="card" id="schedule">
<p class="row">${badge(s.status)} <span data-k="scheduled-at" data-utc="${s.scheduled_at}">${whenText(s, o.defaultZone)}</span></p>
${s.status === 'missed' ? html`<p role="alert">This send did not start: ${s.error ?? 'it was due while nothing was running'}. Schedule it again, send it now, or cancel.</p>` : ''}
<form method="post" action="/admin/issues/${o.issueId}/send/cancel" class="inline">${csrfInput(o.csrf)}<button type="submit" class="danger">Cancel the schedule</button></form>
<form method="post" action="/admin/issues/${o.issueId}/send" class="inline">${csrfInput(o.csrf)}<button type="submit" class="secondary">Send now instead</button></form>
</section>
<h2>Reschedule</h2>
${scheduleForms(o.issueId, o.csrf, o.defaultZone, 'Reschedule')}`;
}

/** The zones of a local-time send: when each is due and how far it got. */
export function zonesView(zones: ZoneProgress[] | undefined): SafeHtml | string {
  if (!zones?.length) return '';
  return html`<h2>Time zones</h2>
${scrollRegion('Time zones', html`<table class="zones"><thead><tr><th>Time zone</th><th>Due (UTC)</th><th>State</th><th>Sent</th><th>Waiting</th><th>Readers</th></tr></thead>
<tbody>${zones.map((z) => html`<tr data-zone="${z.zone}"><td>${z.zone}</td><td>${formatInZone(new Date(z.due_at), 'UTC')}</td><td>${badge(z.state)}</td><td class="num">${z.sent}</td><td class="num">${z.waiting}</td><td class="num">${z.total}</td></tr>`)}</tbody></table>`)}`;
}

/** What is scheduled, by day (UTC), with what needs the editor first. */
export function scheduleListView(rows: (ScheduleView & { title: string })[], defaultZone: string): SafeHtml {
  const days = new Map<string, typeof rows>();
  for (const r of rows) {
    const day = r.scheduled_at.slice(0, 10);
    days.set(day, [...(days.get(day) ?? []), r]);
  }
  return html`<h1>Scheduled sends</h1>
${rows.length
    ? [...days].map(([day, list]) => html`<h2>${day}</h2>
<ul class="schedule-day">${list.map((r) => html`<li>${badge(r.status)} <a href="/admin/issues/${r.issue_id}/send">${r.title}</a> — ${whenText(r, defaultZone)}</li>`)}</ul>`)
    : html`<p class="muted">Nothing is scheduled.</p>`}`;
}
