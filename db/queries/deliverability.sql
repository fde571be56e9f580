-- Deliverability (src/deliverability/service.ts, receiver.ts, report.ts): bounces and complaints
-- recorded against deliveries, soft-bounce streaks, the complaint-rate breaker.

-- name: dlv-delivery
-- The delivery a VERP token or our Message-ID names, with the address it went to.
SELECT d.send_id, d.subscriber_id, s.email, d.status
FROM deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id
WHERE d.send_id = $1::bigint AND d.subscriber_id = $2::bigint;

-- name: dlv-send-of-issue
SELECT id FROM sends WHERE issue_id = $1::bigint;

-- name: dlv-transactional
SELECT t.subscriber_id, s.email FROM transactional_messages t JOIN subscribers s ON s.id = t.subscriber_id
WHERE t.id = $1::bigint;

-- name: dlv-subscriber-by-email
SELECT id, email FROM subscribers WHERE lower(email) = lower($1::text);  -- subscribers_email_lower

-- name: dlv-event-insert
-- A replay (same dedupe key) inserts nothing and returns no row.
INSERT INTO bounce_events (email_hash, type, reason, send_id, subscriber_id, source, status, dedupe_key, occurred_at)
VALUES ($1::bytea, $2::text, $3::text, $4::bigint, $5::bigint, $6::text, $7::text, $8::bytea, $9::timestamptz)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id;

-- name: dlv-delivery-bounced
-- Only a delivery that was handed over can bounce later; a failed one stays failed. The caller
-- recounts the row's batch in the same transaction (batch-recount, migration 028).
UPDATE deliveries SET status = 'bounced', updated_at = now()
WHERE send_id = $1::bigint AND subscriber_id = $2::bigint AND status IN ('sent', 'uncertain')
RETURNING batch_id;

-- name: dlv-soft-streak
-- The reader's last $2 deliveries that were handed over, and how many of them soft-bounced.
-- Driven from sends (few rows) so each probe uses deliveries' UNIQUE (send_id, subscriber_id).
SELECT count(*)::int AS mailed, count(*) FILTER (WHERE soft)::int AS soft
FROM (
  SELECT EXISTS (SELECT 1 FROM bounce_events b
                 WHERE b.subscriber_id = d.subscriber_id AND b.send_id = d.send_id AND b.type = 'soft') AS soft
  FROM sends s JOIN deliveries d ON d.send_id = s.id AND d.subscriber_id = $1::bigint
  WHERE d.status IN ('sent', 'uncertain', 'bounced')
  ORDER BY s.id DESC LIMIT $2::int
) last;

-- name: dlv-complaint-rate
SELECT (SELECT count(*) FROM bounce_events WHERE send_id = $1::bigint AND type = 'complaint')::int AS complaints,
       -- tidings_send_counts also answers for a send past retention, from its roll-up
       (SELECT coalesce(sum(n), 0) FROM tidings_send_counts($1::bigint) WHERE status IN ('sent', 'bounced'))::int AS delivered;

-- name: dlv-send-warn
UPDATE sends SET complaint_warning = $2::text, updated_at = now()
WHERE id = $1::bigint AND complaint_warning IS NULL AND status IN ('preparing', 'sending')
RETURNING id;

-- name: dlv-inbound-insert
INSERT INTO inbound_reports (client_ip, recipient, send_id, subscriber_id, transactional_id, classification, detail, events, raw)
VALUES ($1::inet, $2::text, $3::bigint, $4::bigint, $5::bigint, $6::text, $7::text, $8::int, $9::bytea)
RETURNING id;

-- name: dlv-send-topic-counts
-- Bounces and complaints of one send per topic of the variant each reader was sent.
SELECT t.topic, b.type, count(*)::int AS n
FROM bounce_events b
JOIN deliveries d ON d.send_id = b.send_id AND d.subscriber_id = b.subscriber_id
CROSS JOIN LATERAL unnest(string_to_array(d.topics, ',')) AS t(topic)
WHERE b.send_id = $1::bigint
GROUP BY t.topic, b.type;

-- name: dlv-send-topic-delivered
-- The retained ledger plus the roll-ups of a dropped partition (one or the other holds the send).
SELECT topic, sum(n)::int AS n FROM (
  SELECT t.topic, count(*) AS n
  FROM deliveries d CROSS JOIN LATERAL unnest(string_to_array(d.topics, ',')) AS t(topic)
  WHERE d.send_id = $1::bigint AND d.status IN ('sent', 'bounced')
  GROUP BY t.topic
  UNION ALL
  SELECT t.topic, sum(r.n) AS n
  FROM delivery_rollups r CROSS JOIN LATERAL unnest(string_to_array(r.topics, ',')) AS t(topic)
  WHERE r.send_id = $1::bigint AND r.status IN ('sent', 'bounced')
  GROUP BY t.topic
) x GROUP BY topic;

-- name: dlv-topic-totals
-- Every send still in the ledger, per topic: delivered messages and their bounces and complaints
-- (the topic report; a send past DELIVERY_RETENTION_DAYS keeps its own report from the roll-ups).
SELECT t.topic,
       count(*) FILTER (WHERE d.status IN ('sent', 'bounced'))::int AS delivered,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM bounce_events b WHERE b.send_id = d.send_id AND b.subscriber_id = d.subscriber_id AND b.type = 'hard'))::int AS hard,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM bounce_events b WHERE b.send_id = d.send_id AND b.subscriber_id = d.subscriber_id AND b.type = 'soft'))::int AS soft,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM bounce_events b WHERE b.send_id = d.send_id AND b.subscriber_id = d.subscriber_id AND b.type = 'complaint'))::int AS complaint
FROM deliveries d CROSS JOIN LATERAL unnest(string_to_array(d.topics, ',')) AS t(topic)
GROUP BY t.topic ORDER BY t.topic;

-- name: dlv-send-warning
SELECT complaint_warning FROM sends WHERE id = $1::bigint;

-- name: dlv-send-reader-counts
-- Readers of one send per kind of event (a reader with two soft bounces for it counts once).
SELECT type, count(DISTINCT subscriber_id)::int AS n FROM bounce_events
WHERE send_id = $1::bigint AND subscriber_id IS NOT NULL GROUP BY type;
