-- Scheduled sends (src/sending/schedule.ts, src/sending/scheduler.ts). Times that decide whether
-- something is due come from the application's clock ($n::timestamptz), never now(), so a test can
-- move the calendar; the poller's claim is a conditional UPDATE, so two processes never start one
-- schedule twice.

-- name: schedule-by-issue
SELECT id, issue_id, status, run_at, local_date::text AS local_date, local_time, default_zone, idempotency_key,
       created_by, error, created_at, updated_at
FROM send_schedules WHERE issue_id = $1::bigint;

-- name: schedule-key-other-issue
SELECT 1 FROM send_schedules WHERE idempotency_key = $1::text AND issue_id <> $2::bigint
UNION ALL SELECT 1 FROM sends WHERE idempotency_key = $1::text AND issue_id <> $2::bigint
LIMIT 1;

-- name: schedule-upsert
-- A new schedule, or a new time for one that is waiting, missed or cancelled. A schedule a poller
-- already claimed (starting, started) is left alone: the caller answers 409.
INSERT INTO send_schedules (issue_id, run_at, local_date, local_time, default_zone, idempotency_key, created_by)
VALUES ($1::bigint, $2::timestamptz, $3::date, $4::text, $5::text, $6::text, $7::bigint)
ON CONFLICT (issue_id) DO UPDATE SET
  status = 'scheduled', run_at = EXCLUDED.run_at, local_date = EXCLUDED.local_date, local_time = EXCLUDED.local_time,
  default_zone = EXCLUDED.default_zone, idempotency_key = COALESCE(EXCLUDED.idempotency_key, send_schedules.idempotency_key),
  created_by = EXCLUDED.created_by, claimed_at = NULL, error = NULL, updated_at = now()
WHERE send_schedules.status IN ('scheduled', 'missed', 'cancelled')
RETURNING id;

-- name: schedule-issue-freeze
UPDATE issues SET status = 'scheduled', updated_at = now()
WHERE id = $1::bigint AND status IN ('draft', 'scheduled')
RETURNING id;

-- name: schedule-issue-thaw
-- A cancelled schedule gives the editor their draft back.
UPDATE issues SET status = 'draft', updated_at = now() WHERE id = $1::bigint AND status = 'scheduled';

-- name: schedule-cancel
UPDATE send_schedules SET status = 'cancelled', updated_at = now()
WHERE issue_id = $1::bigint AND status IN ('scheduled', 'missed')
RETURNING id;

-- name: schedule-take-over
-- "Send now" on a scheduled issue: the schedule is used up here, so the poller cannot also start it.
UPDATE send_schedules SET status = 'started', updated_at = now()
WHERE issue_id = $1::bigint AND status IN ('scheduled', 'missed')
RETURNING id;

-- name: schedule-mark-missed
-- Due longer ago than the grace: every process was down at the time. The editor decides.
UPDATE send_schedules SET status = 'missed', updated_at = now(),
  error = 'due at ' || to_char(run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') || ' while nothing was running'
WHERE status = 'scheduled' AND run_at < $1::timestamptz - make_interval(mins => $2::integer)
RETURNING issue_id;

-- name: schedule-claim-due
-- Claims due schedules (and ones whose claimer died before starting the send): the UPDATE on the
-- current status is the claim, SKIP LOCKED lets concurrent pollers take different rows.
UPDATE send_schedules s SET status = 'starting', claimed_at = $1::timestamptz, updated_at = now()
FROM (SELECT id FROM send_schedules
      WHERE (status = 'scheduled' AND run_at <= $1::timestamptz)
         OR (status = 'starting' AND claimed_at < $1::timestamptz - interval '2 minutes')
      ORDER BY run_at LIMIT 20 FOR UPDATE SKIP LOCKED) due
WHERE s.id = due.id
RETURNING s.id, s.issue_id, s.local_date::text AS local_date, s.local_time, s.default_zone, s.idempotency_key, s.created_by;

-- name: schedule-finish
-- $2 started, or missed with the reason the send could not start.
UPDATE send_schedules SET status = $2::text, error = $3::text, updated_at = now()
WHERE id = $1::bigint AND status = 'starting';

-- name: schedule-editor
SELECT id, name FROM editors WHERE id = $1::bigint;

-- name: schedules-list
-- The console's list: what waits or needs the editor, then recent ones.
SELECT sc.issue_id, i.title, sc.status, sc.run_at, sc.local_date::text AS local_date, sc.local_time, sc.default_zone, sc.error
FROM send_schedules sc JOIN issues i ON i.id = sc.issue_id
WHERE sc.status IN ('scheduled', 'starting', 'missed') OR sc.updated_at > now() - interval '30 days'
ORDER BY (sc.status IN ('scheduled', 'starting', 'missed')) DESC, sc.run_at
LIMIT 200;

-- name: schedule-audience-zones
-- The zones of today's audience (a reader without one is in the default zone $1).
SELECT DISTINCT COALESCE(timezone, $1::text) AS zone FROM subscribers WHERE status = 'confirmed';

-- name: local-sends-open
SELECT id, local_date::text AS local_date, local_time FROM sends
WHERE local_date IS NOT NULL AND prepared AND status IN ('preparing', 'sending');

-- name: send-held-zones
-- Zones of a local-time send whose readers still wait: a skip scan over deliveries_held_zone (one
-- index probe per zone, however many readers wait), run by every scheduler pass.
WITH RECURSIVE z(zone) AS (
  (SELECT zone FROM deliveries WHERE send_id = $1::bigint AND not_before = 'infinity' AND status = 'pending'
   ORDER BY zone LIMIT 1)
  UNION ALL
  SELECT (SELECT d.zone FROM deliveries d
          WHERE d.send_id = $1::bigint AND d.not_before = 'infinity' AND d.status = 'pending' AND d.zone > z.zone
          ORDER BY d.zone LIMIT 1)
  FROM z WHERE z.zone IS NOT NULL
)
SELECT zone FROM z WHERE zone IS NOT NULL;

-- name: send-release-zone
-- The zone's hour has come: its rows become due now.
UPDATE deliveries SET not_before = NULL, updated_at = now()
WHERE send_id = $1::bigint AND zone = $2::text AND status = 'pending' AND not_before = 'infinity';

-- name: send-unhold-batches
-- Then, in a statement of its own (so it sees a batch a worker released meanwhile), the send's held
-- batches become claimable; a batch still claimed is the worker's to check (batch-unhold-if-due).
UPDATE send_batches SET not_before = NULL
WHERE send_id = $1::bigint AND status = 'pending' AND not_before = 'infinity';

-- name: send-zone-counts
SELECT zone, count(*)::integer AS total,
       count(*) FILTER (WHERE status = 'pending' AND not_before = 'infinity')::integer AS waiting,
       count(*) FILTER (WHERE status IN ('pending', 'sending'))::integer AS open,
       count(*) FILTER (WHERE status = 'sent')::integer AS sent
FROM deliveries WHERE send_id = $1::bigint AND zone IS NOT NULL
GROUP BY zone ORDER BY zone;

-- name: send-local-of
SELECT local_date::text AS local_date, local_time, default_zone FROM sends WHERE id = $1::bigint;
