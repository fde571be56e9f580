/**
 * Every public router (reader pages, APIs, console, archive, mailbox), in mount order. Kept apart
 * from the composition root so worker processes, which serve only the ops endpoints, never load
 * them (src/app.ts requires this module only for ROLE=api|all).
 *
 * A new router: a file in src/http taking `Pick<Container, …what it uses>`, and one line below.
 * A JSON API router declares its routes with apiRoute() (src/http/api-route.ts).
 */
import type { Router } from 'express';
import type { Container } from '../container';
import { adminRouter } from './admin';
import { sessionCookie } from './admin/session';
import { archiveRouter } from './archive';
import type { DeclaredRoute } from './api-route';
import { clicksRouter } from './clicks';
import { clicksApiRouter, clicksApiRoutes } from './clicks-api';
import { issuesApiRouter, issuesApiRoutes } from './issues-api';
import { mailboxRouter } from './mailbox';
import { opsRouter } from './ops-router';
import { openApiRouter, openApiRoutes } from './openapi/router';
import { readerApiRouter, subscribeRoute } from './reader-api';
import { readerPagesRouter } from './reader-pages';
import { errorPage } from './reader-views/token-pages';
import { sendsApiRouter, sendsApiRoutes } from './sends-api';
import { subscribersApiRouter, subscribersApiRoutes } from './subscribers-api';
import { providerWebhooksRouter } from './provider-webhooks';
import { suppressionsApiRouter, suppressionsApiRoutes } from './suppressions-api';
import { webhooksRouter } from './webhooks';
import { webhooksApiRouter, webhooksApiRoutes } from './webhooks-api';

/** Reader-facing pages show errors as HTML pages (src/http/error-handler.ts). */
export const renderHtmlError = errorPage;

/** Every declared JSON route the routers below mount: what /api/openapi.json describes. */
export function apiRoutes(c: Container): DeclaredRoute[] {
  return [
    subscribeRoute(c), ...subscribersApiRoutes(c), ...suppressionsApiRoutes(c), ...sendsApiRoutes(c), ...clicksApiRoutes(c), ...issuesApiRoutes(c), ...webhooksApiRoutes(c),
  ];
}

/** The above and the document's own two routes: every declared route that is mounted. */
export function allApiRoutes(c: Container): DeclaredRoute[] {
  return [...openApiRoutes(c, () => []), ...apiRoutes(c)];
}

export function routers(c: Container): Router[] {
  const list = [
    opsRouter(c),
    openApiRouter(c, () => apiRoutes(c)),
    readerPagesRouter(c),
    readerApiRouter(c),
    subscribersApiRouter(c),
    suppressionsApiRouter(c),
    sendsApiRouter(c),
    webhooksRouter(c),
    webhooksApiRouter(c),
    providerWebhooksRouter(c),
    issuesApiRouter(c),
    clicksApiRouter(c),
    clicksRouter(c),
    archiveRouter(c),
    adminRouter(c),
  ];
  if (c.mailboxMessages) {
    const guard = c.config.production ? { sessions: c.consoleSessions, cookie: sessionCookie(c) } : undefined;
    list.push(mailboxRouter({ messages: c.mailboxMessages, guard }));
  }
  return list;
}
