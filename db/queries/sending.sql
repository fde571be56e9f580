-- Delivery engine (src/sending). Every state change is a conditional UPDATE on the current state,
-- so two workers, a reconciler and an editor racing on the same rows agree on one outcome.

-- name: send-issue-for-start
SELECT id, status FROM issues WHERE id = $1::bigint;

-- name: send-insert
-- ON CONFLICT DO NOTHING + re-read (send-by-issue): a repeated or concurrent start returns the
-- send that won, never a second one.
-- $4–$6: a local-time send's date, time and zone of readers without one (else NULL).
INSERT INTO sends (issue_id, idempotency_key, max_subscriber_id, created_by, local_date, local_time, default_zone)
SELECT $1::bigint, $2::text, COALESCE((SELECT max(id) FROM subscribers), 0), $3::bigint, $4::date, $5::text, $6::text
ON CONFLICT (issue_id) DO NOTHING
RETURNING id;

-- name: send-by-issue
SELECT id, issue_id, status, paused, pause_reason, idempotency_key, prepared, total, prepare_gen,
       created_at, prepared_at, completed_at, complaint_warning
FROM sends WHERE issue_id = $1::bigint;

-- name: send-by-id
SELECT id, issue_id, status, paused, pause_reason, idempotency_key, prepared, total, prepare_gen,
       created_at, prepared_at, completed_at, complaint_warning
FROM sends WHERE id = $1::bigint;

-- name: send-issue-mark-sending
UPDATE issues SET status = 'sending', updated_at = now() WHERE id = $1::bigint AND status IN ('draft', 'scheduled');

-- name: send-counts
-- Non-pending rows from tidings_send_counts (tallies, claimed batches, or the roll-up of a send
-- past retention; migration 028); pending is the rest of the send's total (prepare writes rows and
-- total in one statement, and this is one snapshot).
WITH c AS (
  SELECT status, n FROM tidings_send_counts($1::bigint)
), p AS (
  SELECT (SELECT total FROM sends WHERE id = $1::bigint) - COALESCE((SELECT sum(n) FROM c), 0) AS n
)
SELECT status, n FROM c
UNION ALL
SELECT 'pending', n::bigint FROM p WHERE n > 0;

-- name: send-counts-by-variant
-- The ledger's rows, or once dropped by retention the send's roll-up (never both: the roll-up is
-- written in the transaction that drops the partition).
SELECT topics, status, sum(n)::bigint AS n FROM (
  SELECT topics, status, count(*)::bigint AS n FROM deliveries WHERE send_id = $1::bigint GROUP BY topics, status
  UNION ALL
  SELECT topics, status, n FROM delivery_rollups WHERE send_id = $1::bigint
) x GROUP BY topics, status ORDER BY topics, status;

-- name: send-counts-by-topic
SELECT t.topic, v.status, sum(v.n)::bigint AS n FROM (
  SELECT topics, status, count(*)::bigint AS n FROM deliveries WHERE send_id = $1::bigint GROUP BY topics, status
  UNION ALL
  SELECT topics, status, n FROM delivery_rollups WHERE send_id = $1::bigint
) v CROSS JOIN LATERAL unnest(string_to_array(v.topics, ',')) AS t(topic)
GROUP BY t.topic, v.status ORDER BY t.topic, v.status;

-- name: send-failure-reasons
SELECT status, smtp_code, error, sum(n)::bigint AS n FROM (
  SELECT status, smtp_code, error, count(*)::bigint AS n
  FROM deliveries WHERE send_id = $1::bigint AND status IN ('failed', 'uncertain', 'skipped')
  GROUP BY status, smtp_code, error
  UNION ALL
  SELECT status, smtp_code, error, n FROM delivery_failure_rollups WHERE send_id = $1::bigint
) x GROUP BY status, smtp_code, error ORDER BY n DESC LIMIT 50;

-- name: send-bounce-counts
SELECT type, count(*)::bigint AS n FROM bounce_events WHERE send_id = $1::bigint GROUP BY type;

