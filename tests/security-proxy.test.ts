/**
 * Issue 11, item 4: proxy trust is explicit. `TRUST_PROXY=true` would let every client choose its
 * address (X-Forwarded-For), making per-IP limits and the consent ledger's IP spoofable; it is
 * refused at start with a message that explains the accepted forms. A list of proxies is honoured
 * for those proxies only: real client addresses 127.0.0.2 (the proxy) and 127.0.0.3 (not) show it.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';
import { startTestApp, type TestApp } from './helpers/app';
import { waitUntil } from './helpers/delivery';
import { requestFrom } from './helpers/http-from';

function trustProblem(value: string): string | undefined {
  try {
    loadConfig({ TRUST_PROXY: value });
    return undefined;
  } catch (e) {
    const p = (e as ConfigError).problems.find((x) => x.key === 'TRUST_PROXY');
    return p?.message;
  }
}

test('TRUST_PROXY=true, a /0 range and malformed entries are refused, explaining the accepted forms', () => {
  expect(trustProblem('true')).toMatch(/every client choose its own address.*number of proxies.*addresses\/CIDRs.*loopback/);
  expect(trustProblem('0.0.0.0/0')).toMatch(/trusts every address/);
  expect(trustProblem('::/0')).toMatch(/trusts every address/);
  expect(trustProblem('10.0.0.300')).toMatch(/not an IP address.*loopback/);
  expect(trustProblem('10.0.0.0/33')).toMatch(/prefix length/);
  expect(trustProblem('yes')).toMatch(/number of proxies/);
});

test('hop counts, proxy addresses/CIDRs and named ranges are accepted', () => {
  expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
  expect(loadConfig({ TRUST_PROXY: 'loopback' }).trustProxy).toEqual(['loopback']);
  expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,fd00::/8' }).trustProxy).toEqual(['10.0.0.5', '10.1.0.0/16', 'fd00::/8']);
  expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
  expect(loadConfig({}).trustProxy).toBeUndefined();
});

test('`TRUST_PROXY=true npm start` exits naming TRUST_PROXY and the accepted forms', () => {
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'src/main.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, TRUST_PROXY: 'true', NODE_ENV: 'development', EDITOR_API_KEY: '' },
    encoding: 'utf8',
    timeout: 20000,
  });
  expect(r.status).toBe(2);
  expect(r.stderr.trim()).toMatch(/^Invalid configuration: TRUST_PROXY: true would let every client choose its own address.*loopback$/);
});

describe('TRUST_PROXY naming one proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { TRUST_PROXY: '127.0.0.2' } });
  }, 30_000);
  afterAll(() => t?.close());

  const subscribe = (from: string, email: string, forwardedFor: string) =>
    requestFrom(from, `${t.url}/api/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify({ email, topics: ['ai'] }),
    });

  const consentIp = (email: string) =>
    waitUntil(async () => {
      const { rows } = await t.c.pool.query<{ ip: string }>(
        "SELECT host(c.ip) AS ip FROM consent_events c JOIN subscribers s ON s.id = c.subscriber_id WHERE s.email = $1 AND c.kind = 'requested'",
        [email],
      );
      return rows[0]?.ip;
    }, 15_000, `the consent event of ${email}`);

  test("the named proxy's X-Forwarded-For is believed; anyone else's is not", async () => {
    expect((await subscribe('127.0.0.2', 'via-proxy@example.org', '203.0.113.9')).status).toBe(202);
    expect((await subscribe('127.0.0.3', 'spoofer@example.org', '203.0.113.10')).status).toBe(202);
    expect(await consentIp('via-proxy@example.org')).toBe('203.0.113.9');
    expect(await consentIp('spoofer@example.org')).toMatch(/^(::ffff:)?127\.0\.0\.3$/);
  });
});
