/**
 * The public archive: sent issues only (a draft or an issue still sending is "not found").
 *   GET /issues             index of sent issues
 *   GET /issues/:slug       the full issue, every topic, items numbered 1..n
 *   GET /feeds/:topic.xml   Atom feed of items from sent issues that a reader of that topic gets:
 *                           items tagged with it plus general items (topics []), as in the email.
 * The markup is in reader-views/archive.ts.
 */
import { Router } from 'express';
import type { Container } from '../container';
import { NotFoundError } from '../errors';
import { SLUG_PATTERN } from '../issues/document';
import { archiveIndexPage, atomFeed, issuePage } from './reader-views/archive';

type Deps = Pick<Container, 'config' | 'issues' | 'topics'>;

const FEED_ISSUES = 20;

export function archiveRouter(deps: Deps): Router {
  const r = Router();

  r.get('/issues', async (_req, res) => {
    res.locals.htmlErrors = true;
    const issues = await deps.issues.listSent(200);
    res.type('html').send(archiveIndexPage(issues));
  });

  r.get('/issues/:slug', async (req, res) => {
    res.locals.htmlErrors = true;
    const slug = req.params.slug;
    if (!SLUG_PATTERN.test(slug)) throw new NotFoundError('No such issue.');
    const issue = await deps.issues.getSentBySlug(slug);
    const topics = (await deps.topics.list()).map((t) => ({ slug: t.slug, name: t.name }));
    res.type('html').send(issuePage(issue, topics));
  });

  r.get('/feeds/:topic.xml', async (req, res) => {
    const topics = (await deps.topics.list()).map((t) => ({ slug: t.slug, name: t.name }));
    const topic = topics.find((t) => t.slug === req.params.topic);
    if (!topic) throw new NotFoundError('No such topic.');
    const issues = await deps.issues.listSent(FEED_ISSUES);
    res.type('application/atom+xml; charset=utf-8').send(atomFeed(deps.config.publicUrl, topic, topics, issues));
  });

  return r;
}
