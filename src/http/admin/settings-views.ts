/** Markup of the console's settings page: the welcome email, the signup form for other sites, webhooks. */
import type { Topic } from '../../topics';
import { WEBHOOK_EVENTS } from '../../webhooks/emit';
import type { WebhookEndpoint, WebhookFailure } from '../../webhooks/endpoints';
import type { WelcomeText } from '../../subscribers/welcome';
import { html, type SafeHtml } from '../html';
import { scrollRegion } from '../layout';
import { csrfInput, notice, when } from './views';

export interface SettingsViewData {
  csrf: string;
  welcome: WelcomeText;
  welcomeOn: boolean;
  publicUrl: string;
  allowedOrigins: readonly string[];
  topics: Topic[];
  endpoints: { endpoint: WebhookEndpoint; failures: WebhookFailure[] }[];
  notice?: string;
  error?: { field: string; message: string };
  /** A just-registered endpoint's secret, shown this once. */
  secret?: string;
}

/** The copy-paste form: plain HTML posting to /subscribe, no script, the topics as checkboxes. */
export function signupSnippet(publicUrl: string, topics: Topic[]): string {
  const boxes = topics.map((t) => `    <label><input type="checkbox" name="topics" value="${t.slug}"> ${t.name}</label>`).join('\n');
  return `<form method="post" action="${publicUrl}/subscribe">
  <label for="tidings-email">Email address</label>
  <input type="email" id="tidings-email" name="email" required autocomplete="email">
  <fieldset>
    <legend>Topics</legend>
${boxes}
  </fieldset>
  <!-- Where "check your inbox" links back to; must be on one of ALLOWED_ORIGINS. -->
  <input type="hidden" name="return_to" value="https://your-site.example/newsletter">
  <button type="submit">Subscribe</button>
</form>`;
}

const err = (o: SettingsViewData, field: string) => (o.error?.field === field ? html`<p class="error" id="${field}-error">${o.error.message}</p>` : '');
const invalid = (o: SettingsViewData, field: string) => (o.error?.field === field ? html` aria-invalid="true" aria-describedby="${field}-error"` : '');

function endpointRow({ endpoint: e, failures }: SettingsViewData['endpoints'][number], csrf: string): SafeHtml {
  const state = e.disabled_at
    ? html`<strong>Disabled</strong> since ${when(e.disabled_at)}: ${e.disabled_reason ?? ''}`
    : e.failing_since ? html`Failing since ${when(e.failing_since)}` : html`Active`;
  return html`<tr><td>${e.url}</td><td>${e.events.join(', ')}</td><td>${state}
${failures.length ? html`<details><summary>Recent failures (${failures.length})</summary><ul>${failures.slice(0, 10).map((f) => html`<li>evt_${f.event_id} ${f.type}: ${f.last_error ?? ''} (${f.attempts} attempts, next ${when(f.next_attempt_at)})</li>`)}</ul></details>` : ''}</td>
<td>${e.pending}</td><td>${e.delivered}</td>
<td>${e.disabled_at ? html`<form method="post" action="/admin/settings/webhooks/${e.id}/enable">${csrfInput(csrf)}<button type="submit" class="secondary small">Enable #${e.id}</button></form>` : ''}
<form method="post" action="/admin/settings/webhooks/${e.id}/delete">${csrfInput(csrf)}<button type="submit" class="secondary small">Delete #${e.id}</button></form></td></tr>`;
}

export function settingsView(o: SettingsViewData): SafeHtml {
  return html`<h1>Settings</h1>
${notice(o.notice)}
${o.error ? html`<div class="errors" role="alert"><p>${o.error.message}</p></div>` : ''}
<section aria-labelledby="welcome-h"><h2 id="welcome-h">Welcome email</h2>
<p>${o.welcomeOn ? 'Sent to each reader once they confirm.' : 'Off: WELCOME_EMAIL=off in the configuration.'} It always ends with the reader’s topics and a link to change them.</p>
<form method="post" action="/admin/settings/welcome">${csrfInput(o.csrf)}
<label for="subject">Subject</label>${err(o, 'subject')}
<input type="text" id="subject" name="subject" maxlength="200" value="${o.welcome.subject}"${invalid(o, 'subject')}>
<label for="markdown">Body (Markdown)</label>${err(o, 'markdown')}
<textarea id="markdown" name="markdown" rows="8"${invalid(o, 'markdown')}>${o.welcome.markdown}</textarea>
<button type="submit">Save the welcome email</button></form></section>
<section aria-labelledby="embed-h"><h2 id="embed-h">Signup form for your site</h2>
<p>Paste this form into your own pages. It works without script. The “check your inbox” page links back to <code>return_to</code>
when it is on one of ALLOWED_ORIGINS (now: ${o.allowedOrigins.length ? o.allowedOrigins.join(', ') : 'none'}); those sites may also call
<code>POST /api/subscriptions</code> from the browser.</p>
${scrollRegion('Signup form HTML', html`<pre><code>${signupSnippet(o.publicUrl, o.topics)}</code></pre>`)}</section>
<section aria-labelledby="hooks-h"><h2 id="hooks-h">Webhooks</h2>
${o.secret ? html`<div class="notice" role="status"><p>Signing secret, shown only now: <code>${o.secret}</code></p></div>` : ''}
${o.endpoints.length ? scrollRegion('Webhook endpoints', html`<table><thead><tr><th>URL</th><th>Events</th><th>State</th><th>Pending</th><th>Delivered</th><th>Actions</th></tr></thead>
<tbody>${o.endpoints.map((e) => endpointRow(e, o.csrf))}</tbody></table>`) : html`<p>No endpoints yet.</p>`}
<form method="post" action="/admin/settings/webhooks">${csrfInput(o.csrf)}
<label for="url">Endpoint URL (https)</label>${err(o, 'url')}
<input type="url" id="url" name="url" maxlength="2000"${invalid(o, 'url')}>
<fieldset id="events"${invalid(o, 'events')}><legend>Events</legend>${err(o, 'events')}
${WEBHOOK_EVENTS.map((e) => html`<label class="check"><input type="checkbox" name="events" value="${e}"> <span>${e}</span></label>`)}</fieldset>
<button type="submit">Add the endpoint</button></form></section>`;
}