-- name: send-rate
-- Messages handed over in the last 10 seconds, for the progress rate. Only rows of batches held
-- now or released within the window can have been sent in it (a release stamps dispatched_at), so
-- only their ranges are read: a few batches, not the whole send (no index on the ledger names
-- status or sent_at, migration 028).
-- LATERAL, so each batch's range is read by the unique index: as a plain join the generic plan
-- scanned the whole partition (1.3 s a call at 1,000,000 rows, measured).
SELECT coalesce(sum(x.n), 0)::bigint AS n FROM send_batches b
CROSS JOIN LATERAL (
  SELECT count(*) AS n FROM deliveries d
  WHERE d.send_id = b.send_id AND d.subscriber_id BETWEEN b.first_subscriber_id AND b.last_subscriber_id
    AND d.status = 'sent' AND d.sent_at > now() - interval '10 seconds'
) x
WHERE b.send_id = $1::bigint AND (b.status = 'claimed' OR b.dispatched_at > now() - interval '10 seconds');

-- name: send-pause
UPDATE sends SET paused = true, pause_reason = $2::text, updated_at = now()
WHERE id = $1::bigint AND status IN ('preparing', 'sending') AND NOT paused
RETURNING id;

-- name: send-resume
UPDATE sends SET paused = false, pause_reason = NULL, updated_at = now()
WHERE id = $1::bigint AND status IN ('preparing', 'sending') AND paused
RETURNING id;

-- name: send-cancel
UPDATE sends SET status = 'cancelled', paused = false, completed_at = now(), updated_at = now()
WHERE id = $1::bigint AND status IN ('preparing', 'sending')
RETURNING id, issue_id;

-- name: deliveries-cancel-pending
-- Rows already in 'sending' finish normally: their message is with the SMTP server. Walks the
-- send's partition; a cancel is rare.
-- The caller recounts the send's batches in the same transaction (batches-recount-send).
UPDATE deliveries SET status = 'cancelled', updated_at = now()
WHERE send_id = $1::bigint AND status = 'pending';

-- name: batches-close-for-send
UPDATE send_batches SET status = 'done' WHERE send_id = $1::bigint AND status = 'pending';

-- name: send-issue-mark-sent
UPDATE issues SET status = 'sent', sent_at = COALESCE(sent_at, now()), updated_at = now()
WHERE id = $1::bigint AND status <> 'sent';

-- name: send-issue-mark-cancelled
-- Kept out of the archive and feeds (they list 'sent' issues only).
UPDATE issues SET status = 'cancelled', updated_at = now()
WHERE id = $1::bigint AND status IN ('draft', 'sending');

-- name: prepare-lock-send
-- The row lock serialises two preparers cutting the same send into ranges (prepare-split).
SELECT id, status, prepared, prepare_cursor, prepare_ranges_left, max_subscriber_id, default_zone FROM sends WHERE id = $1::bigint FOR UPDATE;

