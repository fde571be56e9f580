/**
 * Server-sent events from an async source (e.g. SendService.watchProgress): one `event: <name>`
 * per value, a `: keep-alive` comment while nothing changes (proxies close idle streams), and, once
 * the source is exhausted, a final `event: end` repeating the last value before the stream closes.
 * A client that goes away aborts the source, so no polling outlives its reader.
 *
 * The first value is read before any header is written: if the source throws right away (an
 * unknown issue) the ordinary error handler still answers with a status code and an error body.
 */
import type { Response } from 'express';
import type { Logger } from '../logger';

export interface EventStreamOptions {
  /** Name of the per-value event. */
  event: string;
  keepAliveMs?: number;
  /** Client reconnection delay (the `retry:` field). */
  retryMs?: number;
  log?: Logger;
}

export async function writeEventStream<T>(
  res: Response,
  source: (signal: AbortSignal) => AsyncIterator<T>,
  o: EventStreamOptions,
): Promise<void> {
  const abort = new AbortController();
  const it = source(abort.signal);
  let next: IteratorResult<T>;
  try {
    next = await it.next();
  } catch (err) {
    abort.abort();
    throw err;
  }
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store, no-transform');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.on('close', () => abort.abort());
  // Nothing is written once the client is gone.
  const write = (chunk: string) => {
    if (!abort.signal.aborted) res.write(chunk);
  };
  write(`retry: ${o.retryMs ?? 2000}\n`);
  const keepAlive = setInterval(() => write(': keep-alive\n\n'), o.keepAliveMs ?? 15_000);
  let last: T | undefined;
  try {
    while (!next.done) {
      last = next.value;
      write(`event: ${o.event}\ndata: ${JSON.stringify(last)}\n\n`);
      next = await it.next();
    }
    if (last !== undefined) write(`event: end\ndata: ${JSON.stringify(last)}\n\n`);
  } catch (err) {
    // Headers are gone: all that is left is to log and close the stream; the client reconnects.
    o.log?.warn({ err }, `${o.event} stream failed`);
  } finally {
    clearInterval(keepAlive);
    abort.abort();
    res.end();
  }
}
