/**
 * The JSON API and the console are two doors into the same sending services: send actions taken
 * through either are in one audit log with the editor's name, the progress streams come from one
 * watch, and the console's test email is the API's (same builder, same headers, same shared limit).
 */
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, insertReaders, progress, waitUntil } from './helpers/delivery';

let t: TestApp;
let alice: string;

beforeAll(async () => {
  // A slow send rate keeps the send running while the test pauses and cancels it.
  t = await startTestApp({ env: { SEND_RATE_PER_SECOND: '5', SEND_BATCH_SIZE: '20', SEND_CHUNK_SIZE: '5' } });
  await insertReaders(t.c.pool, 60);
  alice = (await t.c.editorKeys.create('Alice', 'alice@example.org')).key;
}, 30_000);

afterAll(async () => {
  await t?.close();
});

const asAlice = (path: string, init: RequestInit = {}) =>
  t.fetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${alice}` } });

async function signIn(key: string): Promise<string> {
  const form = await t.fetch('/admin/sign-in');
  const pre = form.headers.getSetCookie().find((c) => c.startsWith('tidings_console_pre='))!.split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const res = await t.fetch('/admin/sign-in', {
    method: 'POST',
    headers: { cookie: pre, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, key, next: '/admin/issues' }).toString(),
  });
  expect(res.status).toBe(303);
  return res.headers.getSetCookie().find((c) => c.startsWith('tidings_console='))!.split(';')[0]!;
}

async function consolePost(cookie: string, path: string, fields: [string, string][]): Promise<Response> {
  const page = await t.fetch('/admin/issues', { headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  return t.fetch(path, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([['_csrf', csrf], ...fields]).toString(),
  });
}

type Action = { editor: string; action: string; detail: string | null };
const auditOf = async (issueId: number): Promise<Action[]> => {
  const res = await t.fetch(`/api/issues/${issueId}/send/audit`, { editor: true });
  expect(res.status).toBe(200);
  return ((await res.json()) as { actions: Action[] }).actions;
};

test('send actions through the API and the console land in one audit log, with the editor names', async () => {
  const issueId = await createIssue(t, 'audit-both');
  expect((await t.fetch(`/api/issues/${issueId}/send/audit`, { editor: true })).status).toBe(404);

  // Alice starts the send through the API; her repeat is the same send and no second action.
  const started = await asAlice(`/api/issues/${issueId}/send`, { method: 'POST' });
  expect(started.status).toBe(202);
  expect((await asAlice(`/api/issues/${issueId}/send`, { method: 'POST' })).status).toBe(202);
  expect(await auditOf(issueId)).toEqual([{ id: expect.any(Number), editor: 'Alice', action: 'send.start', detail: null, created_at: expect.any(String) }]);
  const created = await t.c.pool.query('SELECT e.name FROM sends s JOIN editors e ON e.id = s.created_by WHERE s.issue_id = $1', [issueId]);
  expect(created.rows).toEqual([{ name: 'Alice' }]);

  // admin pauses in the console; Alice cancels through the API.
  const admin = await signIn(t.editorKey);
  const paused = await consolePost(admin, `/admin/issues/${issueId}/send/pause`, []);
  expect(paused.status).toBe(303);
  expect((await progress(t, issueId)).pause_reason).toBe('paused by admin');
  expect((await asAlice(`/api/issues/${issueId}/send/cancel`, { method: 'POST' })).status).toBe(200);

  const actions = await auditOf(issueId);
  expect(actions.map((a) => `${a.editor} ${a.action}`)).toEqual(['Alice send.cancel', 'admin send.pause', 'Alice send.start']);
  // The console's send page reads the same log.
  const page = await (await t.fetch(`/admin/issues/${issueId}/send`, { headers: { cookie: admin } })).text();
  const table = /<table class="audit">[\s\S]*?<\/table>/.exec(page)![0].replace(/<[^>]+>/g, ' ');
  expect(table).toMatch(/Alice\s+send\.start/);
  expect(table).toMatch(/admin\s+send\.pause/);

  // Both event streams come from one watch: on a final send, the numbers once, then `end`.
  for (const [path, init] of [
    [`/api/issues/${issueId}/send/events`, { editor: true }],
    [`/admin/issues/${issueId}/send/events`, { headers: { cookie: admin } }],
  ] as const) {
    const res = await t.fetch(path, init);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text(); // the stream closes by itself after `end`
    expect(text.match(/^event: (\w+)$/gm)).toEqual(['event: progress', 'event: end']);
    expect(text).toContain('"status":"cancelled"');
  }
  // An unknown issue is an ordinary 404, before any stream starts.
  const missing = await t.fetch('/api/issues/999999/send/events', { editor: true });
  expect(missing.status).toBe(404);
  expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
}, 60_000);

test('the console test email is the API one: newsletter headers, example links, one shared limit, audited', async () => {
  const issueId = await createIssue(t, 'audit-test-send');
  const cookie = await signIn(alice);
  // Only mail to Alice counts: the cancelled send above may still finish a chunk that was in flight.
  const mine = () => t.sink!.to('alice@example.org');
  const sent = await consolePost(cookie, `/admin/issues/${issueId}/test`, [['to', 'alice@example.org'], ['topics', 'nev']]);
  expect(sent.status).toBe(303);
  await waitUntil(async () => mine().length === 1, 10_000, 'the test email');
  const msg = mine()[0];
  const header = (name: string) => msg!.parsed.headerLines.find((l) => l.key === name)?.line.slice(name.length + 1).trim();
  expect(msg!.to).toEqual(['alice@example.org']);
  expect(msg!.parsed.subject).toBe('[Test] Tidings audit-test-send');
  expect(header('list-unsubscribe')).toBe('<http://localhost:3000/unsubscribe/example>');
  expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
  expect(header('precedence')).toBe('bulk');
  expect(header('x-tidings-test')).toBe('nev');
  expect(msg!.parsed.text).toContain('Battery recycling standard');
  expect(msg!.parsed.text).not.toContain('Spectrum auction rules published');

  // A bad address comes back as the form with the message beside the field, and sends nothing.
  const bad = await consolePost(cookie, `/admin/issues/${issueId}/test`, [['to', 'not an address'], ['topics', 'ai']]);
  expect(bad.status).toBe(422);
  expect(await bad.text()).toMatch(/id="to-error">to must be an email address/);

  // 20 per editor per 10 minutes, counted across the console and the API.
  for (let i = 1; i < 20; i++) {
    const res = await asAlice(`/api/issues/${issueId}/test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: 'alice@example.org', topics: ['ai'] }) });
    expect(res.status).toBe(200);
  }
  const limited = await consolePost(cookie, `/admin/issues/${issueId}/test`, [['to', 'alice@example.org'], ['topics', 'ai']]);
  expect(limited.status).toBe(429);
  const viaApi = await asAlice(`/api/issues/${issueId}/test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: 'alice@example.org' }) });
  expect(viaApi.status).toBe(429);
  await waitUntil(async () => mine().length >= 20, 10_000, '20 test emails');
  await new Promise((r) => setTimeout(r, 300));
  expect(mine().length).toBe(20);

  const { rows } = await t.c.pool.query<{ editor_name: string; n: number }>(
    "SELECT editor_name, count(*)::int AS n FROM editor_actions WHERE issue_id = $1 AND action = 'issue.test_send' GROUP BY editor_name",
    [issueId],
  );
  expect(rows).toEqual([{ editor_name: 'Alice', n: 20 }]);
}, 60_000);
