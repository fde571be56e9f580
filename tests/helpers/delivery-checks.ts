/** Header checks every newsletter must pass (contract: "Emails"). */
import type { TestApp } from './app';

export function headerMap(raw: Buffer): Map<string, string> {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end).toString('utf8').replace(/\r\n[ \t]+/g, ' ');
  const map = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    map.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return map;
}

export const ALL_TOPICS_OK = { unsubscribeOk: true, oneClick: true, listId: true, precedence: true, multipart: true };

export function checkHeaders(t: TestApp, raw: Buffer) {
  const h = headerMap(raw);
  const unsub = /^<http:\/\/localhost:3000\/unsubscribe\/([^>?]+)>/.exec(h.get('list-unsubscribe') ?? '');
  const verified = unsub ? t.c.linkTokens.verify(unsub[1]!, 'unsubscribe') : null;
  return {
    unsubscribeOk: !!verified,
    subscriberId: verified?.subscriberId,
    oneClick: h.get('list-unsubscribe-post') === 'List-Unsubscribe=One-Click',
    listId: /<tidings\.[^>]+>$/.test(h.get('list-id') ?? ''),
    precedence: h.get('precedence') === 'bulk',
    multipart: /^multipart\/alternative;/.test(h.get('content-type') ?? ''),
    messageId: h.get('message-id') ?? '',
  };
}
