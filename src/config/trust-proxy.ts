/**
 * TRUST_PROXY, checked at start. Express's `trust proxy = true` believes whatever X-Forwarded-For a
 * client sends, so every client could choose its own address: per-IP rate limits and the IP in the
 * consent ledger would be worth nothing. Only forms that name the proxies are accepted: a hop count,
 * addresses or CIDRs of the proxies, or Express's named ranges (loopback, linklocal, uniquelocal).
 */
import { isIP } from 'node:net';

/** What Express's "trust proxy" setting gets: a hop count, a list of proxies, or off. */
export type TrustProxy = number | readonly string[] | false;

export const TRUST_PROXY_FORMS =
  'give the number of proxies in front of Tidings (e.g. 1), or their addresses/CIDRs ' +
  '(e.g. 10.0.0.5,10.1.0.0/16), or loopback';

const NAMED = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Why one comma-separated entry is not a proxy address, or undefined when it is one. */
function entryProblem(entry: string): string | undefined {
  if (NAMED.has(entry)) return undefined;
  const slash = entry.indexOf('/');
  const ip = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(ip);
  if (!family) return `"${entry}" is not an IP address, a CIDR or loopback`;
  if (slash < 0) return undefined;
  const bits = entry.slice(slash + 1);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return `"${entry}": the prefix length must be 1–${max}`;
  // A /0 range is every address on the Internet: the same as `true`.
  if (Number(bits) === 0) return `"${entry}" trusts every address, which lets every client choose its own`;
  return undefined;
}

/** The Express setting for a TRUST_PROXY value, or a message that explains the accepted forms. */
export function parseTrustProxy(v: string): { value: TrustProxy } | { problem: string } {
  if (v === 'false') return { value: false };
  if (/^\d{1,3}$/.test(v)) return { value: Number(v) };
  if (v === 'true') {
    return { problem: `true would let every client choose its own address (X-Forwarded-For); ${TRUST_PROXY_FORMS}` };
  }
  const entries = v.split(',').map((e) => e.trim()).filter(Boolean);
  if (!entries.length) return { problem: TRUST_PROXY_FORMS };
  for (const entry of entries) {
    const problem = entryProblem(entry);
    if (problem) return { problem: `${problem}; ${TRUST_PROXY_FORMS}` };
  }
  return { value: Object.freeze(entries) };
}
