/**
 * GET /api/openapi.json and GET /api/docs, themselves declared routes (so they are in the document).
 * The document is built once, on first request, from the routes the API routers mount.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Container } from '../../container';
import { apiRoute, mountApi, type DeclaredRoute } from '../api-route';
import { docsPage } from './docs-page';
import { openApiDocument } from './document';

type Deps = Pick<Container, 'config' | 'editorAuth'>;

const VERSION = '0.1.0';

export function openApiRoutes(deps: Deps, routes: () => readonly DeclaredRoute[]): DeclaredRoute[] {
  let doc: Record<string, unknown> | undefined;
  const document = () => (doc ??= openApiDocument(routes(), { version: VERSION, serverUrl: deps.config.publicUrl }));
  return [
    apiRoute({
      method: 'get', path: '/api/openapi.json', summary: 'This description of the API (OpenAPI 3.1).', auth: 'public',
      responses: { 200: { description: 'The OpenAPI document.', schema: z.looseObject({ openapi: z.literal('3.1.0'), paths: z.record(z.string(), z.unknown()) }) } },
      errors: [],
      handler: async () => ({ status: 200, json: document() }),
    }),
    apiRoute({
      method: 'get', path: '/api/docs', summary: 'The API reference as a readable page.', auth: 'public',
      responses: { 200: { description: 'HTML.', schema: null, contentType: 'text/html' } },
      errors: [],
      handler: async ({ res }) => {
        res.type('html').send(docsPage(document()));
        return undefined;
      },
    }),
  ];
}

export function openApiRouter(deps: Deps, routes: () => readonly DeclaredRoute[]): Router {
  const r = Router();
  const own: DeclaredRoute[] = [];
  own.push(...openApiRoutes(deps, () => [...own, ...routes()]));
  mountApi(r, own, { auth: deps.editorAuth, checkResponses: deps.config.checkApiResponses });
  return r;
}
