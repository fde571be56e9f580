/**
 * Redis cannot be embedded (BullMQ's Lua scripts need a real server), so at start we make sure one
 * answers: if REDIS_URL points at this machine, nothing listens there and the `redis-server` binary
 * exists, start one; otherwise stop with one line saying what to change (StartupError).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { StartupError } from '../errors';
import type { Logger } from '../logger';
import { endpoint, redisProblem } from '../startup-errors';

/** undefined when Redis answers PING; else the most telling error seen on the way. */
async function ping(url: string): Promise<unknown> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500 });
  // ioredis reports the cause (refused, NOAUTH, WRONGPASS …) as an event and rejects with a generic
  // "Connection is closed"; the first event is the one that says why.
  let cause: unknown;
  r.on('error', (err) => (cause ??= err));
  try {
    await r.connect();
    await r.ping();
    return undefined;
  } catch (err) {
    return cause ?? err;
  } finally {
    r.disconnect();
  }
}

export async function ensureRedis(url: string, log: Logger): Promise<ChildProcess | undefined> {
  const failure = await ping(url);
  if (!failure) return undefined;
  const u = new URL(url);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(u.hostname);
  // Only an empty port is ours to fill: a server that refused a password, or some other program on
  // the port, is reported as it is.
  const refused = (failure as { code?: string }).code === 'ECONNREFUSED';
  if (!local || !refused) throw redisProblem(failure, url);
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new StartupError(
      `No Redis answers at ${endpoint(url, 6379)} and redis-server is not installed: install it (bash scripts/services.sh), run docker compose up -d redis, or point REDIS_URL at a running server.`,
      { cause: failure },
    );
  }
  const port = u.port || '6379';
  log.info({ port }, 'Redis is not running: starting a local redis-server');
  const child = spawn('redis-server', ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    if (!(await ping(url))) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new StartupError(
    `No Redis answers at ${endpoint(url, 6379)} and a local redis-server did not start there within 5 s: start Redis yourself or point REDIS_URL at a running server.`,
  );
}
