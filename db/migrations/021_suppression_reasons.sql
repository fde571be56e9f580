-- Suppressions get an id (the editor's API and console name a row by it), a source (who reported
-- it, from a small closed vocabulary: src/subscribers/suppressions.ts) and a fifth reason,
-- soft_bounce_limit (too many soft bounces in a row). A lifted suppression is deleted from this
-- table, so every hot NOT EXISTS check (prepare, deliver, subscribe, import) stays as it is; the
-- lift is kept in suppression_lifts (hash, reason, source, when it was suppressed and lifted, by
-- whom, the editor's note), and an editor's lift is in editor_actions as well.
ALTER TABLE suppressions ADD COLUMN id bigserial;
ALTER TABLE suppressions ADD CONSTRAINT suppressions_id_key UNIQUE (id);

-- Rows written by hand in SQL name no source; an operator at the database counts as the editor.
ALTER TABLE suppressions ADD COLUMN source text NOT NULL DEFAULT 'editor'
  CHECK (source IN ('smtp_reply', 'dsn', 'arf', 'provider_webhook', 'webhook', 'editor', 'reader', 'import'));
-- What the existing rows were: the delivery engine wrote 'send N' for an SMTP 5xx, erase wrote
-- 'subscriber N', the signed JSON webhook wrote the rest.
UPDATE suppressions SET source = CASE
  WHEN reason = 'erased' THEN 'editor'
  WHEN reason = 'hard_bounce' AND detail ~ '^send [0-9]+$' THEN 'smtp_reply'
  ELSE 'webhook' END;

ALTER TABLE suppressions DROP CONSTRAINT suppressions_reason_check;
ALTER TABLE suppressions ADD CONSTRAINT suppressions_reason_check
  CHECK (reason IN ('hard_bounce', 'complaint', 'erased', 'manual', 'soft_bounce_limit'));
-- The console counts by reason and lists newest first.
CREATE INDEX suppressions_reason_id ON suppressions (reason, id);

CREATE TABLE suppression_lifts (
  id             bigserial PRIMARY KEY,
  suppression_id bigint NOT NULL,
  email_hash     bytea NOT NULL,
  reason         text NOT NULL,
  source         text NOT NULL,
  suppressed_at  timestamptz NOT NULL,
  lifted_at      timestamptz NOT NULL DEFAULT now(),
  -- 'reader': the reader confirmed a new subscription; 'editor': DELETE /api/suppressions/:id.
  lifted_by      text NOT NULL CHECK (lifted_by IN ('reader', 'editor')),
  editor_name    text,
  note           text
);
CREATE INDEX suppression_lifts_hash ON suppression_lifts (email_hash);
