/** The sign-in page: the editor key field and the form's double-submit token. */
import { html } from '../html';
import { CSRF_FIELD } from './session';
import { barePage } from './views';

export function signInPage(o: { token: string; next: string; error?: string; expired?: boolean; signedOut?: boolean }): string {
  return barePage(
    'Sign in',
    html`<h1>Sign in to the console</h1>
${o.expired ? html`<div class="notice" role="status"><p>Your session has expired. Please sign in again.</p></div>` : ''}
${o.signedOut ? html`<div class="notice" role="status"><p>You are signed out.</p></div>` : ''}
<form method="post" action="/admin/sign-in" class="card" novalidate>
<input type="hidden" name="${CSRF_FIELD}" value="${o.token}">
<input type="hidden" name="next" value="${o.next}">
<label for="key">Editor key</label>
<input type="password" id="key" name="key" autocomplete="current-password" required
  ${o.error ? html`aria-invalid="true" aria-describedby="key-error"` : ''}>
${o.error ? html`<p class="error" id="key-error">${o.error}</p>` : ''}
<p class="hint">The key printed by <code>npm run cli -- keys create &lt;your name&gt;</code>, or <code>EDITOR_API_KEY</code>.</p>
<p><button type="submit">Sign in</button></p>
</form>`,
  );
}
