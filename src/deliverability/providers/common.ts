/**
 * What the provider webhook verifiers share: the result shape, JSON and size checks, constant-time
 * comparison and timestamp freshness. Failures are the service's own errors (src/errors.ts), so a
 * route can pass them to the one error translator: 401 for anything that does not authenticate
 * (bad or missing signature, wrong credentials, stale timestamp), 400 for a body that is not
 * JSON, 413 for an oversized one, 422 for JSON of the wrong shape.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { BadRequestError, PayloadTooLargeError, UnauthorizedError, ValidationError } from '../../errors';
import type { DeliverabilityEvent } from '../events';

export interface ProviderResult {
  /** Bounces and complaints, normalised. */
  events: DeliverabilityEvent[];
  /** Entries that were well-formed but not bounces or complaints (deliveries, opens, …). */
  ignored: number;
  /**
   * Identifies this request for replay protection: the caller refuses a second request with the
   * same key within the provider's window (409). Derived from the signature or the provider's id.
   */
  replayKey: string;
}

/** Webhook bodies are small; a provider batch of a thousand events is well under this. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function assertSize(raw: Buffer): void {
  if (raw.length > MAX_WEBHOOK_BYTES) throw new PayloadTooLargeError(`The body is over ${MAX_WEBHOOK_BYTES} bytes.`);
}

export function parseJsonBody(raw: Buffer): Json {
  assertSize(raw);
  try {
    return JSON.parse(raw.toString('utf8')) as Json;
  } catch {
    throw new BadRequestError('The request body is not valid JSON.', undefined, 'invalid_json');
  }
}

export function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asObject(v: Json | undefined, field: string): JsonObject {
  if (!isObject(v)) throw new ValidationError(`${field} must be a JSON object.`, field);
  return v;
}

/** A string field, or undefined when missing or not a string. */
export function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A plausible address as a provider reports it, else undefined (the entry is then ignored). */
export function address(v: Json | undefined): string | undefined {
  const a = str(v)?.trim();
  return a && a.length <= 320 && /^[^\s@]+@[^\s@]+$/.test(a) ? a : undefined;
}

/** Our Message-ID in brackets, whether the provider echoes it with them or without. */
export function bracketed(v: string | undefined): string | undefined {
  const id = v?.trim();
  if (!id || id.length > 500) return undefined;
  return id.startsWith('<') ? id : `<${id}>`;
}

/**
 * Constant-time equality of two strings of any length: both are hashed first, so neither the
 * content nor the length of the secret leaks through timing.
 */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Refuses a signed timestamp (unix seconds) further than `toleranceSeconds` from now. */
export function assertFresh(timestampSeconds: number, nowMs: number, toleranceSeconds: number): void {
  if (!Number.isFinite(timestampSeconds) || Math.abs(nowMs / 1000 - timestampSeconds) > toleranceSeconds) {
    throw new UnauthorizedError('Missing or stale signature timestamp.');
  }
}

/**
 * The literal digits of a number under `key` at the top level of a JSON object. Postmark's record
 * ids are 64-bit; JSON.parse rounds them beyond 2^53 (ids 1024 apart become equal), which would
 * make distinct records share a replay key. One linear pass that skips strings and nested values.
 */
export function topLevelNumberText(json: string, key: string): string | undefined {
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      while (j < json.length && json.charCodeAt(j) !== 0x22) j += json.charCodeAt(j) === 0x5c ? 2 : 1;
      const name = json.slice(i + 1, j);
      i = j;
      if (depth === 1 && name === key) {
        const m = /^\s*:\s*(-?\d{1,30})(?![\d.eE])/.exec(json.slice(i + 1, i + 64));
        if (m) return m[1];
      }
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}
