-- Delivery: one send per issue, its batches, the delivery ledger (one row per subscriber and send),
-- and the bounce events reported by the relay. Postgres is the source of truth; Redis only carries
-- ids of batches to work on.

CREATE TABLE sends (
  id                bigserial PRIMARY KEY,
  -- One send per issue: the unique key is what makes a repeated or concurrent start idempotent.
  issue_id          bigint NOT NULL UNIQUE REFERENCES issues(id) ON DELETE CASCADE,
  status            text NOT NULL DEFAULT 'preparing'
                    CHECK (status IN ('preparing', 'sending', 'completed', 'cancelled')),
  -- Pausing is orthogonal to the stage (a send can be paused while still preparing); the API
  -- reports status 'paused' while this is set.
  paused            boolean NOT NULL DEFAULT false,
  pause_reason      text,
  -- Unique: a key names one send, so reusing it for another issue is refused by the database,
  -- even when two calls race.
  idempotency_key   text UNIQUE,
  -- The snapshot bound: subscribers with a higher id joined after the send started and wait for
  -- the next issue.
  max_subscriber_id bigint NOT NULL,
  -- Keyset cursor of the prepare stage, so a prepare that died resumes where it stopped.
  prepare_cursor    bigint NOT NULL DEFAULT 0,
  prepared          boolean NOT NULL DEFAULT false,
  prepare_gen       integer NOT NULL DEFAULT 0,
  prepare_heartbeat timestamptz NOT NULL DEFAULT now(),
  total             integer NOT NULL DEFAULT 0,
  created_by        bigint REFERENCES editors(id) ON DELETE SET NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  prepared_at       timestamptz,
  completed_at      timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE send_batches (
  id            bigserial PRIMARY KEY,
  send_id       bigint NOT NULL REFERENCES sends(id) ON DELETE CASCADE,
  -- pending: waiting for a worker; claimed: a worker holds the lease; done: nothing left to do.
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'claimed', 'done')),
  size          integer NOT NULL,
  -- Bumped whenever the batch goes back to pending, so the next job gets a fresh deterministic
  -- id (BullMQ ignores an add whose id it still remembers as completed).
  gen           integer NOT NULL DEFAULT 0,
  claim_token   uuid,
  lease_until   timestamptz,
  claims        integer NOT NULL DEFAULT 0,
  -- Earliest time a retry in this batch is due.
  not_before    timestamptz,
  dispatched_at timestamptz NOT NULL DEFAULT now(),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX send_batches_open ON send_batches (send_id, id) WHERE status <> 'done';
CREATE INDEX send_batches_lease ON send_batches (lease_until) WHERE status = 'claimed';

-- The ledger. No foreign keys, on purpose: prepare writes it at tens of thousands of rows per
-- second, and per-row FK triggers cost about two thirds of that time (measured). Integrity comes
-- from the single statement that writes a batch row and its deliveries together (prepare-batch).
-- Nor is there one to subscribers: an erased reader keeps their row, and the ledger must keep its
-- counts whatever happens to reader rows.
CREATE TABLE deliveries (
  id            bigserial PRIMARY KEY,
  send_id       bigint NOT NULL,
  batch_id      bigint NOT NULL,
  subscriber_id bigint NOT NULL,
  -- Topic-set key (topicSetKey) of the variant: the snapshot's at prepare, the one actually sent
  -- after delivery (a reader may change topics mid-send).
  topics        text NOT NULL,
  status        text NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'skipped', 'failed', 'uncertain', 'cancelled')),
  attempts      smallint NOT NULL DEFAULT 0,
  not_before    timestamptz,
  claimed_at    timestamptz,
  sent_at       timestamptz,
  smtp_code     integer,
  error         text,
  resolution    text CHECK (resolution IN ('marked_sent', 'resent')),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (send_id, subscriber_id)
);
CREATE INDEX deliveries_batch ON deliveries (batch_id);
-- Progress counts and "is anything still open" read this index only.
CREATE INDEX deliveries_send_status ON deliveries (send_id, status);

-- Bounce and complaint reports from the relay (POST /webhooks/bounces).
CREATE TABLE bounce_events (
  id            bigserial PRIMARY KEY,
  email_hash    bytea NOT NULL,
  type          text NOT NULL CHECK (type IN ('hard', 'soft', 'complaint')),
  reason        text,
  send_id       bigint REFERENCES sends(id) ON DELETE SET NULL,
  subscriber_id bigint,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bounce_events_send ON bounce_events (send_id) WHERE send_id IS NOT NULL;
