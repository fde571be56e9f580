/**
 * Endpoint signing secrets are shown once and stored encrypted (AES-256-GCM) under a key derived
 * from SECRET_KEY, so a database dump alone cannot forge deliveries. The worker must read the secret
 * back to sign, which is why it is encrypted rather than hashed. Opening tries every key in
 * SECRET_KEY, SECRET_KEY_PREVIOUS order, so rotating SECRET_KEY keeps existing endpoints working;
 * a sealed box names the key's fingerprint-free version 'v1'.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const derive = (secretKey: string) => createHmac('sha256', secretKey).update('tidings webhook secret box v1').digest();

export class SecretBox {
  constructor(private readonly secretKeys: readonly string[]) {}

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', derive(this.secretKeys[0]!), iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  open(box: string): string {
    const [v, iv, tag, data] = box.split('.');
    if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('webhook secret box: unknown format');
    for (const key of this.secretKeys) {
      try {
        const d = createDecipheriv('aes-256-gcm', derive(key), Buffer.from(iv, 'base64url'));
        d.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([d.update(Buffer.from(data, 'base64url')), d.final()]).toString('utf8');
      } catch {
        // not this key: try the previous one
      }
    }
    throw new Error('webhook secret box: no SECRET_KEY opens it');
  }
}

/** A new endpoint secret: 32 random bytes, prefixed so it is recognisable in a secrets scanner. */
export const newWebhookSecret = () => 'whsec_' + randomBytes(32).toString('base64url');

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`: the scheme of the inbound bounce webhook. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}
