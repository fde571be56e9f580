-- 028: a send's counts by status kept beside the ledger (delivery_tallies), and no index on the
-- ledger that names `status` (issue 20; docs/delivery.md "Counts", docs/performance.md).
--
-- Why: every message changes its row's status twice (pending → sending before the body, sending →
-- sent after). Postgres can only update a row in place (a HOT update: no new index entries, the old
-- version pruned from the page on its next visit) when no index covers a changed column, and
-- deliveries_send_status_open (for the counts) and deliveries_held_zone (its predicate) covered
-- status. So each message wrote two new row versions into three indexes: 9 WAL records a message,
-- and a ledger that bloats until VACUUM.
--
-- The counts those indexes served come from delivery_tallies: for each batch, its rows by status
-- as of the batch's last recount. A claimed batch is counted live from its own rows (a few hundred,
-- read by the unique index's range; at most a few batches per worker are claimed at once), so the
-- per-message writes of the deliver stage touch no tally: a batch is recounted when its claim ends
-- (batch-release), and by every writer that changes rows outside a claim (a cancel, the
-- reconciler, an editor's resolution, a bounce), in the same transaction. Measured first with a
-- tally written by every grouped write: 0.1 ms more per statement, more than the HOT updates saved.
--
-- `pending` is not tallied: it is the send's total minus the rest, as before.
--
-- Upgrade note: a worker running code from before this migration does not recount. Stop workers
-- before migrating (docs/scaling.md, "Upgrading"); the backfill below runs under a lock that keeps
-- ledger writes out while it counts.
CREATE TABLE delivery_tallies (
  send_id  bigint NOT NULL REFERENCES sends(id) ON DELETE CASCADE,
  batch_id bigint NOT NULL,
  status   text NOT NULL CHECK (status IN ('sending', 'sent', 'skipped', 'failed', 'uncertain', 'cancelled', 'bounced')),
  n        integer NOT NULL CHECK (n > 0),
  PRIMARY KEY (send_id, batch_id, status)
);

-- Recounts batches of one send from their rows. The batch rows are locked first, and the count is
-- a later statement (plpgsql: a fresh snapshot each), so it sees every change committed by a
-- writer that recounted before it; two recounts of one batch run one after the other, and the last
-- one counts what both did.
CREATE FUNCTION tidings_recount_batches(p_send bigint, p_batches bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM send_batches WHERE id = ANY(p_batches) ORDER BY id FOR UPDATE;
  DELETE FROM delivery_tallies WHERE send_id = p_send AND batch_id = ANY(p_batches);
  -- LATERAL: each batch's range is read through the unique index. As a plain join, the cached
  -- generic plan became a scan of the whole partition once send_batches had statistics (225 ms a
  -- recount at 1,000,000 rows, measured; 0.4 ms this way).
  INSERT INTO delivery_tallies (send_id, batch_id, status, n)
  SELECT b.send_id, b.id, x.status, x.n
  FROM send_batches b
  CROSS JOIN LATERAL (
    SELECT d.status, count(*) AS n FROM deliveries d
    WHERE d.send_id = b.send_id AND d.subscriber_id BETWEEN b.first_subscriber_id AND b.last_subscriber_id
      AND d.batch_id = b.id AND d.status <> 'pending'
    GROUP BY d.status
  ) x
  WHERE b.id = ANY(p_batches) AND b.send_id = p_send;
END $$;

-- A send's non-pending rows by status, wherever they are counted: tallies of the batches not
-- claimed now, the live rows of the claimed ones (each range through the unique index: LATERAL, as
-- in the recount), and for a send past DELIVERY_RETENTION_DAYS its roll-up (migration 025; never
-- both, retention deletes the tallies as it writes the roll-up), in one snapshot.
CREATE FUNCTION tidings_send_counts(p_send bigint) RETURNS TABLE (status text, n bigint) LANGUAGE sql STABLE AS $$
  SELECT status, sum(n)::bigint FROM (
    SELECT t.status, t.n::bigint AS n FROM delivery_tallies t
    JOIN send_batches b ON b.id = t.batch_id
    WHERE t.send_id = p_send AND b.status <> 'claimed'
    UNION ALL
    SELECT x.status, x.n FROM send_batches b
    CROSS JOIN LATERAL (
      SELECT d.status, count(*) AS n FROM deliveries d
      WHERE d.send_id = b.send_id AND d.subscriber_id BETWEEN b.first_subscriber_id AND b.last_subscriber_id
        AND d.status <> 'pending'
      GROUP BY d.status
    ) x
    WHERE b.send_id = p_send AND b.status = 'claimed'
    UNION ALL
    SELECT r.status, r.n FROM delivery_rollups r WHERE r.send_id = p_send AND r.status <> 'pending'
  ) x GROUP BY status
$$;

LOCK TABLE deliveries IN SHARE MODE;
SELECT tidings_recount_batches(send_id, array_agg(id)) FROM send_batches GROUP BY send_id;

DROP INDEX deliveries_send_status_open;
-- Held rows are found by their zone; a held row that is no longer pending (cancelled) stays in
-- the index, and the queries that use it still say status = 'pending'.
DROP INDEX deliveries_held_zone;
CREATE INDEX deliveries_held_zone ON deliveries (send_id, zone) WHERE not_before = 'infinity';

-- The progress rate reads the rows of a send's claimed and recently released batches (send-rate).
CREATE INDEX send_batches_send_dispatched ON send_batches (send_id, dispatched_at);

-- Room on each page for a row's two updates, so they stay on the page (HOT). A partitioned parent
-- cannot carry the setting: each partition gets it, a new one as its send is created.
CREATE OR REPLACE FUNCTION tidings_send_partition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM tidings_delivery_partition(NEW.id);
  EXECUTE format('ALTER TABLE %I SET (fillfactor = 70)', 'deliveries_s' || NEW.id);
  RETURN NULL;
END $$;

DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'deliveries'::regclass LOOP
    EXECUTE format('ALTER TABLE %I SET (fillfactor = 70)', r.relname);
  END LOOP;
END $$;