-- name: prepare-split
-- Cuts a send's span (prepare_cursor, max_subscriber_id] into $2 ranges of equal id span, once
-- (under prepare-lock-send's lock; a send already cut or prepared is left alone). Equal id spans
-- cost nothing to compute; the ranges are more than the streams, so uneven density (old ids mostly
-- unsubscribed, say) only leaves one stream a shorter tail, not half the work.
WITH s AS (
  SELECT id, prepare_cursor AS c, max_subscriber_id AS m FROM sends
  WHERE id = $1::bigint AND prepare_ranges_left IS NULL AND NOT prepared
), r AS (
  INSERT INTO send_prepare_ranges (send_id, part, lo, hi, cursor)
  SELECT s.id, g, s.c + (s.m - s.c) * g / $2::integer, s.c + (s.m - s.c) * (g + 1) / $2::integer,
         s.c + (s.m - s.c) * g / $2::integer
  FROM s, generate_series(0, $2::integer - 1) g
  WHERE s.m > s.c
  RETURNING 1
)
-- A span with nobody in it (every id walked already, or an empty list) is prepared at once.
UPDATE sends SET prepare_ranges_left = (SELECT count(*) FROM r),
  prepared = (SELECT count(*) FROM r) = 0,
  prepared_at = CASE WHEN (SELECT count(*) FROM r) = 0 THEN now() END,
  status = CASE WHEN (SELECT count(*) FROM r) = 0 AND status = 'preparing' THEN 'sending' ELSE status END,
  updated_at = now()
WHERE id IN (SELECT id FROM s)
RETURNING prepared;

-- name: prepare-lock-range
-- The next range of the send nobody is walking (SKIP LOCKED: concurrent streams, and a second
-- preparer of the same send, each take a different range). Lowest part first, so a stream keeps
-- the range it just stepped while it has more.
SELECT r.part, r.cursor, r.hi, s.default_zone
FROM send_prepare_ranges r JOIN sends s ON s.id = r.send_id
WHERE r.send_id = $1::bigint AND NOT r.done AND s.status = 'preparing' AND NOT s.prepared
ORDER BY r.part LIMIT 1
FOR UPDATE OF r SKIP LOCKED;

-- name: prepare-step
-- One step of one range of the snapshot in one statement: walk confirmed subscribers by id (keyset,
-- using subscribers_confirmed_id), keep those not suppressed and with at least one topic, split
-- them into delivery batches of at most $6 rows, write the batch rows and their deliveries, and
-- advance the range's cursor. A step covers several delivery batches because the per-statement and
-- per-commit costs dominate small steps (measured: ~24,000 rows/s at 500 readers per statement,
-- see docs/performance.md), while a delivery batch must stay small enough to spread over workers.
-- The sends row is only counted, last and briefly (its row lock is held from this UPDATE to the
-- commit, so concurrent steps queue there and not for the whole step); it matches nothing once the
-- send is no longer preparing (cancelled meanwhile), and the caller then rolls the step back, so a
-- cancel never leaves rows behind it.
-- $1 send id, $2 range part, $3 range cursor, $4 range hi, $5 readers per step, $6 delivery batch
-- size, $7 for a local-time send the zone of readers without one (its rows are written with their
-- zone and held, not_before = 'infinity', until the scheduler releases the zone), else NULL.
WITH ids AS MATERIALIZED (
  SELECT s.id, s.email, s.email_hash, s.timezone FROM subscribers s
  WHERE s.status = 'confirmed' AND s.id > $3::bigint AND s.id <= $4::bigint
  ORDER BY s.id LIMIT $5::integer
), span AS (
  SELECT count(*) AS n, max(id) AS last FROM ids
), readers AS MATERIALIZED (
  -- Filtered before the topic join; the address hash is stored (007_subscriber_email_hash.sql).
  SELECT i.id, i.timezone FROM ids i
  WHERE i.email IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = i.email_hash)
), eligible AS MATERIALIZED (
  -- One grouped join over the step's range of subscriber_topics (its primary key) instead of a
  -- correlated subquery per reader; readers without topics drop out of the join.
  SELECT st.subscriber_id AS id, string_agg(st.topic, ',' ORDER BY st.topic) AS topics, min(r.timezone) AS timezone,
         (row_number() OVER (ORDER BY st.subscriber_id) - 1) / $6::integer AS chunk
  FROM readers r JOIN subscriber_topics st ON st.subscriber_id = r.id
  WHERE st.subscriber_id > $3::bigint AND st.subscriber_id <= (SELECT last FROM span)
  GROUP BY st.subscriber_id
), chunks AS MATERIALIZED (
  -- Batch ids drawn up front so each delivery row can name its batch in the same statement.
  -- Each batch is a range of consecutive subscriber ids (eligible is numbered in id order).
  SELECT chunk, nextval(pg_get_serial_sequence('send_batches', 'id')) AS id, count(*) AS size,
         min(id) AS lo, max(id) AS hi
  FROM eligible GROUP BY chunk
), batch AS (
  INSERT INTO send_batches (id, send_id, size, first_subscriber_id, last_subscriber_id)
  SELECT c.id, $1::bigint, c.size, c.lo, c.hi FROM chunks c ORDER BY c.chunk
  RETURNING id
), ins AS (
  INSERT INTO deliveries (send_id, batch_id, subscriber_id, topics, zone, not_before)
  SELECT $1::bigint, c.id, e.id, e.topics,
         CASE WHEN $7::text IS NOT NULL THEN COALESCE(e.timezone, $7::text) END,
         CASE WHEN $7::text IS NOT NULL THEN 'infinity'::timestamptz END
  FROM eligible e JOIN chunks c ON c.chunk = e.chunk
  ON CONFLICT (send_id, subscriber_id) DO NOTHING
  RETURNING 1
), range_step AS (
  UPDATE send_prepare_ranges SET
    cursor = COALESCE((SELECT last FROM span), $4::bigint),
    done = (SELECT n FROM span) < $5::integer
  WHERE send_id = $1::bigint AND part = $2::integer
  RETURNING done
), finished AS (
  SELECT count(*) FILTER (WHERE done)::integer AS n FROM range_step
)
-- prepare_ranges_left is read from the row as locked (a step that waited for another's commit
-- sees its count), so the last range to finish is the one that sets prepared.
UPDATE sends SET
  prepare_ranges_left = prepare_ranges_left - (SELECT n FROM finished),
  prepared = prepare_ranges_left - (SELECT n FROM finished) = 0,
  prepared_at = CASE WHEN prepare_ranges_left - (SELECT n FROM finished) = 0 THEN now() END,
  status = CASE WHEN prepare_ranges_left - (SELECT n FROM finished) = 0 THEN 'sending' ELSE status END,
  total = total + (SELECT count(*) FROM ins),
  prepare_heartbeat = now(),
  updated_at = now()
