/**
 * Abuse reports in the Abuse Reporting Format, RFC 5965: the message/feedback-report part is one
 * block of fields (§3.1). Feedback-Type is required; User-Agent and Version are required by the
 * RFC but some feedback loops leave them out, so they are read when present. Only `abuse` (a
 * reader pressed "this is spam") is a complaint; fraud, virus, not-spam, auth-failure and other
 * are returned as such for the caller to log.
 */
import { bareAddress, parseHeaderBlock } from '../mime/headers';
import type { FeedbackFields } from './types';

const MAX_LIST = 50;

export function parseFeedbackReport(text: string): FeedbackFields | undefined {
  const h = parseHeaderBlock(text);
  const feedbackType = h.get('feedback-type')?.trim().toLowerCase().split(/[\s;(]/, 1)[0];
  if (!feedbackType || !/^[a-z0-9-]{1,40}$/.test(feedbackType)) return undefined;
  const out: FeedbackFields = {
    feedbackType,
    complaint: feedbackType === 'abuse',
    originalRcptTo: h
      .getAll('original-rcpt-to')
      .map(bareAddress)
      .filter((a) => a.length > 0 && a.length <= 320)
      .slice(0, MAX_LIST),
    reportedDomains: h
      .getAll('reported-domain')
      .map((d) => d.trim().toLowerCase())
      .filter((d) => d.length > 0 && d.length <= 255)
      .slice(0, MAX_LIST),
  };
  const userAgent = h.get('user-agent');
  if (userAgent) out.userAgent = userAgent.slice(0, 300);
  const version = h.get('version');
  if (version) out.version = version.slice(0, 40);
  const arrivalDate = h.get('arrival-date');
  if (arrivalDate) out.arrivalDate = arrivalDate.slice(0, 100);
  const sourceIp = h.get('source-ip');
  if (sourceIp) out.sourceIp = sourceIp.slice(0, 100);
  const mailFrom = h.get('original-mail-from');
  if (mailFrom) out.originalMailFrom = bareAddress(mailFrom).slice(0, 320);
  return out;
}
