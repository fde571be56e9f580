/**
 * Fixtures for the click-count tests: an issue whose every link names itself (`?id=…`), so a test
 * can tell from a redirect's Location which link a token stood for, and link extraction from
 * captured emails (HTML and text parts).
 */
import { simpleParser } from 'mailparser';
import type { TestApp } from './app';
import { decodeEntities } from './entities';
import { waitForStatus } from './delivery';

export const TOPICS = ['telecom', 'ai', 'nev'];
const target = (id: string) => `https://example.org/read?id=${id}`;

/** Items: [topics, how many item links]; one body link each too, plus one mailto link (never counted). */
export const CLICK_ITEMS: [string[], number][] = [
  [['telecom'], 1],
  [['ai'], 2],
  [['nev'], 1],
  [[], 1],
  [['ai', 'nev'], 1],
];

export function clickIssue(slug: string) {
  return {
    slug,
    title: `Clicks ${slug}`,
    highlights: Object.fromEntries(TOPICS.map((t) => [t, `The ${t} week: [${t} highlight source](${target(`h-${t}`)}).`])),
    sections: [
      {
        title: 'News',
        items: CLICK_ITEMS.map(([topics, n], i) => ({
          title: `Item ${i}`,
          topics,
          body: `Read [the item ${i} body source](${target(`i${i}-body`)}) or write to [the desk](mailto:desk@example.org).`,
          links: Array.from({ length: n }, (_, k) => ({ label: `Item ${i} link ${k}`, url: target(`i${i}-l${k}`) })),
        })),
      },
    ],
  };
}

/** Ids (`i3-l0`, `h-ai`, …) of the links a reader of `set` gets, each once. */
export function expectedIds(set: string[]): string[] {
  const items = CLICK_ITEMS.flatMap(([topics, n], i) =>
    topics.length === 0 || topics.some((t) => set.includes(t)) ? [`i${i}-body`, ...Array.from({ length: n }, (_, k) => `i${i}-l${k}`)] : [],
  );
  return [...set.map((t) => `h-${t}`), ...items];
}

export async function sendIssue(t: TestApp, doc: unknown): Promise<number> {
  const created = await t.fetch('/api/issues', { method: 'POST', editor: true, json: doc });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: number };
  expect((await t.fetch(`/api/issues/${id}/send`, { method: 'POST', editor: true })).status).toBe(202);
  await waitForStatus(t, id, ['completed'], 30_000);
  return id;
}

/** The counted links of one captured message: paths `/l/<token>` from the HTML and the text part. */
export async function clickLinks(raw: Buffer, publicUrl: string): Promise<{ html: string[]; text: string[]; rawHtml: string; rawText: string }> {
  const mail = await simpleParser(raw);
  const rawHtml = typeof mail.html === 'string' ? decodeEntities(mail.html) : '';
  const rawText = mail.text ?? '';
  const find = (s: string) => [...s.matchAll(new RegExp(`${publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/l/[A-Za-z0-9._-]+)`, 'g'))].map((m) => m[1]!);
  return { html: find(rawHtml), text: find(rawText), rawHtml, rawText };
}

export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

/** Follows one counted link like a browser; answers the status and the `id` of the Location. */
export async function follow(t: TestApp, path: string, init: RequestInit = {}): Promise<{ status: number; id: string | null; location: string | null }> {
  const res = await t.fetch(path, { ...init, headers: { 'user-agent': BROWSER_UA, ...(init.headers as Record<string, string>) } });
  await res.arrayBuffer();
  const location = res.headers.get('location');
  return { status: res.status, location, id: location ? new URL(location).searchParams.get('id') : null };
}
