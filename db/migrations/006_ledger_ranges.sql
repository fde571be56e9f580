-- The ledger gets cheaper to write (prepare is measured in rows/s, docs/performance.md): two of
-- the four indexes every delivery row paid for at insert time go.
--
-- 1. A batch names its readers by range. Prepare splits each step into batches of consecutive
--    subscriber ids, so a batch's rows are exactly its send's rows with subscriber_id between
--    first and last, found through the UNIQUE (send_id, subscriber_id) index that the ledger needs
--    anyway. deliveries_batch (batch_id) is no longer read; the column stays as a plain label.
ALTER TABLE send_batches ADD COLUMN first_subscriber_id bigint, ADD COLUMN last_subscriber_id bigint;
UPDATE send_batches b SET first_subscriber_id = r.lo, last_subscriber_id = r.hi
FROM (SELECT batch_id, min(subscriber_id) AS lo, max(subscriber_id) AS hi FROM deliveries GROUP BY batch_id) r
WHERE r.batch_id = b.id;
-- A batch without rows (none is ever written) gets an empty range.
UPDATE send_batches SET first_subscriber_id = 1, last_subscriber_id = 0 WHERE first_subscriber_id IS NULL;
ALTER TABLE send_batches ALTER COLUMN first_subscriber_id SET NOT NULL, ALTER COLUMN last_subscriber_id SET NOT NULL;
DROP INDEX deliveries_batch;

-- 2. Rows are written 'pending' and most of a send's life is spent in other states, so the status
--    index leaves pending rows out: inserting a row no longer touches it. Pending counts come from
--    sends.total (written in the same statement as the rows) minus the others, and a send is
--    complete when all its batches are done (a batch is released as done only when none of its
--    rows is pending or sending).
DROP INDEX deliveries_send_status;
CREATE INDEX deliveries_send_status_open ON deliveries (send_id, status) WHERE status <> 'pending';
