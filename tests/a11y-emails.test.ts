/**
 * The emails readers get, audited in Chromium: axe-core (WCAG 2.2 AA + best practices, both colour
 * schemes) plus what an email needs beyond axe (tests/helpers/email-checks.ts): `lang`, a <title>
 * that is the subject, headings in order, link text that makes sense out of context, and contrast
 * ≥ 4.5:1 for all text including the hidden preview line. Covered: every variant of the sample
 * issue, an issue whose items carry vague and bare-URL link labels (rendered, delivered through the
 * SMTP sink, and its web version), the confirmation and "already subscribed" emails.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { sampleIssueFiles } from '../src/issues/sample';
import { personalize } from '../src/rendering/personalize';
import { recipientLinks } from '../src/subscribers/links';
import { allTopicSets } from '../src/topics';
import { expectAccessible } from './helpers/axe';
import { launchBrowser } from './helpers/browser';
import { startTestApp, type TestApp } from './helpers/app';
import { waitForStatus } from './helpers/delivery';
import { emailFacts, expectAccessibleEmail, linkProblems } from './helpers/email-checks';
import { confirmedReader, mailTo } from './helpers/readers';

const READER = 'a11y.mail@example.org';

/** Items whose editors wrote link labels that say nothing on their own. */
const LINKS_DOC = {
  slug: 'a11y-links',
  title: 'Rules with links',
  intro: 'Items below carry links as editors write them.',
  highlights: { telecom: 'Spectrum news.', ai: 'Filing news.' },
  sections: [
    {
      title: 'Rules',
      items: [
        {
          title: 'Spectrum auction rules published',
          topics: ['telecom'],
          body: 'The auction opens in June.',
          links: [
            { label: 'Read more', url: 'https://example.gov/spectrum' },
            { label: 'https://example.gov/spectrum/rules.pdf', url: 'https://example.gov/spectrum/rules.pdf' },
          ],
        },
        { title: 'Algorithm filing list updated', topics: ['ai'], links: [{ label: 'The filing list (PDF)', url: 'https://example.gov/list.pdf' }, { label: 'here', url: 'https://example.gov/filing' }] },
        { title: 'Press contacts', topics: [], links: [{ label: 'press@example.gov', url: 'mailto:press@example.gov' }] },
      ],
    },
  ],
};

const EXPECTED_ITEM_LINKS = [
  'Read more: Spectrum auction rules published',
  'Spectrum auction rules published (example.gov)',
  'The filing list (PDF)',
  'here: Algorithm filing list updated',
  'press@example.gov',
];

let t: TestApp;
let browser: Browser;
let page: Page;
let readerId: number;

beforeAll(async () => {
  [t, browser] = await Promise.all([startTestApp(), launchBrowser()]);
  page = await browser.newPage();
  readerId = await confirmedReader(t, READER, ['ai', 'telecom']);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function createIssue(body: string | object): Promise<{ id: number; slug: string }> {
  const res = typeof body === 'string'
    ? await t.fetch('/api/issues', { method: 'POST', editor: true, headers: { 'content-type': 'text/markdown' }, body })
    : await t.fetch('/api/issues', { method: 'POST', editor: true, json: body });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number; slug: string };
}

test('every variant of the sample issue', async () => {
  const { id } = await createIssue(readFileSync(sampleIssueFiles()[0]!, 'utf8'));
  for (const set of allTopicSets(['telecom', 'ai', 'nev'])) {
    const v = await t.c.variants.variant(id, set);
    const html = personalize(v.html, recipientLinks(t.c.config.publicUrl, t.c.linkTokens, readerId, set), 'html');
    const facts = await expectAccessibleEmail(page, html, { title: v.subject, what: `sample issue for ${set.join('+')}` });
    // The footer's links name what they do.
    expect(facts.links.map((l) => l.text)).toEqual(expect.arrayContaining(['Change your topics', 'Unsubscribe from Tidings']));
    // The inbox preview line is the body's first text, not displayed (and checked above all the same).
    const preview = await page.evaluate(() => {
      const el = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, { acceptNode: (n) => (n.textContent!.trim() ? 1 : 3) }).nextNode()!.parentElement!;
      return { display: getComputedStyle(el).display, text: el.textContent!.trim() };
    });
    expect(preview.display).toBe('none');
    expect(preview.text.length).toBeGreaterThan(40);
  }
}, 120_000);

test('vague and bare-URL link labels get their item’s title, in the email and on the web', async () => {
  // The labels as the editor wrote them would fail the link check.
  expect(linkProblems(LINKS_DOC.sections[0]!.items.flatMap((i) => i.links).map((l) => ({ text: l.label, href: l.url })))).toHaveLength(3);

  const { id, slug } = await createIssue(LINKS_DOC);
  const v = await t.c.variants.variant(id, ['ai', 'nev', 'telecom']);
  const html = personalize(v.html, recipientLinks(t.c.config.publicUrl, t.c.linkTokens, readerId, ['ai', 'nev', 'telecom']), 'html');
  const rendered = await expectAccessibleEmail(page, html, { title: 'Rules with links', what: 'issue with links, all topics' });
  expect(rendered.links.map((l) => l.text).filter((text) => EXPECTED_ITEM_LINKS.includes(text))).toEqual(EXPECTED_ITEM_LINKS);

  // Delivered for real: the reader's message, personalised by the delivery engine.
  expect((await t.fetch(`/api/issues/${id}/send`, { method: 'POST', editor: true })).status).toBeLessThan(300);
  expect((await waitForStatus(t, id, ['completed'], 30_000)).sent).toBe(1);
  const mail = await mailTo(t, READER, 2);
  expect(mail.parsed.subject).toBe('Rules with links');
  const delivered = await expectAccessibleEmail(page, String(mail.parsed.html), { title: 'Rules with links', what: 'delivered newsletter' });
  expect(delivered.links.map((l) => l.text).filter((text) => EXPECTED_ITEM_LINKS.includes(text))).toEqual(EXPECTED_ITEM_LINKS);

  // The web version labels its links the same way.
  await page.goto(`${t.url}/issues/${slug}`);
  await expectAccessible(page, 'web version of the issue with links');
  const web = await emailFacts(page);
  expect(web.links.map((l) => l.text).filter((text) => EXPECTED_ITEM_LINKS.includes(text))).toEqual(EXPECTED_ITEM_LINKS);
  expect(linkProblems(web.links)).toEqual([]);
}, 90_000);

test('the confirmation and "already subscribed" emails', async () => {
  const confirm = await mailTo(t, READER, 1);
  expect(confirm.parsed.subject).toBe('Confirm your Tidings subscription');
  await expectAccessibleEmail(page, String(confirm.parsed.html), { title: 'Confirm your Tidings subscription', what: 'confirmation email' });

  const before = t.sink!.to(READER).length;
  expect((await t.fetch('/api/subscriptions', { method: 'POST', json: { email: READER, topics: ['ai'] } })).status).toBe(202);
  const again = await mailTo(t, READER, before + 1);
  expect(again.parsed.subject).toBe('You are already subscribed to Tidings');
  await expectAccessibleEmail(page, String(again.parsed.html), { title: 'You are already subscribed to Tidings', what: '"already subscribed" email' });
}, 60_000);
