-- Readers: subscribers, their topics, the consent ledger, confirmation tokens, the suppression list.

CREATE TABLE subscribers (
  id              bigserial PRIMARY KEY,
  -- NULL once erased: the row stays so deliveries and consent history keep their references.
  email           text UNIQUE,
  name            text,
  status          text NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'erased')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  confirmed_at    timestamptz,
  unsubscribed_at timestamptz,
  CHECK (status = 'erased' OR email IS NOT NULL)
);
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
  sent_at       timestamptz
);
CREATE INDEX transactional_messages_subscriber ON transactional_messages (subscriber_id, id);
-- Editors list and filter by status, newest first.
CREATE INDEX subscribers_status_id ON subscribers (status, id);
