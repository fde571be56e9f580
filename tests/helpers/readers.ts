/** Fixtures for the readers tests: database look-ups and pulling links out of captured emails. */
import type { TestApp } from './app';
import type { CapturedMessage } from './smtp-sink';

export interface SubscriberRow {
  id: number;
  email: string | null;
  name: string | null;
  status: string;
  topics: string[];
}

export async function subscriberByEmail(t: TestApp, email: string): Promise<SubscriberRow | undefined> {
  const { rows } = await t.c.pool.query<SubscriberRow>(
    `SELECT s.id, s.email, s.name, s.status,
            COALESCE((SELECT array_agg(topic ORDER BY topic) FROM subscriber_topics WHERE subscriber_id = s.id), '{}') AS topics
     FROM subscribers s WHERE s.email = $1`,
    [email],
  );
  return rows[0];
}

export async function consentKinds(t: TestApp, id: number): Promise<string[]> {
  const { rows } = await t.c.pool.query<{ kind: string }>('SELECT kind FROM consent_events WHERE subscriber_id = $1 ORDER BY id', [id]);
  return rows.map((r) => r.kind);
}

/** Row counts of every readers table, to prove a request wrote nothing. */
export async function readerTableCounts(t: TestApp): Promise<Record<string, number>> {
  const { rows } = await t.c.pool.query<Record<string, number>>(
    `SELECT (SELECT count(*) FROM subscribers)::int AS subscribers, (SELECT count(*) FROM subscriber_topics)::int AS topics,
            (SELECT count(*) FROM consent_events)::int AS consent, (SELECT count(*) FROM transactional_messages)::int AS outbox,
            (SELECT count(*) FROM confirmation_tokens)::int AS tokens, (SELECT count(*) FROM suppressions)::int AS suppressions,
            (SELECT count(*) FROM subscription_requests)::int AS requests`,
  );
  return rows[0]!;
}

export function linkIn(msg: CapturedMessage, path: string): string {
  const text = msg.parsed.text ?? '';
  const m = new RegExp(`https?://[^\\s]+${path}/[A-Za-z0-9._~-]+`).exec(text);
  if (!m) throw new Error(`no ${path} link in: ${text}`);
  return m[0];
}

/** The path part of a link in an email (PUBLIC_URL in tests is not the test server's address). */
export const pathOf = (url: string): string => {
  const u = new URL(url);
  return u.pathname + u.search;
};

/** The n-th email to `address` (1-based), waiting up to 15 s for it. */
export async function mailTo(t: TestApp, address: string, n: number): Promise<CapturedMessage> {
  const end = Date.now() + 15_000;
  while (t.sink!.to(address).length < n) {
    if (Date.now() > end) throw new Error(`no email #${n} to ${address}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return t.sink!.to(address)[n - 1]!;
}

/** Subscribes through the API, waits for the confirmation email, confirms; returns the subscriber id. */
export async function confirmedReader(t: TestApp, email: string, topics: string[], name?: string): Promise<number> {
  const before = t.sink!.to(email).length;
  const res = await t.fetch('/api/subscriptions', { method: 'POST', json: { email, topics, ...(name === undefined ? {} : { name }) } });
  if (res.status !== 202) throw new Error(`subscribe: ${res.status}`);
  const msg = await mailTo(t, email, before + 1);
  const confirmPath = pathOf(linkIn(msg, '/confirm'));
  const page = await (await t.fetch(confirmPath)).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
  const done = await t.fetch(confirmPath, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf }).toString(),
  });
  if (done.status !== 200) throw new Error(`confirm: ${done.status}`);
  return (await subscriberByEmail(t, email))!.id;
}
