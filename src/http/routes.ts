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
import { clicksRouter } from './clicks';
import { clicksApiRouter } from './clicks-api';
import { issuesApiRouter } from './issues-api';
import { mailboxRouter } from './mailbox';
import { opsRouter } from './ops';
import { readerApiRouter } from './reader-api';
import { readerPagesRouter } from './reader-pages';
import { errorPage } from './reader-views/token-pages';
import { sendsApiRouter } from './sends-api';
import { subscribersApiRouter } from './subscribers-api';
import { providerWebhooksRouter } from './provider-webhooks';
import { suppressionsApiRouter } from './suppressions-api';
import { webhooksRouter } from './webhooks';

/** Reader-facing pages show errors as HTML pages (src/http/error-handler.ts). */
export const renderHtmlError = errorPage;

export function routers(c: Container): Router[] {
  const list = [
    opsRouter(c),
    readerPagesRouter(c),
    readerApiRouter(c),
    subscribersApiRouter(c),
    suppressionsApiRouter(c),
    sendsApiRouter(c),
    webhooksRouter(c),
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
