/**
 * GET /api/issues/:id/clicks — the click counts (src/clicks/report.ts): items in document
 * order with people's clicks in total, per topic set and per topic, each link, and machine clicks
 * beside them. An issue that was never sent answers zeros.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Container } from '../container';
import { apiRoute, idParam, mountApi } from './api-route';
import { clickReport } from './api-schemas';

type Deps = Pick<Container, 'config' | 'editorAuth' | 'clicks'>;

export function clicksApiRoutes(deps: Deps) {
  return [
    apiRoute({
      method: 'get', path: '/api/issues/:id/clicks', summary: 'Click counts per item, link, topic set and topic (aggregate only).', auth: 'editor',
      params: z.object({ id: idParam }),
      responses: { 200: { description: 'The click report.', schema: clickReport } },
      errors: [404],
      handler: async ({ params }) => ({ status: 200, json: await deps.clicks.reports.report(params.id) }),
    }),
  ];
}

export function clicksApiRouter(deps: Deps): Router {
  const r = Router();
  mountApi(r, clicksApiRoutes(deps), { auth: deps.editorAuth, checkResponses: deps.config.checkApiResponses });
  return r;
}
