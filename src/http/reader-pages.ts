/**
 * Reader pages: subscribe form, confirm, preferences, unsubscribe (incl. RFC 8058 one-click).
 * Thin: parse, call a readers service, render. Errors render as HTML pages; every unusable link
 * gets the same 404 page.
 *
 * Rate limits on the token pages: a *failed* token (forged, flipped, expired) costs the client IP
 * one of TOKEN_FAILURES_PER_IP per 10 minutes, so guessing is bounded, while a valid unsubscribe
 * link is never refused — a mailbox provider posting one-clicks for thousands of readers from one
 * IP must always get through. Form POSTs (confirm, preferences) also share a generous per-IP budget.
 */
import { Router, type Request } from 'express';
import type { Container } from '../container';
import { AppError, BadRequestError, ForbiddenError, ValidationError } from '../errors';
import { invalidLink } from '../subscribers/confirm';
import type { FormPurpose } from '../subscribers/form-tokens';
import type { VerifiedLinkToken } from '../subscribers/link-tokens';
import { formBody, requireContentType } from './body';
import { isOneClick, oneClickBody } from './one-click-body';
import { clientKey, consentContext, htmlErrors } from './reader-context';
import { safeReturnTo } from './embed';
import { checkInboxPage, subscribePage } from './reader-views/subscribe';
import { confirmedPage, confirmPage, preferencesPage, unsubscribedPage, unsubscribePage } from './reader-views/token-pages';

export const TOKEN_FAILURES_PER_IP = 50;
export const TOKEN_FORM_POSTS_PER_IP = 600;
const WINDOW = 600;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** Route params are strings for our patterns; typed loosely by @types/express. */
const tokenOf = (req: Request): string => String(req.params.token);