WHERE id = $1::bigint AND status = 'preparing' AND NOT prepared
RETURNING prepared, (SELECT count(*) FROM ins)::integer AS inserted;

-- name: batch-claim
-- A batch is worked on by one worker at a time: the conditional update is the claim, the random
-- token proves it later, and the lease bounds how long a dead worker can hold it.
UPDATE send_batches b
SET status = 'claimed', claim_token = $2::uuid, lease_until = now() + make_interval(secs => $3::integer),
    claims = b.claims + 1
FROM sends s
WHERE b.id = $1::bigint AND b.status = 'pending' AND (b.not_before IS NULL OR b.not_before <= now())
  AND s.id = b.send_id AND s.status IN ('preparing', 'sending') AND NOT s.paused
RETURNING b.send_id, s.issue_id;

-- name: batch-renew
UPDATE send_batches SET lease_until = now() + make_interval(secs => $3::integer)
WHERE id = $1::bigint AND claim_token = $2::uuid AND status = 'claimed'
RETURNING id;

-- name: deliveries-next-chunk
-- The next due rows of a batch this worker holds, read with what a message needs (address, name,
-- the reader's current topic set) and re-checked in the same statement: a reader who unsubscribed,
-- was erased or suppressed, or dropped every topic since the snapshot is skipped here (`ok` false),
-- not mailed. Eligible rows stay 'pending': an SMTP lane marks each one 'sending' only right before
-- its body (deliveries-step), so a crash while they wait costs nothing. A paused or cancelled send
-- or a lost claim reads nothing. Only the chunk's rows are checked, never the whole batch range.
-- `deliveries/*send*/`: run for one send, this names that send's partition (Queries.forSend).
-- $1 batch id, $2 claim token, $3 rows
WITH due AS MATERIALIZED (
  SELECT d.id, d.send_id, d.subscriber_id, d.attempts FROM send_batches b
  JOIN sends x ON x.id = b.send_id AND x.status IN ('preparing', 'sending') AND NOT x.paused
  JOIN deliveries/*send*/ d ON d.send_id = b.send_id
    AND d.subscriber_id BETWEEN b.first_subscriber_id AND b.last_subscriber_id
  WHERE b.id = $1::bigint AND b.claim_token = $2::uuid AND b.status = 'claimed'
    AND d.status = 'pending' AND (d.not_before IS NULL OR d.not_before <= now())
  ORDER BY d.subscriber_id LIMIT $3::integer
), rows AS MATERIALIZED (
  SELECT u.id, u.send_id, u.subscriber_id, u.attempts, s.email, s.name, t.topics,
         COALESCE(s.status = 'confirmed' AND s.email IS NOT NULL AND t.topics IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = s.email_hash), false) AS ok
  FROM due u
  LEFT JOIN subscribers s ON s.id = u.subscriber_id
  LEFT JOIN LATERAL (SELECT string_agg(st.topic, ',' ORDER BY st.topic) AS topics
                     FROM subscriber_topics st WHERE st.subscriber_id = u.subscriber_id) t ON true
), skipped AS (
  UPDATE deliveries/*send*/ d SET status = 'skipped', error = 'no longer subscribed', updated_at = now()
  FROM rows r WHERE d.id = r.id AND d.send_id = r.send_id AND NOT r.ok AND d.status = 'pending'
  RETURNING d.id
)
SELECT r.id, r.subscriber_id, r.email, r.name, r.topics, r.attempts, r.ok FROM rows r
ORDER BY r.subscriber_id;

