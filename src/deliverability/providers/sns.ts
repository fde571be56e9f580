/**
 * Amazon SNS message signatures, as documented at
 *   https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 *   https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message-verify-message-signature.html
 *
 * The string to sign is "Name\nvalue\n" for a fixed list of fields in a fixed order (Notification:
 * Message, MessageId, Subject if present, Timestamp, TopicArn, Type; the two confirmations:
 * Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type), signed with RSA over SHA1
 * (SignatureVersion 1) or SHA256 (SignatureVersion 2).
 *
 * Deliberate choices:
 * - The certificate is configured, never fetched: no network call on a request path, nothing an
 *   attacker can point us at. SigningCertURL must still look like AWS's (https, sns.<region>.
 *   amazonaws.com[.cn], a .pem path, the host pattern AWS's own validator uses), so a message that
 *   names a foreign certificate is refused even if someone configured a wrong one.
 * - The TopicArn must be one we subscribed: AWS signs every topic's messages with the same key,
 *   so without this check anyone with an AWS account could post a valid-looking bounce.
 * - A certificate outside its validity period does not verify.
 * - Timestamp must be recent. SNS re-delivers with the original Timestamp and signature for up to
 *   an hour under its longest retry policy, so the default window is an hour plus clock skew;
 *   replays inside it are caught by the MessageId (the replay key).
 */
import { X509Certificate, verify as verifySignature } from 'node:crypto';
import { ForbiddenError, UnauthorizedError } from '../../errors';
import { assertFresh, isObject, parseJsonBody, str, type JsonObject } from './common';

export type SnsType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

export interface SnsMessage {
  type: SnsType;
  messageId: string;
  topicArn: string;
  message: string;
  timestamp: Date;
  subject?: string;
  /** Confirmations only: the URL to GET to confirm (or re-confirm) the subscription. */
  subscribeUrl?: string;
}

export interface SnsVerifierOptions {
  /** PEM of the SNS signing certificate(s) in use (more than one while AWS rotates). */
  certificates: readonly string[];
  /** Topic ARNs whose messages are accepted. */
  topicArns: readonly string[];
  now?: () => number;
  toleranceSeconds?: number;
}

const HOST = /^sns\.[a-z0-9-]{3,}\.amazonaws\.com(\.cn)?$/;
const NOTIFICATION_FIELDS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'];
const CONFIRMATION_FIELDS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
const ALGORITHMS: Record<string, string> = { '1': 'RSA-SHA1', '2': 'RSA-SHA256' };
export const SNS_DEFAULT_TOLERANCE_SECONDS = 3600 + 300;

export function snsStringToSign(m: JsonObject): string {
  const fields = str(m.Type) === 'Notification' ? NOTIFICATION_FIELDS : CONFIRMATION_FIELDS;
  return fields
    .filter((f) => str(m[f]) !== undefined)
    .map((f) => `${f}\n${str(m[f])}\n`)
    .join('');
}

/** An https URL on an SNS regional host (a signing certificate when `pem`, else a SubscribeURL). */
export function isSnsUrl(value: string, pem: boolean): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'https:' && HOST.test(u.hostname) && !u.port && (!pem || u.pathname.endsWith('.pem'));
  } catch {
    return false;
  }
}

export class SnsVerifier {
  private readonly certificates: X509Certificate[];
  private readonly topics: ReadonlySet<string>;
  private readonly now: () => number;
  private readonly tolerance: number;

  constructor(opts: SnsVerifierOptions) {
    if (opts.certificates.length === 0) throw new TypeError('SnsVerifier needs the SNS signing certificate.');
    if (opts.topicArns.length === 0) throw new TypeError('SnsVerifier needs the accepted topic ARNs.');
    this.certificates = opts.certificates.map((pem) => new X509Certificate(pem));
    this.topics = new Set(opts.topicArns);
    this.now = opts.now ?? Date.now;
    this.tolerance = opts.toleranceSeconds ?? SNS_DEFAULT_TOLERANCE_SECONDS;
  }

  private signatureValid(stringToSign: string, version: string, signature: string): boolean {
    const algorithm = ALGORITHMS[version];
    if (!algorithm || !/^[A-Za-z0-9+/=]{1,2048}$/.test(signature)) return false;
    const now = new Date(this.now());
    const sig = Buffer.from(signature, 'base64');
    const data = Buffer.from(stringToSign, 'utf8');
    return this.certificates.some((cert) => {
      if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) return false;
      try {
        return verifySignature(algorithm, data, cert.publicKey, sig);
      } catch {
        return false; // a signature of the wrong size or shape
      }
    });
  }

  /** The verified SNS message in a raw POST body, or an error (401, 403, 400). */
  verify(raw: Buffer): SnsMessage {
    const m = parseJsonBody(raw);
    if (!isObject(m)) throw new UnauthorizedError('Not a signed SNS message.');
    const type = str(m.Type);
    const [messageId, topicArn, message, timestamp, version, signature, certUrl] = ['MessageId', 'TopicArn', 'Message', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL'].map((f) =>
      str(m[f]),
    );
    if (type !== 'Notification' && type !== 'SubscriptionConfirmation' && type !== 'UnsubscribeConfirmation') throw new UnauthorizedError('Not a signed SNS message.');
    if (!messageId || !topicArn || message === undefined || !timestamp || !version || !signature || !certUrl) throw new UnauthorizedError('Not a signed SNS message.');
    if (!isSnsUrl(certUrl, true)) throw new UnauthorizedError('SigningCertURL is not an Amazon SNS certificate URL.');
    if (!this.signatureValid(snsStringToSign(m), version, signature)) throw new UnauthorizedError('Bad signature.');
    if (!this.topics.has(topicArn)) throw new ForbiddenError('Messages from this SNS topic are not accepted.', 'unknown_topic');
    const at = new Date(timestamp);
    assertFresh(at.getTime() / 1000, this.now(), this.tolerance);
    const out: SnsMessage = { type, messageId, topicArn, message, timestamp: at };
    const subject = str(m.Subject);
    if (subject !== undefined) out.subject = subject;
    // Only ever an SNS URL: the caller may GET it to confirm the subscription.
    const subscribeUrl = str(m.SubscribeURL);
    if (type !== 'Notification' && subscribeUrl && isSnsUrl(subscribeUrl, false)) out.subscribeUrl = subscribeUrl;
    return out;
  }
}
