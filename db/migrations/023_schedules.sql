-- Scheduled sends and delivery at each reader's local time (issue 16, docs/delivery.md
-- "Scheduled sends").
--
-- 1. The schedule lives here, never only in Redis: a worker's poller claims a due row with a
--    conditional UPDATE (status scheduled → starting), so a flushed Redis, a restart, or two
--    processes racing neither lose nor double it. One live schedule per issue.
CREATE TABLE send_schedules (
  id              bigserial PRIMARY KEY,
  issue_id        bigint NOT NULL UNIQUE REFERENCES issues(id) ON DELETE CASCADE,
  -- scheduled: waiting; starting: claimed by a poller, the send being started; started: the send
  -- exists; cancelled: the editor took it back; missed: due while nothing ran, later than the grace.
  status          text NOT NULL DEFAULT 'scheduled'
                  CHECK (status IN ('scheduled', 'starting', 'started', 'cancelled', 'missed')),
  -- When the send starts: the given instant, or for a local-time delivery the earliest zone's.
  run_at          timestamptz NOT NULL,
  -- Local-time delivery: this wall-clock time on this date in each reader's zone; readers without
  -- a zone use default_zone (DEFAULT_TIMEZONE when the schedule was made).
  local_date      date,
  local_time      text CHECK (local_time ~ '^[0-2][0-9]:[0-5][0-9]$'),
  default_zone    text,
  idempotency_key text,
  created_by      bigint REFERENCES editors(id) ON DELETE SET NULL,
  claimed_at      timestamptz,
  error           text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((local_date IS NULL) = (local_time IS NULL) AND (local_date IS NULL) = (default_zone IS NULL))
);
CREATE INDEX send_schedules_due ON send_schedules (run_at) WHERE status IN ('scheduled', 'starting');

-- A scheduled issue is frozen like a sending one (its variants are rendered when it is scheduled);
-- cancelling the schedule makes it a draft again.
ALTER TABLE issues DROP CONSTRAINT issues_status_check;
ALTER TABLE issues ADD CONSTRAINT issues_status_check CHECK (status IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled'));

-- 2. Readers' time zones (IANA names, validated by the application with Intl); NULL: DEFAULT_TIMEZONE.
ALTER TABLE subscribers ADD COLUMN timezone text CHECK (timezone IS NULL OR length(timezone) BETWEEN 1 AND 64);

-- 3. A local-time send copies its schedule's date, time and default zone; its ledger rows carry the
--    reader's zone and wait (not_before = 'infinity') until the poller releases their zone. Both
--    new deliveries columns are nullable and NULL for every other send.
ALTER TABLE sends ADD COLUMN local_date date, ADD COLUMN local_time text, ADD COLUMN default_zone text;
ALTER TABLE deliveries ADD COLUMN zone text;
-- Only rows still waiting for their zone: a row leaves it when released, sent, skipped or cancelled,
-- so the scheduler's per-pass look for held zones (a skip scan) stays small on a large send.
CREATE INDEX deliveries_held_zone ON deliveries (send_id, zone) WHERE not_before = 'infinity' AND status = 'pending';

-- The zone a subscribe request brought (the form's browser field or the JSON API), applied by the
-- worker with the rest of the request.
ALTER TABLE subscription_requests ADD COLUMN timezone text;