-- name: deliveries-step
-- The grouped ledger write of the deliver stage (src/sending/ledger-writer.ts): one statement
-- records the replies of some SMTP lanes and marks the next row of others 'sending' (distinct rows:
-- a recorded row is 'sending', a marked one 'pending'). Recording changes only rows still 'sending':
-- a row the reconciler already declared uncertain (lease lost) keeps that verdict. Marking happens
-- while the lane's connection sends the envelope; the body waits for it. It re-checks the claim,
-- the send (paused, cancelled) and the reader (an unsubscribe or suppression committed before it
-- is honoured) and writes the topic set the message was built for; a row it does not mark is not
-- sent and stays 'pending' (deliveries-next-chunk skips it if the reader left).
-- $1 ids, $2 statuses, $3 smtp codes, $4 errors, $5 retry delays (seconds) of the outcomes;
-- $6 delivery ids, $7 their batch ids, $8 the batches' claim tokens, $11 the topic sets to mark;
-- $9 and $10 the sends of the outcomes and of the marks (partition pruning, migration 025).
-- `deliveries/*send*/`: when every step of the group is of one send, the statement names that
-- send's partition (Queries.forSend); the parent form is for a group that spans sends.
WITH recorded AS (
  UPDATE deliveries/*send*/ d SET
    status = v.status,
    smtp_code = v.code,
    error = v.error,
    sent_at = CASE WHEN v.status = 'sent' THEN now() ELSE d.sent_at END,
    not_before = CASE WHEN v.status = 'pending' THEN now() + make_interval(secs => v.delay) ELSE NULL END,
    updated_at = now()
  FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::text[], $5::float8[], $9::bigint[]) AS v(id, status, code, error, delay, send_id)
  WHERE d.id = v.id AND d.status = 'sending'
    -- Each row names its send so the update probes that send's partition only (migration 025).
    AND d.send_id = v.send_id
  RETURNING d.id
), marked AS (
  UPDATE deliveries/*send*/ d
  SET status = 'sending', attempts = d.attempts + 1, claimed_at = statement_timestamp(), updated_at = now(), topics = g.topics
  FROM unnest($6::bigint[], $7::bigint[], $8::uuid[], $10::bigint[], $11::text[]) AS g(id, batch_id, token, send_id, topics)
  WHERE d.id = g.id AND d.send_id = g.send_id AND d.batch_id = g.batch_id AND d.status = 'pending'
    AND EXISTS (SELECT 1 FROM send_batches b JOIN sends x ON x.id = b.send_id
                WHERE b.id = g.batch_id AND b.claim_token = g.token AND b.status = 'claimed'
                  AND x.status IN ('preparing', 'sending') AND NOT x.paused)
    AND EXISTS (SELECT 1 FROM subscribers s WHERE s.id = d.subscriber_id AND s.status = 'confirmed' AND s.email IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = s.email_hash))
  RETURNING d.id
)
SELECT m.id FROM marked m
-- Referenced so the planner cannot drop it (data-modifying CTEs run anyway; this documents it).
WHERE (SELECT count(*) FROM recorded) >= 0;

-- name: batch-release
-- Ends a claim: the batch is done when nothing in it is pending; otherwise it goes back to
-- pending (retries due later, or a pause) under a new generation. Run for the batch's send
-- (Queries.forSend): `deliveries/*send*/` names its partition.
UPDATE send_batches b SET
  status = CASE WHEN p.n > 0 THEN 'pending' ELSE 'done' END,
  gen = CASE WHEN p.n > 0 THEN b.gen + 1 ELSE b.gen END,
  not_before = p.due,
  claim_token = NULL,
  lease_until = NULL,
  dispatched_at = now()
-- One walk of the batch's range (the unique index) counts both: no index names status (migration
-- 028), and a separate NOT EXISTS on status = 'sending' was planned as a scan of the whole send.
-- A row with no due time (due now) makes the batch due now, not at its held or retried rows' time.
FROM (SELECT count(*) FILTER (WHERE d.status = 'pending') AS n,
             count(*) FILTER (WHERE d.status = 'sending') AS in_flight,
             CASE WHEN bool_and(d.not_before IS NOT NULL) FILTER (WHERE d.status = 'pending')
                  THEN min(d.not_before) FILTER (WHERE d.status = 'pending') END AS due
      FROM send_batches x
      JOIN deliveries/*send*/ d ON d.send_id = x.send_id
        AND d.subscriber_id BETWEEN x.first_subscriber_id AND x.last_subscriber_id
      WHERE x.id = $1::bigint) p
WHERE b.id = $1::bigint AND b.claim_token = $2::uuid
  -- A row still 'sending' means its outcome was never recorded (the worker failed mid-chunk):
  -- keep the claim so the lease expires and the reconciler declares those rows uncertain.
  AND p.in_flight = 0
