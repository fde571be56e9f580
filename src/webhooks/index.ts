/**
 * Outgoing webhooks as one capability: editors' endpoints and the worker's delivery loop, sharing
 * the box that seals and opens endpoint secrets. Built by the composition root (src/app.ts).
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { EditorAudit } from '../editors/audit';
import type { Logger } from '../logger';
import { WebhookDeliverer } from './deliverer';
import { WebhookEndpoints } from './endpoints';
import { SecretBox } from './secret-box';

export interface OutgoingWebhooksDeps {
  pool: Pool;
  queries: Queries;
  log: Logger;
  audit: EditorAudit;
  config: {
    secretKeys: readonly string[];
    webhooks: { allowPrivate: boolean; timeoutMs: number; retryBaseSeconds: number; disableAfterSeconds: number; pollMs: number };
  };
}

export class OutgoingWebhooks {
  readonly endpoints: WebhookEndpoints;
  /** Started by worker processes (ROLE=worker|all). */
  readonly deliverer: WebhookDeliverer;

  constructor({ pool, queries, log, audit, config }: OutgoingWebhooksDeps) {
    const box = new SecretBox(config.secretKeys);
    this.endpoints = new WebhookEndpoints({ pool, queries, audit, box, allowPrivate: config.webhooks.allowPrivate });
    this.deliverer = new WebhookDeliverer({ pool, queries, log, box, ...config.webhooks });
  }
}
