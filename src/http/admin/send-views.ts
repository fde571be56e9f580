/** Views of the send pages: confirmation, live progress, report, uncertain deliveries, audit log. */
import type { Figures, SendDeliverability } from '../../deliverability/report';
import type { AuditEntry } from '../../editors/audit';
import type { Issue } from '../../issues/service';
import type { VariantSummary } from '../../rendering/variants';
import type { SendReport } from '../../sending/report';
import type { Progress } from '../../sending/service';
import type { Topic } from '../../topics';
import { html, type SafeHtml } from '../html';
import { scrollRegion } from '../layout';
import { badge, csrfInput, notice, when } from './views';

export function confirmView(o: {
  issue: Issue; variants: VariantSummary[]; audience: Map<string, number>; topics: Topic[]; csrf: string; later: SafeHtml;
}): SafeHtml {
  const names = new Map(o.topics.map((t) => [t.slug, t.name]));
  const rows = o.variants.map((v) => ({ v, readers: o.audience.get(v.topics) ?? 0 }));
  const reached = rows.filter((r) => !r.v.empty).reduce((a, r) => a + r.readers, 0);
  const skipped = rows.filter((r) => r.v.empty).reduce((a, r) => a + r.readers, 0);
  const canSend = o.issue.status === 'draft';
  return html`<p><a href="/admin/issues/${o.issue.id}/preview">← Preview</a></p>
<h1>Send “${o.issue.title}”</h1>
<p>Each reader gets the one email that matches their topics. This is who the send reaches if you start it now:</p>
${scrollRegion('Readers per variant', html`<table class="audience">
<thead><tr><th>Readers of</th><th>Items</th><th>Readers</th><th>Email</th></tr></thead>
<tbody>${rows.map(
    ({ v, readers }) => html`<tr data-topics="${v.topics}"><td>${v.topicList.map((t) => names.get(t) ?? t).join(' + ')}</td><td>${v.itemCount}</td>
<td class="num">${readers}</td><td>${v.empty ? html`<span class="muted">nothing for them: skipped</span>` : html`<a href="/admin/issues/${o.issue.id}/preview#matrix">preview</a>`}</td></tr>`,
  )}</tbody>
<tfoot><tr><th scope="row" colspan="2">Emails to send</th><td class="num total" id="reach-total">${reached}</td><td>${skipped ? html`<span class="muted">${skipped} skipped</span>` : ''}</td></tr></tfoot>
</table>`)}
${canSend
    ? html`<form method="post" action="/admin/issues/${o.issue.id}/send" class="card">${csrfInput(o.csrf)}
<p>Once started, the issue can no longer be edited. You can pause or cancel the send while it runs.</p>
<p><button type="submit" id="start-send">Send to ${reached} readers</button></p></form>
${o.later}`
    : html`<p>${badge(o.issue.status)} This issue is not a draft; it cannot be sent.</p>`}`;
}

