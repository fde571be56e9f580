/** Pages behind links in emails: confirm, preferences, unsubscribe, and the uniform error page. */
import { html } from '../html';
import { page } from '../layout';
import type { Topic } from '../../topics';
import type { SubscriberView } from '../../subscribers/types';
import type { AppError } from '../../errors';

export function confirmPage(action: string, csrf: string): string {
  return page({
    title: 'Confirm your subscription',
    body: html`<h1>Confirm your subscription</h1>
<p>Press the button to start receiving Tidings.</p>
<form method="post" action="${action}"><input type="hidden" name="csrf" value="${csrf}">
<button type="submit">Confirm my subscription</button></form>`,
  });
}

export function confirmedPage(preferencesUrl: string): string {
  return page({
    title: 'Subscription confirmed',
    body: html`<h1>You are subscribed</h1>
<div class="notice" role="status"><p>Thank you: your subscription is confirmed.</p></div>
<p><a href="${preferencesUrl}">Change your topics or unsubscribe</a> at any time; every email carries this link too.</p>`,
  });
}

export function preferencesPage(opts: { action: string; csrf: string; sub: SubscriberView; topics: Topic[]; notice?: string }): string {
  const { sub } = opts;
  const active = sub.status === 'confirmed';
  return page({
    title: 'Your preferences',
    body: html`<h1>Your preferences</h1>
${opts.notice ? html`<div class="notice" role="status"><p>${opts.notice}</p></div>` : ''}
<p>Email: <strong>${sub.email ?? ''}</strong> · Status: <strong id="status">${active ? 'subscribed' : sub.status === 'pending' ? 'waiting for confirmation' : 'unsubscribed'}</strong></p>
<form method="post" action="${opts.action}">
<input type="hidden" name="csrf" value="${opts.csrf}">
<fieldset><legend>${active ? 'Topics you receive' : 'Pick topics to subscribe again'}</legend>
${opts.topics.map(
  (t) => html`<label class="check"><input type="checkbox" name="topics" value="${t.slug}"${active && sub.topics.includes(t.slug) ? html` checked` : ''}>
<span>${t.name}<small>${t.description}</small></span></label>`,
)}
</fieldset>
<div class="row"><button type="submit" name="action" value="save">${active ? 'Save my topics' : 'Subscribe again'}</button>
${active ? html`<button type="submit" name="action" value="unsubscribe" class="secondary">Unsubscribe from everything</button>` : ''}</div>
</form>`,
  });
}

export function unsubscribePage(action: string, topicName: string | undefined): string {
  return page({
    title: 'Unsubscribe',
    body: html`<h1>${topicName ? html`Stop ${topicName} news?` : 'Unsubscribe from Tidings?'}</h1>
<p>${topicName ? html`You will keep receiving your other topics.` : 'You will receive no more newsletters.'}</p>
<form method="post" action="${action}"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">${topicName ? html`Stop ${topicName} news` : 'Unsubscribe'}</button></form>`,
  });
}

export function unsubscribedPage(preferencesUrl: string, topicName: string | undefined): string {
  return page({
    title: 'Unsubscribed',
    body: html`<h1>${topicName ? html`No more ${topicName} news` : 'You are unsubscribed'}</h1>
<div class="notice" role="status"><p>${topicName ? 'That topic is removed from your subscription.' : 'You will receive no more newsletters from us.'}</p></div>
<p>Changed your mind? <a href="${preferencesUrl}">Open your preferences</a> to pick topics again.</p>`,
  });
}

/** Every reader-page error, including the uniform "link not valid" one. */
export function errorPage(err: AppError): string {
  const title = err.status === 404 ? 'Link not valid' : err.status === 429 ? 'Too many requests' : 'Something is not right';
  return page({
    title,
    body: html`<h1>${title}</h1>
<div class="errors" role="alert"><p>${err.message}</p></div>
<p><a href="/">Go to the subscribe page</a></p>`,
  });
}
