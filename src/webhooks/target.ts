/**
 * Where a webhook may go, and the one request that goes there. Without WEBHOOK_ALLOW_PRIVATE=1 a
 * target must be https and every address its name resolves to must be public: loopback, private,
 * link-local (cloud metadata), carrier-grade NAT, unique-local, multicast and unspecified addresses
 * are refused (SSRF). The check runs at registration and again at each delivery, and the request
 * connects to the very address that was checked (a pinned lookup), so a name that re-resolves to a
 * private address between check and connect (DNS rebinding) cannot slip through. Redirects are never
 * followed (a 3xx is a failed delivery), and every request has a hard timeout.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net, { BlockList } from 'node:net';
import { ValidationError } from '../errors';

const blocked = new BlockList();
for (const [addr, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(addr, bits, 'ipv4');
for (const [addr, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) blocked.addSubnet(addr, bits, 'ipv6');

/** Whether an address is one a webhook may not reach (IPv4-mapped IPv6 is judged as its IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = net.isIP(address);
  if (!family) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class TargetError extends ValidationError {
  constructor(message: string) {
    super(message, 'url', 'invalid_url');
  }
}

/** The URL, parsed and checked; the address to connect to (resolved and checked). */
export async function checkTarget(raw: string, allowPrivate: boolean): Promise<{ url: URL; address: string; family: number }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetError('The webhook URL is not a valid URL.');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    throw new TargetError('The webhook URL must start with https:// (http:// only with WEBHOOK_ALLOW_PRIVATE=1).');
  }
  if (url.username || url.password) throw new TargetError('The webhook URL must not carry a user name or password.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  try {
    addresses = net.isIP(host) ? [{ address: host, family: net.isIP(host) }] : await lookup(host, { all: true });
  } catch {
    throw new TargetError(`The webhook host ${host} does not resolve.`);
  }
  if (!addresses.length) throw new TargetError(`The webhook host ${host} does not resolve.`);
  if (!allowPrivate && addresses.some((a) => isPrivateAddress(a.address))) {
    throw new TargetError('The webhook URL points at a private or loopback address, which is refused (WEBHOOK_ALLOW_PRIVATE=1 allows it).');
  }
  return { url, ...addresses[0]! };
}

export interface PostResult {
  /** The HTTP status, or 0 when no answer came (timeout, refused, DNS, SSRF). */
  status: number;
  error: string | null;
}

/** POSTs the body to a checked target; never throws. */
export async function postWebhook(raw: string, body: string, headers: Record<string, string>, opts: { allowPrivate: boolean; timeoutMs: number }): Promise<PostResult> {
  let target: Awaited<ReturnType<typeof checkTarget>>;
  try {
    target = await checkTarget(raw, opts.allowPrivate);
  } catch (err) {
    return { status: 0, error: (err as Error).message };
  }
  const { url, address, family } = target;
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise<PostResult>((resolve) => {
    const req = lib.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      // Connect to the address that was checked, whatever the name resolves to now.
      lookup: (_host, options, cb) => {
        if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
        else cb(null, address, family);
      },
      timeout: opts.timeoutMs,
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (err) => {
      clearTimeout(timer);
      resolve({ status: 0, error: err.message.slice(0, 300) });
    });
    req.on('response', (res) => {
      res.resume(); // the answer's body is not read: only its status counts
      res.on('end', () => clearTimeout(timer));
      res.on('error', () => undefined);
      clearTimeout(timer);
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      resolve({ status, error: ok ? null : status >= 300 && status < 400 ? `redirect (${status}) not followed` : `answered ${status}` });
    });
    req.end(body);
  });
}
