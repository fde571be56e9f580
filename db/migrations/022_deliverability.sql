-- Deliverability loop (issue 15): bounces and complaints that arrive after the SMTP handoff — by
-- the built-in receiver (VERP-addressed DSN/ARF), by provider webhooks, or by our own JSON webhook
-- — all recorded through one service (src/deliverability/service.ts).

-- A delivery that a later report says bounced hard. Final, like 'sent' (it was handed over).
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
  CHECK (status IN ('pending', 'sending', 'sent', 'skipped', 'failed', 'uncertain', 'cancelled', 'bounced'));

-- A complaint unsubscribes the reader; the consent ledger says it was a spam report.
ALTER TABLE consent_events DROP CONSTRAINT consent_events_source_check;
ALTER TABLE consent_events ADD CONSTRAINT consent_events_source_check
  CHECK (source IN ('form', 'api', 'import', 'email', 'editor', 'webhook', 'complaint'));

-- bounce_events gains where a report came from and what it said, and a key that makes a replayed
-- report (the same DSN delivered twice, a provider's retry) record nothing the second time: one
-- row per (send, reader, kind) when the delivery is known, per provider event id otherwise.
-- Rows written before this migration keep NULLs (never conflicting).
ALTER TABLE bounce_events
  ADD COLUMN source      text,
  ADD COLUMN status      text,
  ADD COLUMN dedupe_key  bytea,
  ADD COLUMN occurred_at timestamptz;
CREATE UNIQUE INDEX bounce_events_dedupe ON bounce_events (dedupe_key);
-- Soft-bounce streaks, the subscriber history and the per-topic report read by reader.
CREATE INDEX bounce_events_subscriber ON bounce_events (subscriber_id, send_id) WHERE subscriber_id IS NOT NULL;

-- A send's complaint rate passed a third of COMPLAINT_PAUSE_PERCENT: shown in progress and the
-- console until the send ends (the pause itself uses sends.paused / pause_reason).
ALTER TABLE sends ADD COLUMN complaint_warning text;

-- Every message the built-in receiver accepted, classified. Reports that yield no event
-- (unclassified, malformed, auto-replies) keep their raw bytes so nothing is lost; events are in
-- bounce_events. Bounded by INBOUND_SMTP_MAX_BYTES per row.
CREATE TABLE inbound_reports (
  id               bigserial PRIMARY KEY,
  received_at      timestamptz NOT NULL DEFAULT now(),
  client_ip        inet,
  recipient        text NOT NULL,
  send_id          bigint,
  subscriber_id    bigint,
  transactional_id bigint,
  classification   text NOT NULL,
  detail           text,
  events           integer NOT NULL DEFAULT 0,
  raw              bytea
);
CREATE INDEX inbound_reports_received ON inbound_reports (received_at);
