/**
 * The subscribe form and its answer page. Server-rendered and usable without JavaScript: labels on
 * every control, errors listed in an alert region at the top and tied to their fields with
 * aria-describedby, the first invalid field focused.
 */
import { html, type SafeHtml } from '../html';
import { page } from '../layout';
import type { Topic } from '../../topics';
import { CONSENT_TEXT } from '../../subscribers/consent';

export interface FormState {
  email?: string;
  name?: string;
  topics?: string[];
  error?: { field: string | undefined; message: string };
}

function topicBoxes(topics: Topic[], checked: readonly string[], describedBy: string | undefined): SafeHtml {
  return html`${topics.map(
    (t) => html`<label class="check"><input type="checkbox" name="topics" value="${t.slug}"${checked.includes(t.slug) ? html` checked` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}>
<span>${t.name}<small>${t.description}</small></span></label>`,
  )}`;
}

export function subscribePage(topics: Topic[], state: FormState = {}): string {
  const err = state.error;
  const field = err?.field === 'topics' || err?.field === 'name' ? err.field : err ? 'email' : undefined;
  const fieldAttrs = (f: string) =>
    field === f ? html` aria-invalid="true" aria-describedby="${f}-error" autofocus` : html``;
  const body = html`<h1>Subscribe to Tidings</h1>
<p>China technology policy news, sent only on the topics you choose.</p>
${err ? html`<div class="errors" role="alert" id="form-errors"><p><strong>There is a problem:</strong> <a href="#${field}">${err.message}</a></p></div>` : ''}
<form method="post" action="/subscribe" novalidate>
<label for="email">Email address</label>
${field === 'email' ? html`<p class="error" id="email-error">${err!.message}</p>` : ''}
<input type="email" id="email" name="email" autocomplete="email" required maxlength="254" value="${state.email ?? ''}"${fieldAttrs('email')}>
<label for="name">Name <span class="hint">optional</span></label>
${field === 'name' ? html`<p class="error" id="name-error">${err!.message}</p>` : ''}
<input type="text" id="name" name="name" autocomplete="name" maxlength="100" value="${state.name ?? ''}"${fieldAttrs('name')}>
<fieldset id="topics"${field === 'topics' ? html` aria-invalid="true"` : ''}>
<legend>Topics</legend>
${field === 'topics' ? html`<p class="error" id="topics-error">${err!.message}</p>` : ''}
${topicBoxes(topics, state.topics ?? [], field === 'topics' ? 'topics-error' : undefined)}
</fieldset>
<input type="hidden" name="timezone" value="" data-browser-zone>
<div class="hp" aria-hidden="true"><label for="website">Leave this empty</label><input type="text" id="website" name="website" tabindex="-1" autocomplete="off"></div>
<p class="hint" id="consent">${CONSENT_TEXT}</p>
<button type="submit">Subscribe</button>
</form>`;
  // timezone.js fills the hidden field from the browser; without script the default zone applies.
  return page({ title: 'Subscribe', body, scripts: ['/assets/timezone.js'] });
}

/** The one answer for every accepted request, whatever the address's state. */
export function checkInboxPage(returnTo?: string): string {
  return page({
    title: 'Check your inbox',
    body: html`<h1>Check your inbox</h1>
<div class="notice" role="status"><p>If this address can receive our newsletter, an email is on its way. Open the link in it to confirm your subscription.</p></div>
<p class="muted">Nothing arrived after a few minutes? Look in your spam folder, or <a href="/">try again</a>.</p>
${returnTo ? html`<p><a href="${returnTo}" id="return-to">Back to ${new URL(returnTo).host}</a></p>` : ''}`,
  });
}
