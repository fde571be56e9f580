/**
 * Prepare's head start (src/sending/prepare.ts): a fresh snapshot's first step is one small
 * delivery batch (SEND_CHUNK_SIZE readers), dispatched as soon as it commits, so the first messages
 * do not wait for the whole snapshot; every other batch is dispatched once the snapshot is complete. The preparer runs here
 * on the app's real database and queue, its dispatcher wrapped to note, at each dispatch, what the
 * ledger held at that moment.
 */
import { Preparer } from '../src/sending/prepare';
import type { Dispatcher } from '../src/sending/dispatcher';
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, insertReaders } from './helpers/delivery';

const BATCH = 100;
const CHUNK = 20;
let t: TestApp;

beforeAll(async () => {
  // ROLE=api: the send's own prepare job waits in the queue with nobody to run it.
  t = await startTestApp({ env: { ROLE: 'api', SEND_BATCH_SIZE: String(BATCH), SEND_CHUNK_SIZE: String(CHUNK) } });
  await insertReaders(t.c.pool, 12_000);
}, 60_000);
afterAll(() => t?.close());

interface Dispatch {
  batches: number[];
  prepared: boolean;
  ledgerRows: number;
}

function noting(real: Dispatcher, sendId: () => number, log: Dispatch[]): Dispatcher {
  return {
    prepare: (id, gen) => real.prepare(id, gen),
    batch: (id, gen, delay) => real.batch(id, gen, delay),
    batchJobAlive: (id, gen) => real.batchJobAlive(id, gen),
    batches: async (list) => {
      const { rows } = await t.c.pool.query('SELECT prepared, total FROM sends WHERE id = $1', [sendId()]);
      log.push({ batches: list.map((b) => Number(b.id)).sort((a, b) => a - b), prepared: rows[0].prepared, ledgerRows: rows[0].total });
      await real.batches(list);
    },
  };
}

test('the first batch is dispatched before the snapshot is complete, every other batch after it', async () => {
  const issueId = await createIssue(t, 'head-start');
  const res = await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true });
  expect(res.status).toBe(202);
  const sendId = ((await res.json()) as { send_id: number }).send_id;

  const dispatches: Dispatch[] = [];
  const s = t.c.sending;
  const preparer = new Preparer({
    pool: t.c.pool, queries: t.c.queries, log: t.c.log, batchSize: BATCH, headStartSize: CHUNK, streams: 2, completion: s.completion,
    dispatcher: noting(s.dispatcher, () => sendId, dispatches),
  });
  expect(await preparer.prepare(sendId)).toBe(12_000);

  const { rows } = await t.c.pool.query<{ id: string; size: number }>('SELECT id, size FROM send_batches WHERE send_id = $1 ORDER BY id', [sendId]);
  const all = rows.map((r) => Number(r.id));
  // The head start's batch of one chunk first, then batches of at most BATCH readers (each range's
  // last one holding its rest), covering every reader once.
  expect(rows[0]!.size).toBe(CHUNK);
  expect(Math.max(...rows.map((r) => r.size))).toBe(BATCH);
  expect(rows.reduce((n, r) => n + r.size, 0)).toBe(12_000);
  expect(dispatches).toHaveLength(2);
  // The head start: one batch, the first, while the ledger held only its rows.
  expect(dispatches[0]).toEqual({ batches: [all[0]], prepared: false, ledgerRows: CHUNK });
  // Then the rest once the snapshot was complete (the head batch again: nobody claimed it here).
  expect(dispatches[1]).toEqual({ batches: all, prepared: true, ledgerRows: 12_000 });
});