export function readerPagesRouter(c: Pick<Container, 'config' | 'readers' | 'topics' | 'rateLimiter' | 'linkTokens'>): Router {
  const r = Router();
  const readers = c.readers;
  const form = [requireContentType(['application/x-www-form-urlencoded']), formBody()];

  const failedToken = async (req: Request): Promise<never> => {
    await c.rateLimiter.hit('token-fail', clientKey(req), TOKEN_FAILURES_PER_IP, WINDOW);
    throw invalidLink();
  };
  const linkToken = async (req: Request, purpose: 'preferences' | 'unsubscribe'): Promise<VerifiedLinkToken> =>
    c.linkTokens.verify(tokenOf(req), purpose) ?? failedToken(req);

  /** CSRF for the cookie-less forms: a same-origin check plus an HMAC form token bound to the link. */
  const checkForm = async (req: Request, purpose: FormPurpose, token: string) => {
    await c.rateLimiter.hit('token-post', clientKey(req), TOKEN_FORM_POSTS_PER_IP, WINDOW);
    const origin = req.get('origin');
    const own = [new URL(c.config.publicUrl).origin, `${req.protocol}://${req.get('host')}`];
    if ((origin && origin !== 'null' && !own.includes(origin)) || req.get('sec-fetch-site') === 'cross-site') {
      throw new ForbiddenError('This form must be sent from this site.', 'cross_site');
    }
    if (!readers.formTokens.verify(purpose, token, (req.body as Record<string, unknown>).csrf)) {
      throw new ForbiddenError('This form has expired. Open the link from your email again.', 'bad_form_token');
    }
  };

  r.get('/', htmlErrors, async (_req, res) => {
    res.type('html').send(subscribePage(await c.topics.list()));
  });

  r.post('/subscribe', htmlErrors, ...form, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    await readers.subscriptions.limitClient(clientKey(req));
    try {
      await readers.subscriptions.subscribe(
        { email: body.email, name: body.name, topics: body.topics, timezone: body.timezone, honeypot: body.website },
        consentContext(req, 'form'),
      );
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      // Re-show the form with the reader's input and the error announced.
      const topics = Array.isArray(body.topics) ? body.topics.filter((t): t is string => typeof t === 'string') : str(body.topics) ? [body.topics as string] : [];
      res.status(422).type('html').send(
        subscribePage(await c.topics.list(), { email: str(body.email), name: str(body.name), topics, error: { field: err.field, message: err.message } }),
      );
      return;
    }
    res.status(200).type('html').send(checkInboxPage(safeReturnTo(body.return_to, c.config.allowedOrigins)));
  });

  r.get('/confirm/:token', htmlErrors, async (req, res) => {
    const token = tokenOf(req);
    await readers.confirmation.check(token).catch((err: unknown) => (err instanceof AppError && err.status === 404 ? failedToken(req) : Promise.reject(err)));
    res.type('html').send(confirmPage(`/confirm/${token}`, readers.formTokens.sign('confirm', token)));
  });

  r.post('/confirm/:token', htmlErrors, ...form, async (req, res) => {
    const token = tokenOf(req);
    await checkForm(req, 'confirm', token);
    const id = await readers.confirmation
      .confirm(token, consentContext(req, 'form'))
      .catch((err: unknown) => (err instanceof AppError && err.status === 404 ? failedToken(req) : Promise.reject(err)));
    res.type('html').send(confirmedPage(`/preferences/${c.linkTokens.sign(id, 'preferences')}`));
  });

  const renderPreferences = async (token: string, id: number, message: { notice?: string; error?: string; selected?: string[] } = {}) =>
    preferencesPage({
      action: `/preferences/${token}`,
      csrf: readers.formTokens.sign('preferences', token),
      sub: await readers.preferences.view(id),
      topics: await c.topics.list(),
      defaultZone: c.config.schedule.defaultTimezone,
      ...message,
    });

  r.get('/preferences/:token', htmlErrors, async (req, res) => {
    const { subscriberId } = await linkToken(req, 'preferences');
    res.type('html').send(await renderPreferences(tokenOf(req), subscriberId));
  });

  r.post('/preferences/:token', htmlErrors, ...form, async (req, res) => {
    const token = tokenOf(req);
    const { subscriberId } = await linkToken(req, 'preferences');
    await checkForm(req, 'preferences', token);
    const body = req.body as Record<string, unknown>;
    const ctx = consentContext(req, 'form');
    let notice: string;
    try {
      if (body.action === 'unsubscribe') {
        await readers.preferences.unsubscribe(subscriberId, ctx);
        notice = 'You are unsubscribed. To come back, ask for a confirmation email below.';
      } else if (body.action === 'resubscribe') {
        // The subscribe form's own path and limits: a new request, answered by a confirmation email.
        await readers.subscriptions.limitClient(clientKey(req));
        await readers.preferences.requestConfirmation(subscriberId, body.topics, ctx);
        notice = 'We sent you a confirmation email. Press the button in it to receive Tidings again.';
      } else if (body.action === 'save' || body.action === undefined) {
        // The zone first: a bad one refuses the whole form before the topics change.
        if (body.timezone !== undefined) await readers.preferences.setTimezone(subscriberId, body.timezone);
        await readers.preferences.setTopics(subscriberId, body.topics, ctx);
        notice = 'Your preferences are saved.';
      } else {
        throw new BadRequestError('Unknown action.', 'action');
      }
    } catch (err) {
      // Show the page again with the problem announced (not subscribed, no topic picked, …).
      if (!(err instanceof AppError) || (err.status !== 409 && err.status !== 422)) throw err;
      const selected = ([] as unknown[]).concat(body.topics ?? []).filter((t): t is string => typeof t === 'string');
      res.status(err.status).type('html').send(await renderPreferences(token, subscriberId, { error: err.message, selected }));
      return;
    }
    res.type('html').send(await renderPreferences(token, subscriberId, { notice }));
  });

  const topicParam = async (req: Request): Promise<string | undefined> => {
    const t = req.query.topic;
    if (t === undefined) return undefined;
    if (typeof t !== 'string' || !(await c.topics.slugs()).includes(t)) throw new ValidationError('Unknown topic.', 'topic', 'unknown_topic');
    return t;
  };
  const topicName = async (slug: string | undefined) => (slug ? (await c.topics.list()).find((t) => t.slug === slug)?.name : undefined);

  // A GET (or HEAD) only shows the button: link scanners follow links, and must unsubscribe nobody.
  r.get('/unsubscribe/:token', htmlErrors, async (req, res) => {
    await linkToken(req, 'unsubscribe');
    const topic = await topicParam(req);
    const action = `/unsubscribe/${tokenOf(req)}${topic ? `?topic=${encodeURIComponent(topic)}` : ''}`;
    res.type('html').send(unsubscribePage(action, await topicName(topic)));
  });

  // RFC 8058 one-click: no cookie, no CSRF token (by design: the signed link is the authority),
  // 200 without redirect, idempotent.
  r.post('/unsubscribe/:token', htmlErrors, oneClickBody, async (req, res) => {
    const { subscriberId } = await linkToken(req, 'unsubscribe');
    if (!isOneClick(req.body)) throw new BadRequestError('Expected List-Unsubscribe=One-Click.', 'List-Unsubscribe', 'not_one_click');
    const topic = await topicParam(req);
    const ctx = consentContext(req, 'email');
    if (topic) await readers.preferences.unsubscribeTopic(subscriberId, topic, ctx);
    else await readers.preferences.unsubscribe(subscriberId, ctx);
    res.status(200).type('html').send(unsubscribedPage(await topicName(topic)));
  });

  return r;
}
