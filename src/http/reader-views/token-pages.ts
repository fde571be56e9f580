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

const topicBoxes = (topics: Topic[], checked: readonly string[]) =>
  topics.map(
    (t) => html`<label class="check"><input type="checkbox" name="topics" value="${t.slug}"${checked.includes(t.slug) ? html` checked` : ''}>
<span>${t.name}<small>${t.description}</small></span></label>`,
  );

/**
 * The preference centre. A confirmed reader changes topics or unsubscribes here. A reader who is not
 * (or no longer) confirmed cannot subscribe from this page: the link may come from a forwarded
 * newsletter, so they can only ask for a confirmation email to their address, and are back once
 * they press its button (issue 11).
 */
/** Every zone the runtime knows, once per process (Node 20: ~420 names). */
let zoneNames: string[] | undefined;

/** Where local-time deliveries reach the reader: a labelled list, "not set" first. */
function zonePicker(current: string | null, defaultZone: string) {
  zoneNames ??= Intl.supportedValuesOf('timeZone');
  const names = current && !zoneNames.includes(current) ? [current, ...zoneNames] : zoneNames;
  return html`<label for="timezone">Your time zone <span class="hint">for issues sent at a local hour</span></label>
<select id="timezone" name="timezone">
<option value=""${current ? '' : html` selected`}>Not set (${defaultZone})</option>
${names.map((z) => html`<option${z === current ? html` selected` : ''}>${z}</option>`)}
</select>`;
}

export function preferencesPage(opts: {
  action: string;
  csrf: string;
  sub: SubscriberView;
  topics: Topic[];
  notice?: string;
  error?: string;
  /** DEFAULT_TIMEZONE, named beside "not set" in the time-zone list. */
  defaultZone: string;
  /** The boxes to show checked when the page answers a refused form (what the reader sent). */
  selected?: readonly string[];
}): string {
  const { sub } = opts;
  const checked = opts.selected ?? sub.topics;
  const active = sub.status === 'confirmed';
  const pending = sub.status === 'pending';
  const comeBack = html`<form method="post" action="${opts.action}">
<input type="hidden" name="csrf" value="${opts.csrf}">
<fieldset><legend>${pending ? 'Topics you asked for' : 'Subscribe again'}</legend>
${topicBoxes(opts.topics, checked)}
</fieldset>
<p>${pending ? 'We are waiting for you to press the button in the confirmation email we sent to ' : 'We will send a confirmation email to '}<strong>${sub.email ?? ''}</strong>${pending ? '. Lost it? Ask for a new one.' : '. You receive newsletters again once you press the button in it.'}</p>
<div class="row"><button type="submit" name="action" value="resubscribe">${pending ? 'Send me a new confirmation email' : 'Send me a confirmation email'}</button></div>
</form>`;
  return page({
    title: 'Your preferences',
    body: html`<h1>Your preferences</h1>
${opts.notice ? html`<div class="notice" role="status"><p>${opts.notice}</p></div>` : ''}
${opts.error ? html`<div class="errors" role="alert"><p>${opts.error}</p></div>` : ''}
<p>Email: <strong>${sub.email ?? ''}</strong> · Status: <strong id="status">${active ? 'subscribed' : pending ? 'waiting for confirmation' : 'unsubscribed'}</strong></p>
${
  active
    ? html`<form method="post" action="${opts.action}">
<input type="hidden" name="csrf" value="${opts.csrf}">
<fieldset><legend>Topics you receive</legend>
${topicBoxes(opts.topics, checked)}
</fieldset>
${zonePicker(sub.timezone ?? null, opts.defaultZone)}
<div class="row"><button type="submit" name="action" value="save">Save my topics</button>
<button type="submit" name="action" value="unsubscribe" class="secondary">Unsubscribe from everything</button></div>
</form>`
    : sub.suppressed
      ? html`<p>We can no longer send email to this address: it bounced, was reported as spam, or its data was erased.</p>`
      : comeBack
}`,
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

/**
 * The answer to an unsubscribe (RFC 8058 one-click, or the button). It carries no preferences
 * link: whoever holds an unsubscribe link (a mailbox provider, the recipient of a forwarded email)
 * must not get a way to subscribe the reader again. Coming back goes through the subscribe form
 * and a new confirmation email.
 */
export function unsubscribedPage(topicName: string | undefined): string {
  return page({
    title: 'Unsubscribed',
    body: html`<h1>${topicName ? html`No more ${topicName} news` : 'You are unsubscribed'}</h1>
<div class="notice" role="status"><p>${topicName ? 'That topic is removed from your subscription.' : 'You will receive no more newsletters from us.'}</p></div>
<p>${
      topicName
        ? 'Your other topics stay. Every newsletter has a link to change them.'
        : html`Changed your mind? <a href="/">Subscribe again</a>: we will send you a confirmation email.`
    }</p>`,
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
