/**
 * Replay protection for signed inbound webhooks. The signature covers a timestamp, so a captured
 * request is refused once the timestamp is out of the tolerance window; inside the window the same
 * signature is accepted once. The claim is made in the caller's transaction, together with what
 * the request records, so a replay records nothing and a request that failed half way can be sent
 * again (migration 010).
 */
import { createHash } from 'node:crypto';
import type { PoolClient } from '../db/pool';
import type { Queries } from '../db/queries';
import { ConflictError } from '../errors';

export interface SignedRequest {
  /** Which webhook, e.g. "bounces": one key is claimed per endpoint. */
  endpoint: string;
  /** What makes the request unique: its signature, or a provider's replay key (ProviderResult). */
  key: string;
  /** When a copy would be refused anyway (for a signature: its timestamp + the tolerance). */
  expiresAt: Date;
  /** The verifier's clock (injectable in tests), for dropping expired claims. */
  now: Date;
}

export async function claimSignature(client: PoolClient, queries: Queries, req: SignedRequest): Promise<void> {
  await client.query(queries.sql('webhook-replay-purge'), [req.now]);
  const hash = createHash('sha256').update(req.key).digest();
  const { rowCount } = await client.query(queries.sql('webhook-replay-claim'), [req.endpoint, hash, req.expiresAt]);
  if (!rowCount) throw new ConflictError('This signed request was already received: a replay changes nothing.', 'replayed');
}