-- A held batch (not_before 'infinity', a local-time zone not yet due) gets no job and no delay.
RETURNING b.status, b.gen, b.not_before,
  CASE WHEN isfinite(b.not_before) THEN GREATEST(0, EXTRACT(EPOCH FROM (b.not_before - now())) * 1000)::bigint END AS delay_ms;

-- name: batch-recount
-- A batch's tallies from its rows (migration 028): run after anything that changed its rows outside
-- a claim, or ended the claim (batch-release), in the same transaction. $1 send, $2 batch ids
SELECT tidings_recount_batches($1::bigint, $2::bigint[]);

-- name: batches-recount-send
-- Every batch of a send (a cancel changes rows in all of them).
SELECT tidings_recount_batches($1::bigint, ARRAY(SELECT id FROM send_batches WHERE send_id = $1::bigint ORDER BY id));

-- name: batch-unhold-if-due
-- A batch released as held (its rows' zones not due) while the scheduler released a zone: if a row
-- of it is due now, the batch is claimable again under a new generation (the caller dispatches it).
UPDATE send_batches b SET not_before = NULL, gen = b.gen + 1, dispatched_at = now()
WHERE b.id = $1::bigint AND b.status = 'pending' AND b.not_before = 'infinity'
  AND EXISTS (SELECT 1 FROM deliveries d WHERE d.send_id = b.send_id AND d.status = 'pending' AND d.not_before IS NULL
                AND d.subscriber_id BETWEEN b.first_subscriber_id AND b.last_subscriber_id)
RETURNING gen;

-- name: send-complete-if-done
-- Completion is decided from the ledger, never from "no job was fetched": every batch is done, and
-- a batch is only released as done by batch-release when none of its rows is pending or sending
-- (anything that reopens rows reopens their batch in the same statement: uncertain-resend, lease
-- expiry). Reads send_batches_open, not the send's rows.
UPDATE sends s SET status = 'completed', completed_at = now(), updated_at = now()
WHERE s.id = $1::bigint AND s.status = 'sending' AND s.prepared
  AND NOT EXISTS (SELECT 1 FROM send_batches b WHERE b.send_id = s.id AND b.status <> 'done')
RETURNING s.id, s.issue_id;

-- name: sends-complete-all-done
UPDATE sends s SET status = 'completed', completed_at = now(), updated_at = now()
WHERE s.status = 'sending' AND s.prepared
  AND NOT EXISTS (SELECT 1 FROM send_batches b WHERE b.send_id = s.id AND b.status <> 'done')
RETURNING s.id, s.issue_id;

-- name: send-variants
SELECT v.topics, v.subject, v.html, v.text, v.item_count, i.title, i.slug
FROM sends s JOIN issue_variants v ON v.issue_id = s.issue_id JOIN issues i ON i.id = s.issue_id
WHERE s.id = $1::bigint;

-- name: reconcile-lock
-- One reconciler at a time across all worker processes, held for the pass's transaction.
SELECT pg_try_advisory_xact_lock(7420135301) AS locked;

-- name: reconcile-expire-leases
-- A worker that held a batch past its lease is presumed dead: its batches go back to pending, and
-- the reconciler then runs reconcile-batch-uncertain for each, in the same transaction.
UPDATE send_batches SET status = 'pending', claim_token = NULL, lease_until = NULL, gen = gen + 1,
       not_before = NULL, dispatched_at = now() - interval '1 day'
WHERE status = 'claimed' AND lease_until < now()
RETURNING id, send_id, first_subscriber_id, last_subscriber_id;

-- name: reconcile-batch-uncertain
-- Rows an expired batch had in 'sending' may already be with the SMTP server, so they become
-- 'uncertain' (never re-sent automatically); its 'pending' rows stay for the next claim. Run for the
-- batch's send (Queries.forSend): on the partitioned parent, planning alone took 36 ms per pass
-- with 100 sends in the ledger. $1 send, $2 and $3 the batch's reader range
-- The reconciler then recounts the batch (batch-recount), in the same transaction.
UPDATE deliveries/*send*/ d SET status = 'uncertain', error = 'worker lost during SMTP handoff', updated_at = now()
WHERE d.send_id = $1::bigint AND d.status = 'sending' AND d.subscriber_id BETWEEN $2::bigint AND $3::bigint;

-- name: reconcile-stale-prepares
-- A prepare that stopped beating (its worker died, or its job vanished with Redis).
UPDATE sends SET prepare_gen = prepare_gen + 1, prepare_heartbeat = now()
WHERE status = 'preparing' AND NOT prepared AND prepare_heartbeat < now() - make_interval(secs => $1::integer)
RETURNING id, prepare_gen;

-- name: reconcile-pending-batches
-- Pending, due batches of running sends not dispatched recently: candidates whose job may have
-- vanished. The caller checks Redis for each and re-dispatches only the missing ones.
SELECT b.id, b.gen FROM send_batches b JOIN sends s ON s.id = b.send_id
WHERE b.status = 'pending' AND (b.not_before IS NULL OR b.not_before <= now())
  AND b.dispatched_at < now() - make_interval(secs => $1::integer)
  AND s.status IN ('preparing', 'sending') AND NOT s.paused
ORDER BY b.id LIMIT $2::integer;

-- name: batch-touch-dispatched
UPDATE send_batches SET dispatched_at = now() WHERE id = ANY($1::bigint[]);

-- name: batch-redispatch
UPDATE send_batches SET gen = gen + 1, dispatched_at = now()
WHERE id = $1::bigint AND status = 'pending'
RETURNING id, gen;

-- name: batches-pending-for-send
UPDATE send_batches SET gen = gen + 1, dispatched_at = now()
WHERE send_id = $1::bigint AND status = 'pending'
RETURNING id, gen;

-- name: deliveries-list
-- Walks the send's rows in id order (the primary key) and keeps those in the status asked for: no
-- index names status (migration 028), and a page stops at its limit.
SELECT d.id, d.subscriber_id, s.email, d.topics, d.status, d.attempts, d.smtp_code, d.error,
       d.resolution, d.claimed_at, d.updated_at
FROM deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id
WHERE d.send_id = $1::bigint AND d.status = $2::text AND d.id > $3::bigint
ORDER BY d.id LIMIT $4::integer;

-- name: uncertain-mark-sent
-- The caller recounts the rows' batches in the same transaction (batches-recount).
UPDATE deliveries SET status = 'sent', resolution = 'marked_sent', updated_at = now()
WHERE send_id = $1::bigint AND status = 'uncertain' AND ($2::boolean OR id = ANY($3::bigint[]))
RETURNING id, batch_id;

-- name: uncertain-resend
-- Back to pending in their batch; the batch reopens under a new generation and gets a job.
WITH rows AS (
  UPDATE deliveries SET status = 'pending', resolution = 'resent', not_before = NULL, updated_at = now()
  WHERE send_id = $1::bigint AND status = 'uncertain' AND ($2::boolean OR id = ANY($3::bigint[]))
  RETURNING id, batch_id
), batches AS (
  UPDATE send_batches b SET status = 'pending', gen = b.gen + 1, not_before = NULL, dispatched_at = now()
  WHERE b.id IN (SELECT DISTINCT batch_id FROM rows) AND b.status = 'done'
  RETURNING b.id
)
-- The caller recounts these batches in the same transaction (batches-recount).
SELECT (SELECT count(*) FROM rows)::integer AS n, (SELECT array_agg(DISTINCT batch_id) FROM rows) AS batches;

-- name: send-reopen
UPDATE sends SET status = 'sending', completed_at = NULL, updated_at = now()
WHERE id = $1::bigint AND status = 'completed'
RETURNING id;

-- name: bounce-latest-delivery
-- The send a bounce belongs to: the latest one that handed a message to this address.
SELECT d.send_id, d.subscriber_id FROM subscribers s
JOIN deliveries d ON d.subscriber_id = s.id AND d.status IN ('sent', 'uncertain')
WHERE lower(s.email) = lower($1::text)  -- subscribers_email_lower
ORDER BY d.send_id DESC LIMIT 1;

-- name: send-attach-idempotency-key
-- A keyed call that lost the race to a keyless one (same issue) still leaves its key on the send,
-- so the key cannot later start a send of another issue.
UPDATE sends SET idempotency_key = $2::text WHERE issue_id = $1::bigint AND idempotency_key IS NULL;

-- name: send-idempotency-other-issue
SELECT issue_id FROM sends WHERE idempotency_key = $1::text AND issue_id <> $2::bigint LIMIT 1;

-- name: send-issue-has-variants
SELECT 1 FROM issue_variants WHERE issue_id = $1::bigint LIMIT 1;
