/**
 * BulkAdder (src/queue/bulk-add.ts): adds made in one event-loop turn reach Redis together, each
 * caller's promise settles with its batch, a repeated job id stays one job (as with queue.add),
 * and a failed batch rejects every caller in it (the subscribe path then leaves the row to the
 * sweeper).
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BulkAdder } from '../src/queue/bulk-add';
import { REDIS_URL } from './helpers/env';

const prefix = `test_bulk_${randomBytes(4).toString('hex')}`;
let redis: Redis;
let queue: Queue;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue('bulk', { connection: redis, prefix });
});
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
});

test('adds of one turn are written together and all resolve; a repeated job id stays one job', async () => {
  const adder = new BulkAdder(() => queue);
  const ids = Array.from({ length: 40 }, (_, i) => `j-${i % 30}`);
  await Promise.all(ids.map((jobId, i) => adder.add('x', { i }, { jobId })));
  const counts = await queue.getJobCounts('waiting');
  expect(counts.waiting).toBe(30);
  // A later turn is a new batch.
  await adder.add('x', { i: 99 }, { jobId: 'later' });
  expect((await queue.getJob('later'))?.data).toEqual({ i: 99 });
});

test('a batch that cannot reach Redis rejects every caller in it', async () => {
  const dead = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, lazyConnect: true, enableOfflineQueue: false });
  const deadQueue = new Queue('bulk', { connection: dead, prefix });
  const adder = new BulkAdder(() => deadQueue);
  const results = await Promise.allSettled([1, 2, 3].map((i) => adder.add('x', { i }, { jobId: `d-${i}` })));
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
  await deadQueue.close().catch(() => undefined);
  dead.disconnect();
});
