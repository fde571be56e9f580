-- Outgoing webhooks (issue 19). An event row and one delivery row per subscribed endpoint are
-- written in the same transaction as the change they describe (src/webhooks/emit.ts), so no event
-- is lost and none is sent for a change that rolled back. The worker delivers the oldest pending
-- delivery of each (endpoint, order_key) chain first, so one reader's events arrive in order.
CREATE TABLE webhook_endpoints (
  id bigserial PRIMARY KEY,
  url text NOT NULL,
  events text[] NOT NULL,
  -- The signing secret, encrypted with a key derived from SECRET_KEY (src/webhooks/secret-box.ts).
  secret_box text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Set at the first failure after a success; an endpoint failing for WEBHOOK_DISABLE_AFTER is disabled.
  failing_since timestamptz,
  disabled_at timestamptz,
  disabled_reason text
);

CREATE TABLE webhook_events (
  id bigserial PRIMARY KEY,
  type text NOT NULL,
  payload jsonb NOT NULL,
  -- 'subscriber:<id>' or 'send:<id>': events with the same key reach an endpoint in order.
  order_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
  id bigserial PRIMARY KEY,
  endpoint_id bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id bigint NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
  order_key text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- A claimed delivery is leased; a worker killed mid-request leaves it to be claimed again.
  leased_until timestamptz,
  last_attempt_at timestamptz,
  last_status integer,
  last_error text,
  delivered_at timestamptz,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, order_key, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id DESC);

-- The welcome email (issue 19) is a transactional mail like the confirmation, queued in the same
-- transaction that confirms the reader. Its subject and Markdown live in settings (welcome_subject,
-- welcome_markdown), defaults in src/subscribers/welcome.ts.
ALTER TABLE transactional_messages DROP CONSTRAINT transactional_messages_kind_check;
ALTER TABLE transactional_messages ADD CONSTRAINT transactional_messages_kind_check
  CHECK (kind IN ('confirm', 'already_subscribed', 'welcome'));
