-- Retention of the delivery ledger (DELIVERY_RETENTION_DAYS, src/sending/retention.ts): a finished
-- send's partition is rolled up, then dropped (migration 025).
-- name: ledger-retention-lock
-- One retention pass at a time across processes; released with the pass's transaction.
SELECT pg_try_advisory_xact_lock(hashtext('tidings.ledger.retention')) AS locked;

-- name: ledger-retention-due
-- Finished sends whose ledger is older than the retention and not rolled up yet, oldest first.
SELECT id FROM sends
WHERE status IN ('completed', 'cancelled') AND ledger_rolled_up_at IS NULL
  AND completed_at < now() - make_interval(days => $1::integer)
ORDER BY id LIMIT $2::integer
FOR UPDATE SKIP LOCKED;

-- name: ledger-rollup-send
-- Counts per variant and status, failure reasons (the 50 most frequent, as the report shows), and
-- per-reader totals, in one statement, then the send is marked rolled up.
WITH v AS (
  INSERT INTO delivery_rollups (send_id, topics, status, n)
  SELECT $1::bigint, topics, status, count(*) FROM deliveries WHERE send_id = $1::bigint GROUP BY topics, status
  ON CONFLICT (send_id, topics, status) DO UPDATE SET n = delivery_rollups.n + EXCLUDED.n
  RETURNING n
), f AS (
  INSERT INTO delivery_failure_rollups (send_id, status, smtp_code, error, n)
  SELECT $1::bigint, status, smtp_code, error, count(*) AS n FROM deliveries
  WHERE send_id = $1::bigint AND status IN ('failed', 'uncertain', 'skipped')
  GROUP BY status, smtp_code, error ORDER BY n DESC LIMIT 50
  RETURNING n
), r AS (
  INSERT INTO subscriber_delivery_rollups AS x (subscriber_id, deliveries, sent, last_sent_at)
  SELECT subscriber_id, count(*), count(*) FILTER (WHERE status = 'sent'), max(sent_at)
  FROM deliveries WHERE send_id = $1::bigint GROUP BY subscriber_id
  ON CONFLICT (subscriber_id) DO UPDATE SET deliveries = x.deliveries + EXCLUDED.deliveries, sent = x.sent + EXCLUDED.sent,
    last_sent_at = GREATEST(x.last_sent_at, EXCLUDED.last_sent_at)
  RETURNING 1
), t AS (
  -- The roll-up now answers for the send's counts (send-counts reads both, never both for one send).
  DELETE FROM delivery_tallies WHERE send_id = $1::bigint
  RETURNING 1
)
UPDATE sends SET ledger_rolled_up_at = now()
WHERE id = $1::bigint
RETURNING (SELECT COALESCE(sum(n), 0) FROM v)::bigint AS rows;

-- name: ledger-lock-timeout
-- Dropping a partition takes ACCESS EXCLUSIVE on deliveries for a moment: wait at most this long
-- for running statements, never queue every delivery behind a long one (the next pass retries).
SELECT set_config('lock_timeout', '5s', true);

-- name: ledger-drop-partition
SELECT tidings_drop_delivery_partition($1::bigint) AS dropped;

-- name: batches-upkeep-due
-- send_batches while any send prepares or sends (src/sending/ledger-upkeep.ts): due once its dead
-- row versions reach $2 of its live rows and at least $1.
SELECT t.n_dead_tup >= greatest($1::bigint, t.n_live_tup * $2::float8) AS vacuum
FROM pg_stat_user_tables t
WHERE t.relid = 'send_batches'::regclass
  AND EXISTS (SELECT 1 FROM sends WHERE status IN ('preparing', 'sending'));

-- name: ledger-upkeep-due
-- Ledger partitions that need VACUUM or ANALYZE now (src/sending/ledger-upkeep.ts): those of sends
-- preparing, sending or finished within the hour, whose dead row versions reached $2 of their live
-- rows, or whose rows changed since the last statistics reached $4 of them (and at least $1 in
-- either case). Every delivery updates its row twice; since migration 028 both updates are
-- normally HOT and pruned on the page, so VACUUM is seldom due, but a page without room (a
-- partition filled before 028, a retried row) still leaves dead versions. The counters are the
-- server's own activity statistics, kept whether or not autovacuum runs.
-- $1 minimum rows, $2 share of live rows (dead versions), $3 partitions per pass, $4 share of live
-- rows (changed since the last ANALYZE)
SELECT id, vacuum_due AS vacuum, analyze_due AS analyze FROM (
  SELECT s.id, t.n_dead_tup >= g.vacuum_at AS vacuum_due, t.n_mod_since_analyze >= g.analyze_at AS analyze_due
  FROM sends s
  JOIN pg_stat_user_tables t ON t.relid = to_regclass('deliveries_s' || s.id)
  CROSS JOIN LATERAL (SELECT greatest($1::bigint, t.n_live_tup * $2::float8) AS vacuum_at,
                             greatest($1::bigint, t.n_live_tup * $4::float8) AS analyze_at) g
  WHERE s.status IN ('preparing', 'sending') OR s.completed_at > now() - interval '1 hour'
) due
WHERE vacuum_due OR analyze_due
ORDER BY id
LIMIT $3::integer;
