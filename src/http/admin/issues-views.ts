/** Markup of the console's issue pages: the list with send results and the import form. */
import type { SendSummary } from '../../editors/overview';
import type { FieldProblem } from '../../issues/document';
import type { IssueSummary } from '../../issues/service';
import { shownSendStatus } from '../../sending/status';
import { html, type SafeHtml } from '../html';
import { scrollRegion } from '../layout';
import { badge, csrfInput, when } from './views';
import type { Figures } from '../../deliverability/report';

function sendCell(s: SendSummary | undefined) {
  if (!s) return html`<span class="muted">not sent</span>`;
  return html`${badge(shownSendStatus(s))} <span class="muted">${s.sent}/${s.total} sent${s.failed ? `, ${s.failed} failed` : ''}${s.uncertain ? `, ${s.uncertain} uncertain` : ''}</span>`;
}

/** "Preview", "Edit", "Send" repeat on every row; the hidden title tells a screen reader which issue. */
const forIssue = (title: string) => html`<span class="visually-hidden"> “${title}”</span>`;

/** The issue list: title, status, items, send results, actions. */
export function issueListView(issues: IssueSummary[], sends: Map<number, SendSummary>): SafeHtml {
return html`<div class="row spread"><h1>Issues</h1>
<p class="row"><a class="button" href="/admin/issues/new">New issue</a> <a class="button secondary" href="/admin/issues/import">Import a file</a></p></div>
<p><a href="/admin/deliverability">Bounces and complaints by topic</a></p>
${issues.length === 0 ? html`<p>No issue yet. Write one or import a Markdown or plain-text file.</p>` : scrollRegion('Issues', html`<table class="issues">
<thead><tr><th>Issue</th><th>Status</th><th>Items</th><th>Send</th><th>Updated</th><th>Actions</th></tr></thead>
<tbody>${issues.map(
    (i) => html`<tr><td><a href="/admin/issues/${i.id}">${i.title}</a><br><small class="muted">${i.slug}</small></td>
<td>${badge(i.status)}</td><td>${i.item_count}</td><td>${sendCell(sends.get(i.id))}</td><td>${when(i.updated_at)}</td>
<td class="actions"><a href="/admin/issues/${i.id}/preview">Preview${forIssue(i.title)}</a>${i.status === 'draft' ? html` · <a href="/admin/issues/${i.id}/edit">Edit${forIssue(i.title)}</a>` : ''} · <a href="/admin/issues/${i.id}/send">${i.status === 'draft' ? 'Send' : 'Progress'}${forIssue(i.title)}</a></td></tr>`,
  )}</tbody></table>`)}`;
}

export function importForm(csrf: string, problems: FieldProblem[] = [], fields: Record<string, string> = {}): SafeHtml {
  return html`<h1>Import an issue</h1>
<p>Upload the issue as Markdown (front matter, <code>## Section</code>, <code>### Item</code>; see docs/authoring.md) or as a plain-text newsletter. The importer suggests topics for every item; you confirm them in the editor before anything is sent.</p>
${problems.length ? html`<div class="errors" role="alert" id="form-errors"><ul>${problems.map((p) => html`<li><strong>${p.field}</strong>: ${p.message}</li>`)}</ul></div>` : ''}
<form method="post" action="/admin/issues/import" enctype="multipart/form-data" class="card">
${csrfInput(csrf)}
<label for="file">File (.md or .txt)</label>
<input type="file" id="file" name="file" accept=".md,.markdown,.txt,text/markdown,text/plain">
<label for="format">Format</label>
<select id="format" name="format">
${(['auto', 'markdown', 'text'] as const).map((f) => html`<option value="${f}"${fields.format === f ? html` selected` : ''}>${f === 'auto' ? 'Detect' : f === 'markdown' ? 'Markdown' : 'Plain text'}</option>`)}
</select>
<label for="slug">Slug (optional)</label>
<input type="text" id="slug" name="slug" value="${fields.slug ?? ''}">
<details><summary>…or paste the text</summary>
<label for="source">Text</label><textarea id="source" name="source" rows="8">${fields.source ?? ''}</textarea></details>
<p><button type="submit">Import as draft</button></p>
</form>`;
}

/** Every send's bounces and complaints per topic (docs/deliverability.md). */
export function topicDeliverabilityView(topics: ({ topic: string } & Figures)[]): SafeHtml {
  return html`<p><a href="/admin/issues">← Issues</a></p>
<h1>Bounces and complaints by topic</h1>
<p>Across every send, per topic of the email each reader got. Rates are shares of the messages delivered.</p>
${topics.length ? scrollRegion('Bounces and complaints by topic', html`<table class="deliverability"><thead><tr><th>Topic</th><th>Delivered</th><th>Hard bounces</th><th>Soft bounces</th><th>Complaints</th></tr></thead>
<tbody>${topics.map((t) => html`<tr><th scope="row">${t.topic}</th><td class="num">${t.delivered}</td><td class="num">${t.hard_bounces} (${t.hard_bounce_rate}%)</td><td class="num">${t.soft_bounces} (${t.soft_bounce_rate}%)</td><td class="num">${t.complaints} (${t.complaint_rate}%)</td></tr>`)}</tbody></table>`) : html`<p class="muted">Nothing sent yet.</p>`}`;
}
