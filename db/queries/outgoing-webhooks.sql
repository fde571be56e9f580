-- name: webhook-endpoint-insert
INSERT INTO webhook_endpoints (url, events, secret_box, created_by)
VALUES ($1::text, $2::text[], $3::text, $4::text)
RETURNING id, url, events, created_at, failing_since, disabled_at, disabled_reason;

-- name: webhook-endpoint-count
SELECT count(*)::int AS n FROM webhook_endpoints;

-- name: webhook-endpoint-list
SELECT e.id, e.url, e.events, e.created_at, e.failing_since, e.disabled_at, e.disabled_reason,
       (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending')::int AS pending,
       (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'delivered')::int AS delivered
FROM webhook_endpoints e
ORDER BY e.id;

-- name: webhook-endpoint-get
SELECT id, url, events, created_at, failing_since, disabled_at, disabled_reason,
       (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = $1::bigint AND d.status = 'pending')::int AS pending,
       (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = $1::bigint AND d.status = 'delivered')::int AS delivered
FROM webhook_endpoints WHERE id = $1::bigint;

-- name: webhook-endpoint-delete-deliveries
-- Before webhook-endpoint-delete, in its transaction: rows in the order the deliverer locks them
-- (a delivery, then its endpoint; src/webhooks/endpoints.ts).
DELETE FROM webhook_deliveries WHERE endpoint_id = $1::bigint;

-- name: webhook-endpoint-delete
DELETE FROM webhook_endpoints WHERE id = $1::bigint RETURNING id;

-- name: webhook-endpoint-enable
UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL, failing_since = NULL
WHERE id = $1::bigint RETURNING id;

-- name: webhook-endpoint-failures
-- The endpoint's recent attempts that did not succeed (pending deliveries with an error).
SELECT d.id, ev.id AS event_id, ev.type, d.attempts, d.last_status, d.last_error, d.last_attempt_at, d.next_attempt_at
FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
WHERE d.endpoint_id = $1::bigint AND d.status = 'pending' AND d.attempts > 0
ORDER BY d.id DESC
LIMIT $2::int;

-- name: webhook-event-emit
-- The event and its deliveries, one statement inside the caller's transaction; no row at all when
-- no endpoint subscribes to the type (most installations, most events).
WITH ev AS (
  INSERT INTO webhook_events (type, payload, order_key)
  SELECT $1::text, $2::jsonb, $3::text
  WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE $1::text = ANY (events))
  RETURNING id, order_key
)
INSERT INTO webhook_deliveries (endpoint_id, event_id, order_key)
SELECT e.id, ev.id, ev.order_key FROM webhook_endpoints e, ev
WHERE $1::text = ANY (e.events);

-- name: webhook-deliveries-claim
-- The head of every (endpoint, order_key) chain that is due and not leased, locked so two workers
-- never claim the same row; a later event of a chain waits for its head.
WITH heads AS (
  SELECT DISTINCT ON (d.endpoint_id, d.order_key) d.id, d.next_attempt_at, d.leased_until
  FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
  WHERE d.status = 'pending' AND e.disabled_at IS NULL
  ORDER BY d.endpoint_id, d.order_key, d.id
), due AS (
  SELECT d.id FROM webhook_deliveries d JOIN heads h ON h.id = d.id
  WHERE h.next_attempt_at <= now() AND (h.leased_until IS NULL OR h.leased_until < now())
  ORDER BY d.id
  LIMIT $1::int
  FOR UPDATE OF d SKIP LOCKED
)
UPDATE webhook_deliveries d
SET leased_until = now() + make_interval(secs => $2::int), attempts = d.attempts + 1, last_attempt_at = now()
FROM due, webhook_events ev, webhook_endpoints e
WHERE d.id = due.id AND ev.id = d.event_id AND e.id = d.endpoint_id
  AND d.status = 'pending' AND (d.leased_until IS NULL OR d.leased_until < now())
RETURNING d.id, d.attempts, d.endpoint_id, e.url, e.secret_box, ev.id AS event_id, ev.type, ev.payload, ev.created_at;

-- name: webhook-delivery-succeeded
WITH d AS (
  UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), leased_until = NULL,
         last_status = $2::int, last_error = NULL
  WHERE id = $1::bigint RETURNING endpoint_id
)
UPDATE webhook_endpoints SET failing_since = NULL FROM d WHERE webhook_endpoints.id = d.endpoint_id;

-- name: webhook-delivery-failed
-- Retried after $4 seconds; an endpoint failing for longer than $5 seconds is disabled.
WITH d AS (
  UPDATE webhook_deliveries SET leased_until = NULL, last_status = $2::int, last_error = $3::text,
         next_attempt_at = now() + make_interval(secs => $4::double precision)
  WHERE id = $1::bigint RETURNING endpoint_id
)
UPDATE webhook_endpoints e
SET failing_since = coalesce(e.failing_since, now()),
    disabled_at = CASE WHEN e.failing_since < now() - make_interval(secs => $5::double precision) THEN now() ELSE e.disabled_at END,
    disabled_reason = CASE WHEN e.failing_since < now() - make_interval(secs => $5::double precision)
      THEN 'Every delivery failed since ' || to_char(e.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC; last error: ' || $3::text
      ELSE e.disabled_reason END
FROM d WHERE e.id = d.endpoint_id
RETURNING e.id, e.disabled_at;