function eta(p: Progress): string {
  if (p.status === 'completed' || p.status === 'cancelled') return '—';
  if (!p.rate || !p.pending) return p.pending ? 'estimating…' : '—';
  const s = Math.ceil(p.pending / p.rate);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

function counts(c: Record<string, number>): string {
  return ['sent', 'bounced', 'skipped', 'failed', 'uncertain', 'cancelled', 'pending', 'sending']
    .filter((k) => c[k])
    .map((k) => `${c[k]} ${k}`)
    .join(', ');
}

function controls(issueId: number, p: Progress, csrf: string): SafeHtml | string {
  if (p.status === 'completed' || p.status === 'cancelled') return '';
  const button = (action: string, label: string, cls = '') =>
    html`<form method="post" action="/admin/issues/${issueId}/send/${action}" class="inline">${csrfInput(csrf)}<button type="submit" class="${cls}" data-action="${action}">${label}</button></form>`;
  return html`<div class="row controls">
${p.status === 'paused' ? button('resume', 'Resume') : button('pause', 'Pause', 'secondary')}
${button('cancel', 'Cancel the send', 'danger')}
</div>`;
}

export function progressView(o: {
  issue: Issue; progress: Progress; report: SendReport | undefined; uncertain: UncertainRow[]; log: AuditEntry[]; csrf: string; note?: string;
  zones: SafeHtml | string;
}): SafeHtml {
  const p = o.progress;
  const done = p.total - p.pending;
  const pct = p.total ? Math.floor((done / p.total) * 100) : p.prepared ? 100 : 0;
  const id = o.issue.id;
  const stat = (key: string, label: string, value: string | number) =>
    html`<div class="stat"><dt>${label}</dt><dd data-k="${key}">${value}</dd></div>`;
  return html`<p><a href="/admin/issues">← Issues</a> · <a href="/admin/issues/${id}/preview">Preview</a></p>
<h1>${o.issue.title}</h1>
${notice(o.note)}
<section class="card progress-card" id="progress" data-events="/admin/issues/${id}/send/events" data-status="${p.status}">
<p class="row"><span data-k="status">${badge(p.status)}</span>${p.pause_reason && p.status === 'paused' ? html`<span class="muted" data-k="pause_reason">${p.pause_reason}</span>` : ''}</p>
${p.complaint_warning ? html`<p class="notice" role="status">Complaints: ${p.complaint_warning}</p>` : ''}
<progress id="bar" max="100" value="${pct}" aria-label="Send progress">${pct}%</progress>
<p class="pct"><strong data-k="percent">${pct}%</strong> <span class="muted">(<span data-k="done">${done}</span> of <span data-k="total">${p.total}</span>${p.prepared ? '' : ', still preparing'})</span></p>
<dl class="stats">
${stat('sent', 'Sent', p.sent)}${stat('skipped', 'Skipped', p.skipped)}${stat('failed', 'Failed', p.failed)}
${stat('uncertain', 'Uncertain', p.uncertain)}${stat('pending', 'Remaining', p.pending)}
${stat('rate', 'Rate', `${p.rate}/s`)}${stat('eta', 'Time left', eta(p))}
</dl>
${controls(id, p, o.csrf)}
<p class="muted nojs-refresh"><a href="/admin/issues/${id}/send">Refresh</a></p>
</section>
${o.zones}
${o.report ? reportView(id, o.report) : ''}
${o.uncertain.length ? uncertainView(id, o.uncertain, o.csrf) : ''}
<h2>Audit log</h2>
${o.log.length
    ? scrollRegion('Audit log', html`<table class="audit"><thead><tr><th>When</th><th>Editor</th><th>Action</th><th>Detail</th></tr></thead>
<tbody>${o.log.map((e) => html`<tr><td>${when(e.created_at)}</td><td>${e.editor_name}</td><td>${e.action}</td><td class="muted">${e.detail ?? ''}</td></tr>`)}</tbody></table>`)
    : html`<p class="muted">No action recorded yet.</p>`}`;
}

function reportView(issueId: number, r: SendReport): SafeHtml {
  return html`<section class="report" id="report"><h2>Report</h2>
<p><a href="/admin/issues/${issueId}/clicks">Clicks on this issue</a></p>
<p>${badge(r.progress.status)} ${r.progress.completed_at ? html`finished ${when(r.progress.completed_at)}` : ''}</p>
<div class="grid">
<div class="card"><h3>Per variant</h3><table><thead><tr><th>Topics</th><th>Outcome</th></tr></thead>
<tbody>${r.variants.map((v) => html`<tr><td>${v.topics}</td><td>${counts(v.counts)}</td></tr>`)}</tbody></table></div>
<div class="card"><h3>Per topic</h3><table><thead><tr><th>Topic</th><th>Outcome</th></tr></thead>
<tbody>${r.topics.map((t) => html`<tr><td>${t.topic}</td><td>${counts(t.counts)}</td></tr>`)}</tbody></table></div>
</div>
<h3>Failures</h3>
${r.failures.length
    ? scrollRegion('Failures', html`<table class="failures"><thead><tr><th>Status</th><th>SMTP</th><th>Reason</th><th>Deliveries</th></tr></thead>
<tbody>${r.failures.map((f) => html`<tr><td>${f.status}</td><td>${f.smtp_code ?? '—'}</td><td>${f.error ?? '—'}</td><td class="num">${f.count}</td></tr>`)}</tbody></table>`)
    : html`<p class="muted">No failure.</p>`}
${deliverabilityView(r.deliverability)}
</section>`;
}

function rates(f: Figures): SafeHtml {
  return html`<td class="num">${f.delivered}</td><td class="num">${f.hard_bounces} (${f.hard_bounce_rate}%)</td><td class="num">${f.soft_bounces} (${f.soft_bounce_rate}%)</td><td class="num">${f.complaints} (${f.complaint_rate}%)</td>`;
}

/** Bounces and complaints reported after handoff (docs/deliverability.md), overall and per topic. */
export function deliverabilityView(d: SendDeliverability): SafeHtml {
  return html`<h3>Bounces and complaints</h3>
${d.complaint_warning ? html`<p class="notice">${d.complaint_warning}</p>` : ''}
${scrollRegion('Bounces and complaints', html`<table class="deliverability"><thead><tr><th>Scope</th><th>Delivered</th><th>Hard bounces</th><th>Soft bounces</th><th>Complaints</th></tr></thead>
<tbody><tr><th scope="row">This send</th>${rates(d)}</tr>
${d.topics.map((t) => html`<tr><th scope="row">Topic ${t.topic}</th>${rates(t)}</tr>`)}</tbody></table>`)}`;
}

function uncertainView(issueId: number, rows: UncertainRow[], csrf: string): SafeHtml {
  return html`<section id="uncertain"><h2>Uncertain deliveries</h2>
<p>The mail server may or may not have accepted these: the connection broke after the message was handed over. Check the relay’s logs, then either mark them sent or send them again (a reader may then get the issue twice).</p>
<form method="post" action="/admin/issues/${issueId}/send/resolve" class="card">${csrfInput(csrf)}
${scrollRegion('Uncertain deliveries', html`<table><thead><tr><th>Select</th><th>Reader</th><th>Topics</th><th>Attempts</th><th>Error</th></tr></thead>
<tbody>${rows.map(
    (d) => html`<tr><td><input type="checkbox" name="ids" value="${d.id}" aria-label="Select delivery ${d.id}"></td><td>${d.email ?? '(erased)'}</td><td>${d.topics}</td><td>${d.attempts}</td><td class="muted">${d.error ?? ''}</td></tr>`,
  )}</tbody></table>`)}
<label class="check"><input type="checkbox" name="all" value="1"> All uncertain deliveries</label>
<p class="row"><button type="submit" name="action" value="mark-sent">Mark as sent</button>
<button type="submit" name="action" value="resend" class="secondary">Send again</button></p>
</form></section>`;
}

/** An uncertain delivery as the resolve form lists it (deliveries-list). */
export interface UncertainRow {
  id: number;
  subscriber_id: number;
  email: string | null;
  topics: string;
  attempts: number;
  smtp_code: number | null;
  error: string | null;
  claimed_at: Date | null;
}
