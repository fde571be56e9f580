/**
 * A corpus of hostile requests against every reader endpoint: each must get a 4xx (JSON endpoints
 * with the error body; HTML pages an HTML error page), never a 5xx, write no row and send no email.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { readerTableCounts } from './helpers/readers';

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  json?: boolean;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_CT = { 'content-type': 'application/json' };
const MB = 'x'.repeat(1024 * 1024);

function corpus(tokens: { unsub: string; prefs: string }): Case[] {
  const cases: Case[] = [];
  const api = (name: string, body: string | Uint8Array, headers: Record<string, string> = JSON_CT) =>
    cases.push({ name: `api: ${name}`, method: 'POST', path: '/api/subscriptions', headers, body, json: true });
  const form = (name: string, body: string, headers: Record<string, string> = FORM) =>
    cases.push({ name: `form: ${name}`, method: 'POST', path: '/subscribe', headers, body });

  const badEmails = [
    '', ' ', 'plain', '@example.org', 'a@', 'a@b', 'a@@b.org', 'a b@example.org', 'a@exa mple.org',
    'a@example.org\r\nBcc: x@evil.org', 'a@example.org\nx', 'a\u0000@example.org', 'a@example.org, b@example.org',
    'a@example.org;b@example.org', '"A" <a@example.org>', 'A <a@example.org>', 'a@example.org b@example.org',
    `${'l'.repeat(65)}@example.org`, `a@${'d'.repeat(250)}.org`, `${'a'.repeat(64)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(63)}.org`,
    'a@-example.org', 'a@example-.org', 'a@example.123', '.a@example.org', 'a.@example.org', 'a..b@example.org',
    'a(comment)@example.org', 'a@[127.0.0.1]', 'group: a@example.org;', '<a@example.org>', 'a@example.org\u2028',
    'a\u202e@example.org', 'a@exa\tmple.org',
  ];
  for (const e of badEmails) {
    api(`bad email ${JSON.stringify(e).slice(0, 40)}`, JSON.stringify({ email: e, topics: ['ai'] }));
    form(`bad email ${JSON.stringify(e).slice(0, 40)}`, new URLSearchParams({ email: e, topics: 'ai' }).toString());
  }
  const badNames = ['Ada\r\nBcc: x@evil.org', 'A\nB', 'A\u0000B', 'n'.repeat(101), 'A\u0007B'];
  for (const n of badNames) {
    api(`bad name ${JSON.stringify(n).slice(0, 30)}`, JSON.stringify({ email: 'ok@example.org', name: n, topics: ['ai'] }));
    form(`bad name ${JSON.stringify(n).slice(0, 30)}`, new URLSearchParams({ email: 'ok@example.org', name: n, topics: 'ai' }).toString());
  }
  const badTopics: unknown[] = [[], ['sports'], ['ai', 'sports'], 'ai', [1], [null], [['ai']], [{ slug: 'ai' }], null, {}, ['AI'], ['ai '], ['__proto__']];
  for (const tp of badTopics) api(`bad topics ${JSON.stringify(tp)}`, JSON.stringify({ email: 'ok@example.org', topics: tp }));
  for (const tp of ['', 'sports', 'AI', 'telecom%00']) form(`bad topic ${tp}`, `email=ok%40example.org&topics=${tp}`);
  form('no topics', 'email=ok%40example.org');

  // Wrong types and shapes.
  const shapes: unknown[] = [
    { email: ['ok@example.org'], topics: ['ai'] }, { email: 42, topics: ['ai'] }, { email: null, topics: ['ai'] },
    { email: { a: 1 }, topics: ['ai'] }, { email: true, topics: ['ai'] }, { email: 'ok@example.org', name: ['x'], topics: ['ai'] },
    { email: 'ok@example.org', name: 5, topics: ['ai'] }, { topics: ['ai'] }, {}, [], [{ email: 'ok@example.org', topics: ['ai'] }],
    'ok@example.org', 42, null, true, { email: 'ok@example.org', topics: ['ai'], admin: true },
    { email: 'ok@example.org', topics: ['ai'], status: 'confirmed' },
  ];
  for (const s of shapes) api(`shape ${JSON.stringify(s).slice(0, 50)}`, JSON.stringify(s));
  api('__proto__ key', '{"email":"ok@example.org","topics":["ai"],"__proto__":{"admin":true}}');
  api('constructor key', '{"email":"ok@example.org","topics":["ai"],"constructor":{"prototype":{"x":1}}}');
  api('__proto__ as email holder', '{"__proto__":{"email":"ok@example.org","topics":["ai"]}}');

  // Broken JSON, encodings, content types, sizes.
  for (const b of ['{', '{"email":', '{"email":"ok@example.org","topics":["ai"]', "{'email':'x'}", '{"a":1,}', 'NaN', '\u0000', '{"email":"\\ud800"}', '{"email":"ok@example.org"}{"x":1}']) {
    api(`broken json ${b.slice(0, 20)}`, b);
  }
  api('invalid utf-8', new Uint8Array([0x7b, 0x22, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]));
  api('utf-16 charset', JSON.stringify({ email: 'ok@example.org', topics: ['ai'] }), { 'content-type': 'application/json; charset=utf-16' });
  api('gzip claimed, not gzip', JSON.stringify({ email: 'ok@example.org', topics: ['ai'] }), { ...JSON_CT, 'content-encoding': 'gzip' });
  api('unknown encoding', JSON.stringify({ email: 'ok@example.org', topics: ['ai'] }), { ...JSON_CT, 'content-encoding': 'br2' });
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', '']) {
    api(`content type ${ct || 'none'}`, JSON.stringify({ email: 'ok@example.org', topics: ['ai'] }), ct ? { 'content-type': ct } : {});
  }
  api('1 MB body', JSON.stringify({ email: 'ok@example.org', topics: ['ai'], pad: MB }));
  api('1 MB email', JSON.stringify({ email: MB + '@example.org', topics: ['ai'] }));
  api('deep nesting', '['.repeat(5000) + ']'.repeat(5000));
  api('10k topics', JSON.stringify({ email: 'ok@example.org', topics: Array(10000).fill('ai') }));

  form('json to form', JSON.stringify({ email: 'ok@example.org', topics: ['ai'] }), JSON_CT);
  form('text/plain', 'email=ok%40example.org&topics=ai', { 'content-type': 'text/plain' });
  form('no content type', 'email=ok%40example.org&topics=ai', {});
  form('multipart', '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\nok@example.org\r\n--x--', { 'content-type': 'multipart/form-data; boundary=x' });
  form('1 MB form', `email=ok%40example.org&topics=ai&pad=${MB}`);
  form('two emails', 'email=ok%40example.org&email=b%40example.org&topics=ai');
  form('bracket keys', 'email[a]=ok%40example.org&topics=ai');
  form('__proto__ keys', '__proto__[email]=ok%40example.org&topics=ai');
  form('broken percent', 'email=ok%E0%A4%A&topics=ai');
  form('CRLF encoded', 'email=ok%40example.org%0D%0ABcc%3A%20x%40evil.org&topics=ai');
  form('too many params', Array.from({ length: 300 }, (_, i) => `p${i}=1`).join('&') + '&email=ok%40example.org&topics=ai');

  // Tokens: bit flips, truncation, wrong purpose, junk, for every token page.
  const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : s[i] === '0' ? '1' : 'A') + s.slice(i + 1);
  const badTokens = [
    flip(tokens.unsub, tokens.unsub.length - 1), flip(tokens.unsub, 2), flip(tokens.unsub, tokens.unsub.length - 10),
    tokens.unsub.slice(0, -1), tokens.unsub + 'A', 'x', '.x.', '%2ex', 'A'.repeat(43), 'A'.repeat(2000), '<script>', tokens.prefs,
  ];
  for (const tk of badTokens) {
    const p = encodeURIComponent(tk);
    cases.push({ name: `unsubscribe GET ${tk.slice(0, 20)}`, method: 'GET', path: `/unsubscribe/${p}` });
    cases.push({ name: `unsubscribe POST ${tk.slice(0, 20)}`, method: 'POST', path: `/unsubscribe/${p}`, headers: FORM, body: 'List-Unsubscribe=One-Click' });
    cases.push({ name: `confirm GET ${tk.slice(0, 20)}`, method: 'GET', path: `/confirm/${p}` });
    cases.push({ name: `confirm POST ${tk.slice(0, 20)}`, method: 'POST', path: `/confirm/${p}`, headers: FORM, body: 'csrf=x' });
  }
  for (const tk of [flip(tokens.prefs, tokens.prefs.length - 1), tokens.prefs.slice(0, -3), tokens.unsub, 'nope']) {
    cases.push({ name: `preferences GET ${tk.slice(0, 20)}`, method: 'GET', path: `/preferences/${tk}` });
    cases.push({ name: `preferences POST ${tk.slice(0, 20)}`, method: 'POST', path: `/preferences/${tk}`, headers: FORM, body: 'topics=ai' });
  }
  // Valid tokens, hostile bodies.
  const u = `/unsubscribe/${tokens.unsub}`;
  for (const [name, headers, body] of [
    ['no body', FORM, ''], ['wrong value', FORM, 'List-Unsubscribe=Yes'], ['json', JSON_CT, '{"List-Unsubscribe":"One-Click"}'],
    ['text', { 'content-type': 'text/plain' }, 'List-Unsubscribe=One-Click'], ['1 MB', FORM, `List-Unsubscribe=One-Click&x=${MB}`],
    ['broken multipart', { 'content-type': 'multipart/form-data; boundary=zz' }, '--zz\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click'],
    ['multipart no boundary', { 'content-type': 'multipart/form-data' }, 'x'],
    ['multipart file', { 'content-type': 'multipart/form-data; boundary=zz' }, '--zz\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nhi\r\n--zz--\r\n'],
    ['multipart 1 MB', { 'content-type': 'multipart/form-data; boundary=zz' }, `--zz\r\nContent-Disposition: form-data; name="x"\r\n\r\n${MB}\r\n--zz--\r\n`],
  ] as [string, Record<string, string>, string][]) {
    cases.push({ name: `one-click ${name}`, method: 'POST', path: u, headers, body });
  }
  for (const q of ['?topic=sports', '?topic=nev&topic=ai', '?topic=', '?topic=%00']) {
    cases.push({ name: `one-click topic ${q}`, method: 'POST', path: u + q, headers: FORM, body: 'List-Unsubscribe=One-Click' });
    cases.push({ name: `unsubscribe page topic ${q}`, method: 'GET', path: u + q });
  }
  const p = `/preferences/${tokens.prefs}`;
  for (const [name, body] of [['no csrf', 'topics=ai'], ['bad csrf', 'csrf=AAAAAAAAAAAAAAAAAAAAAAAA&topics=ai'], ['array csrf', 'csrf=a&csrf=b']]) {
    cases.push({ name: `preferences ${name}`, method: 'POST', path: p, headers: FORM, body });
  }
  cases.push({ name: 'preferences json', method: 'POST', path: p, headers: JSON_CT, body: '{"topics":["ai"]}' });
  cases.push({ name: 'bad path escape', method: 'GET', path: '/confirm/%E0%A4%A' });
  return cases;
}

describe('hostile input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SUBSCRIBE_LIMIT_PER_IP: '0', SUBSCRIBE_LIMIT_PER_ADDRESS: '0' } });
  });
  afterAll(() => t.close());

  it('answers every one of ≥150 bad requests with a 4xx, writes nothing and sends nothing', async () => {
    // One real reader, so valid-looking tokens exist; the corpus must not change it.
    const { rows } = await t.c.pool.query<{ id: number }>("INSERT INTO subscribers (email, status) VALUES ('victim@example.org', 'confirmed') RETURNING id");
    const id = rows[0]!.id;
    await t.c.pool.query("INSERT INTO subscriber_topics VALUES ($1, 'ai'), ($1, 'nev')", [id]);
    const tokens = { unsub: t.c.linkTokens.sign(id, 'unsubscribe'), prefs: t.c.linkTokens.sign(id, 'preferences') };
    const cases = corpus(tokens);
    expect(cases.length).toBeGreaterThanOrEqual(150);
    const before = await readerTableCounts(t);

    const failures: string[] = [];
    for (const c of cases) {
      // The token-failure limit (50 per IP) must not hide real answers: reset it between cases.
      const rl = await t.c.redis.keys(`${t.queuePrefix}:rl:*`);
      if (rl.length) await t.c.redis.del(...rl);
      const res = await t.fetch(c.path, { method: c.method, headers: c.headers, body: c.body as BodyInit | undefined });
      const text = await res.text();
      if (res.status < 400 || res.status >= 500) failures.push(`${c.name}: ${res.status}`);
      else if (c.json) {
        let ok: boolean;
        try {
          const b = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
          ok = typeof b.error?.code === 'string' && typeof b.error.message === 'string';
        } catch {
          ok = false;
        }
        if (!ok) failures.push(`${c.name}: no error body (${text.slice(0, 80)})`);
      }
    }
    expect(failures).toEqual([]);
    expect(await readerTableCounts(t)).toEqual(before);
    const { rows: after } = await t.c.pool.query("SELECT status, (SELECT array_agg(topic ORDER BY topic) FROM subscriber_topics WHERE subscriber_id = $1) AS topics FROM subscribers WHERE id = $1", [id]);
    expect(after[0]).toEqual({ status: 'confirmed', topics: ['ai', 'nev'] });
    await new Promise((r) => setTimeout(r, 300));
    expect(t.sink!.messages).toHaveLength(0);
  }, 120_000);
});
