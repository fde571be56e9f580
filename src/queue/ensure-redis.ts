/**
 * Redis cannot be embedded (BullMQ's Lua scripts need a real server), so at start we make sure one
 * answers: if REDIS_URL points at this machine and nothing answers, start `redis-server` when the
 * binary exists; otherwise explain how to get one and exit non-zero.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import type { Logger } from '../logger';

async function ping(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500 });
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

const HOW_TO_GET_REDIS = `Tidings needs Redis (BullMQ dispatches work through it) and none answers at REDIS_URL.
Start one: on Debian/Ubuntu run \`bash scripts/services.sh\` (installs and starts PostgreSQL and
Redis), or with Docker run \`docker compose up -d redis\`, or point REDIS_URL at an existing server.`;

export async function ensureRedis(url: string, log: Logger): Promise<ChildProcess | undefined> {
  if (await ping(url)) return undefined;
  const u = new URL(url);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(u.hostname);
  const hasBinary = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!local || !hasBinary) {
    console.error(HOW_TO_GET_REDIS);
    process.exit(1);
  }
  const port = u.port || '6379';
  log.info({ port }, 'Redis is not running: starting a local redis-server');
  const child = spawn(
    'redis-server',
    ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 50; i++) {
    if (await ping(url)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  console.error(HOW_TO_GET_REDIS);
  process.exit(1);
}
