/**
 * The preview matrix: the issue as each topic combination receives it, side by side. Each email is
 * shown in an iframe with the `sandbox` attribute (no script, no same-origin) whose document is also
 * served under a CSP `sandbox` header, so markup in an editor's text can never run in the console.
 * Plus the plain-text part, and a test send to the editor's own address (the sending service's test
 * email, the same one the API sends).
 */
import { Router, type Response } from 'express';
import { NotFoundError, ValidationError } from '../../errors';
import { exampleValues } from '../../rendering/example-links';
import { personalize } from '../../rendering/personalize';
import { topicSetKey } from '../../topics';
import { pathId } from '../api-route';
import { formBody } from '../body';
import { html } from '../html';
import { scrollRegion } from '../layout';
import type { ConsoleDeps } from './deps';
import { consoleLocals, verifyCsrf } from './session';
import { badge, bytes, consolePage, csrfInput, notice } from './views';

const SANDBOX_CSP = "sandbox; default-src 'none'; img-src data: https: http:; style-src 'unsafe-inline'";

async function topicSet(c: Pick<ConsoleDeps, 'topics'>, key: string): Promise<string[]> {
  const slugs = await c.topics.slugs();
  const set = key.split(',');
  if (!set.length || set.some((t) => !slugs.includes(t)) || topicSetKey(set) !== key) throw new NotFoundError('No such topic combination.');
  return set;
}

export function previewRouter(c: ConsoleDeps): Router {
  const r = Router();

  const page = async (res: Response, id: number, o: { width: string; note?: string; testError?: string; to?: string; status?: number }) => {
    const { editor, session } = consoleLocals(res);
    const issue = await c.issues.get(id);
    const variants = await c.variants.ensureVariants(id);
    const topics = await c.topics.list();
    const names = new Map(topics.map((t) => [t.slug, t.name]));
    const texts = new Map<string, string>();
    for (const v of variants) {
      if (!v.empty) texts.set(v.topics, personalize((await c.variants.variant(id, v.topicList)).text, exampleValues(c.config.publicUrl, v.topicList), 'text'));
    }
    const mobile = o.width === 'mobile';
    const body = html`<p><a href="/admin/issues">← Issues</a></p>
<h1>${issue.title}</h1>
<p class="row">${badge(issue.status)}
${issue.status === 'draft' ? html`<a class="button secondary" href="/admin/issues/${id}/edit">Edit</a>` : ''}
<a class="button" href="/admin/issues/${id}/send">${issue.status === 'draft' ? 'Send…' : 'Send progress'}</a></p>
${notice(o.note)}
<h2>Preview: what each reader receives</h2>
<p class="muted">One email per combination of topics a reader can choose. Links in previews are examples.</p>
<p class="row width-toggle" role="group" aria-label="Preview width">
<a class="button ${mobile ? 'secondary' : ''}" href="?w=desktop" data-width="desktop"${mobile ? '' : html` aria-current="true"`}>Desktop</a>
<a class="button ${mobile ? '' : 'secondary'}" href="?w=mobile" data-width="mobile"${mobile ? html` aria-current="true"` : ''}>Mobile (360 px)</a></p>
<div class="matrix ${mobile ? 'mobile' : 'desktop'}" id="matrix">
${variants.map((v) => {
  const readersOf = v.topicList.map((t) => names.get(t) ?? t).join(' + ');
  return html`<section class="variant card" data-topics="${v.topics}">
<h3>${readersOf}</h3>
<p class="muted"><span class="item-count">${v.itemCount}</span> items · ${bytes(v.htmlBytes)} · subject “${v.subject}”</p>
${v.empty
    ? html`<p class="notice">These readers get no email from this issue (nothing in it is for them); their delivery is skipped.</p>`
    : html`${scrollRegion(`Email for readers of ${readersOf}`, html`<iframe class="preview" title="Email for readers of ${readersOf}" sandbox loading="lazy" src="/admin/issues/${id}/preview/${v.topics}/html"></iframe>`, 'frame-wrap')}
<details><summary>Plain-text part</summary>${scrollRegion(`Plain-text part for readers of ${readersOf}`, html`<pre class="plain">${texts.get(v.topics) ?? ''}</pre>`, 'plain-wrap')}</details>`}
</section>`;
})}
</div>
<h2 id="test">Test send</h2>
<form method="post" action="/admin/issues/${id}/test" class="card">
${csrfInput(session.csrfToken)}
<label for="to">Send to</label>
<input type="email" id="to" name="to" value="${o.to ?? editor.email ?? ''}" required${o.testError ? html` aria-invalid="true" aria-describedby="to-error"` : ''}>
${o.testError ? html`<p class="error" id="to-error">${o.testError}</p>` : ''}
<fieldset><legend>As a reader of</legend>
${topics.map((t) => html`<label class="check inline"><input type="checkbox" name="topics" value="${t.slug}" checked> ${t.name}</label>`)}
</fieldset>
<p><button type="submit">Send a test email</button></p>
</form>`;
    res.status(o.status ?? 200).type('html').send(consolePage(res, { title: `Preview: ${issue.title}`, mailbox: !!c.mailbox, body }));
  };

  r.get('/issues/:id/preview', async (req, res) => {
    await page(res, pathId(req.params.id), {
      width: req.query.w === 'mobile' ? 'mobile' : 'desktop',
      note: req.query.saved === '1' ? 'Saved.' : req.query.tested ? `Test email sent to ${String(req.query.tested).slice(0, 254)}.` : undefined,
    });
  });

  r.get('/issues/:id/preview/:topics/html', async (req, res) => {
    const id = pathId(req.params.id);
    const set = await topicSet(c, String(req.params.topics));
    const v = await c.variants.variant(id, set);
    res.setHeader('Content-Security-Policy', SANDBOX_CSP);
    res.type('html').send(v.empty ? '' : personalize(v.html, exampleValues(c.config.publicUrl, set), 'html'));
  });

  r.get('/issues/:id/preview/:topics/text', async (req, res) => {
    const id = pathId(req.params.id);
    const set = await topicSet(c, String(req.params.topics));
    const v = await c.variants.variant(id, set);
    res.type('text/plain; charset=utf-8').send(v.empty ? '' : personalize(v.text, exampleValues(c.config.publicUrl, set), 'text'));
  });

  r.post('/issues/:id/test', formBody(), verifyCsrf, async (req, res) => {
    const id = pathId(req.params.id);
    const { editor } = consoleLocals(res);
    const body = req.body as Record<string, string | string[] | undefined>;
    const to = typeof body.to === 'string' ? body.to.trim() : '';
    const topics = Array.isArray(body.topics) ? body.topics : body.topics ? [body.topics] : [];
    try {
      await c.sending.testSender.send({ issueId: id, editor, to, topics });
    } catch (err) {
      // Input problems come back as the form with the message beside the address field.
      if (err instanceof ValidationError) return page(res, id, { width: 'desktop', testError: err.message, to, status: 422 });
      throw err;
    }
    res.redirect(303, `/admin/issues/${id}/preview?tested=${encodeURIComponent(to)}#test`);
  });

  return r;
}
