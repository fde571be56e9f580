-- Readers: subscribers, their topics, the consent ledger, confirmation tokens, the suppression list.

CREATE TABLE subscribers (
  id              bigserial PRIMARY KEY,
  -- NULL once erased: the row stays so deliveries and consent history keep their references.
  -- Stored as given (domain lower-cased); unique case-insensitively (subscribers_email_lower).
  email           text,
  name            text,
  status          text NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'erased')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  confirmed_at    timestamptz,
  unsubscribed_at timestamptz,
  CHECK (status = 'erased' OR email IS NOT NULL)
);
-- Most providers treat local parts case-insensitively, so Ann@x.org and ann@x.org are one reader.
-- Every lookup by address uses lower(email) so it can use this index; upserts name it in
-- ON CONFLICT ((lower(email))). NULLs (erased readers) never conflict.
CREATE UNIQUE INDEX subscribers_email_lower ON subscribers (lower(email));
-- The prepare worker walks confirmed subscribers by id.
CREATE INDEX subscribers_confirmed_id ON subscribers (id) WHERE status = 'confirmed';

CREATE TABLE subscriber_topics (
  subscriber_id bigint NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
  topic         text NOT NULL REFERENCES topics(slug) ON UPDATE CASCADE,
  PRIMARY KEY (subscriber_id, topic)
);

-- Append-only: rows are inserted, never updated (erasure blanks ip/user_agent only).
CREATE TABLE consent_events (
  id              bigserial PRIMARY KEY,
  subscriber_id   bigint NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('requested', 'confirmed', 'topics_changed', 'unsubscribed', 'resubscribed', 'erased')),
  source          text NOT NULL CHECK (source IN ('form', 'api', 'import', 'email', 'editor', 'webhook')),
  topics          text[],
  consent_version text,
  ip              inet,
  user_agent      text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_events_subscriber ON consent_events (subscriber_id, id);

-- Single-use confirmation tokens; only a SHA-256 of the token is stored.
CREATE TABLE confirmation_tokens (
  token_hash    bytea PRIMARY KEY,
  subscriber_id bigint NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz
);
CREATE INDEX confirmation_tokens_subscriber ON confirmation_tokens (subscriber_id);

-- Addresses never to be mailed again. Keyed by SHA-256 of the normalised address, so an erased
-- reader leaves no readable address behind and a later import still cannot re-activate them.
CREATE TABLE suppressions (
  email_hash bytea PRIMARY KEY,
  reason     text NOT NULL CHECK (reason IN ('hard_bounce', 'complaint', 'erased', 'manual')),
  detail     text,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Transactional mails (confirmation, "you are already subscribed") as rows: the request inserts
-- one and enqueues its id; the worker claims it by a conditional UPDATE, so a job delivered twice
-- by BullMQ sends once. The raw confirmation token is created by the worker and only its hash is
-- stored, so neither Redis nor this table ever holds a usable token.
CREATE TABLE transactional_messages (
  id            bigserial PRIMARY KEY,
  subscriber_id bigint NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('confirm', 'already_subscribed')),
  status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
  attempts      integer NOT NULL DEFAULT 0,
  error         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  sent_at       timestamptz,
  -- The sweeper re-enqueues a queued row whose job may be lost; each re-dispatch gets a new job id
  -- (tx-<id>-<dispatches>) because BullMQ ignores an add whose id it still remembers.
  dispatched_at timestamptz NOT NULL DEFAULT now(),
  dispatches    integer NOT NULL DEFAULT 0
);
CREATE INDEX transactional_messages_queued ON transactional_messages (dispatched_at) WHERE status = 'queued';
CREATE INDEX transactional_messages_subscriber ON transactional_messages (subscriber_id, id);
-- Editors list and filter by status, newest first.
CREATE INDEX subscribers_status_id ON subscribers (status, id);

-- A subscribe request as received: the HTTP request writes exactly this one row (and enqueues its
-- id) whatever state the address is in, so its answer and its timing say nothing about the reader.
-- The transactional worker does the branching (new, pending, confirmed, unsubscribed, suppressed)
-- and deletes the row in the same transaction: the address does not linger here.
CREATE TABLE subscription_requests (
  id              bigserial PRIMARY KEY,
  email           text NOT NULL,
  name            text,
  topics          text[] NOT NULL,
  source          text NOT NULL CHECK (source IN ('form', 'api')),
  consent_version text NOT NULL,
  ip              inet,
  user_agent      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  dispatched_at   timestamptz NOT NULL DEFAULT now(),
  dispatches      integer NOT NULL DEFAULT 0
);
CREATE INDEX subscription_requests_dispatched ON subscription_requests (dispatched_at);
