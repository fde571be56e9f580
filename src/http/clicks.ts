/**
 * GET /l/:token — a counted link from a newsletter (src/clicks/redirect.ts). 302 to the link the
 * editor wrote, or 404 (an HTML page, never a redirect) for a token that does not verify. HEAD is
 * answered like GET (Express) and counted as a machine's click. `no-store`: every click reaches
 * us, and no cache keeps where a reader went.
 */
import { Router } from 'express';
import type { Container } from '../container';
import { NotFoundError } from '../errors';

type Deps = Pick<Container, 'clicks'>;

export function clicksRouter(deps: Deps): Router {
  const r = Router();
  r.get('/l/:token', async (req, res) => {
    res.locals.htmlErrors = true;
    const url = await deps.clicks.redirects.follow(String(req.params.token), { method: req.method, userAgent: req.get('user-agent') });
    if (!url) throw new NotFoundError('This link is not valid. Check that it was copied whole from the email.');
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(302, url);
  });
  return r;
}
