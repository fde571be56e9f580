/** /admin/settings: the welcome email, the embeddable signup form, and outgoing webhooks. */
import { Router, type Response } from 'express';
import { AppError } from '../../errors';
import { pathId } from '../api-route';
import { formBody } from '../body';
import type { ConsoleDeps } from './deps';
import { consoleLocals, verifyCsrf } from './session';
import { settingsView, type SettingsViewData } from './settings-views';
import { consolePage } from './views';

const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

export function settingsRouter(c: ConsoleDeps): Router {
  const r = Router();
  const hooks = c.webhooks.endpoints;

  const render = async (res: Response, extra: Partial<SettingsViewData> = {}, status = 200) => {
    const endpoints = await hooks.list();
    const data: SettingsViewData = {
      csrf: consoleLocals(res).session.csrfToken,
      welcome: await c.readers.mail.welcome.get(),
      welcomeOn: c.config.welcomeEmail,
      publicUrl: c.config.publicUrl,
      allowedOrigins: c.config.allowedOrigins,
      topics: await c.topics.list(),
      endpoints: await Promise.all(endpoints.map(async (endpoint) => ({ endpoint, failures: await hooks.failures(endpoint.id, 10) }))),
      ...extra,
    };
    res.status(status).type('html').send(consolePage(res, { title: 'Settings', mailbox: !!c.mailbox, body: settingsView(data) }));
  };
  /** A refused form is shown again with the problem next to its field. */
  const refused = (res: Response, err: unknown, extra: Partial<SettingsViewData> = {}) => {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    return render(res, { ...extra, error: { field: err.field ?? '', message: err.message } }, err.status);
  };

  r.get('/settings', async (req, res) => render(res, { notice: typeof req.query.saved === 'string' ? 'Saved.' : undefined }));

  r.post('/settings/welcome', formBody('64kb'), verifyCsrf, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    try {
      await c.readers.mail.welcome.save({ subject: body.subject, markdown: body.markdown }, consoleLocals(res).editor);
    } catch (err) {
      return refused(res, err, { welcome: { subject: String(body.subject ?? ''), markdown: String(body.markdown ?? '') } });
    }
    res.redirect(303, '/admin/settings?saved=1');
  });

  r.post('/settings/webhooks', formBody(), verifyCsrf, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    try {
      const { secret } = await hooks.create({ url: String(body.url ?? ''), events: list(body.events) }, consoleLocals(res).editor);
      // Answered on this page, not after a redirect: the secret must not sit in a URL or a later page.
      return render(res, { secret, notice: 'Endpoint added. Copy its signing secret now: it is not shown again.' }, 201);
    } catch (err) {
      return refused(res, err);
    }
  });

  r.post('/settings/webhooks/:id/enable', formBody(), verifyCsrf, async (req, res) => {
    await hooks.enable(pathId(req.params.id), consoleLocals(res).editor);
    res.redirect(303, '/admin/settings?saved=1');
  });

  r.post('/settings/webhooks/:id/delete', formBody(), verifyCsrf, async (req, res) => {
    await hooks.delete(pathId(req.params.id), consoleLocals(res).editor);
    res.redirect(303, '/admin/settings?saved=1');
  });

  return r;
}
