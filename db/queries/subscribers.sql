-- Readers: subscribe, confirm, preferences, unsubscribe, editor management, privacy.

-- name: subscription-requests-insert
-- The only work of a subscribe request: the same statement whatever the address's state, for every
-- request of one group (src/db/grouped-writes.ts; $1 is a JSON array of requests). One notification
-- carries the group's ids, comma-separated, to the listening workers at commit
-- (src/subscribers/request-listener.ts); one that reaches nobody leaves the rows to the sweeper.
WITH r AS (
  INSERT INTO subscription_requests (email, name, topics, source, consent_version, ip, user_agent, timezone)
  SELECT email, name, topics, source, consent_version, ip, user_agent, timezone
  FROM jsonb_to_recordset($1::jsonb) AS x(email text, name text, topics text[], source text, consent_version text, ip inet, user_agent text, timezone text)
  RETURNING id
)
SELECT pg_notify('tidings_subscription_requests', string_agg(id::text, ',')) FROM r;

-- name: subscription-request-lock
-- Blocks (no SKIP LOCKED) so a duplicate job waits for the first and then finds the row gone.
SELECT id, email, name, topics, source, consent_version, host(ip) AS ip, user_agent, created_at, timezone
FROM subscription_requests WHERE id = $1::bigint
FOR UPDATE;

-- name: subscription-request-delete
DELETE FROM subscription_requests WHERE id = $1::bigint;

-- name: subscription-requests-by-email
-- Requests still waiting for the worker (normally none): part of the privacy export. The table is
-- small and short-lived, so no index on lower(email).
SELECT created_at, topics, source, consent_version, host(ip) AS ip, user_agent
FROM subscription_requests WHERE lower(email) = lower($1::text) ORDER BY id;

-- name: subscription-requests-erase
DELETE FROM subscription_requests WHERE lower(email) = lower($1::text);

-- name: subscription-requests-stale
-- Requests whose job may be lost (Redis flushed or down at request time). Marking them dispatched
-- in the same statement means a second sweeper, or the next sweep, does not pick them again soon.
UPDATE subscription_requests SET dispatched_at = now(), dispatches = dispatches + 1
WHERE id IN (SELECT id FROM subscription_requests
             WHERE dispatched_at < now() - make_interval(secs => $1::integer)
             ORDER BY id LIMIT $2::integer FOR UPDATE SKIP LOCKED)
RETURNING id, dispatches;

-- name: subscription-requests-after
-- The listener's polling fallback behind a transaction pooler (no LISTEN): requests newer than the
-- last one seen. Job ids (req-<id>-0) make the copies several workers enqueue one job.
SELECT id FROM subscription_requests WHERE id > $1::bigint ORDER BY id LIMIT 1000;

-- name: sweep-try-lock
-- One sweeper at a time across processes; released at the end of the sweep's transaction.
SELECT pg_try_advisory_xact_lock(hashtext('tidings.readers.sweep')) AS locked;

-- name: subscriber-insert-pending
-- Inserts a new pending reader unless the address is suppressed or already known (in any letter
-- case); the caller then locks the existing row. Suppression is checked in the same statement so no
-- race slips through; $4 is true for a reader who may come back (the suppression row was locked
-- by the caller, and the confirmation lifts it); $5 the reader's time zone (or NULL).
INSERT INTO subscribers (email, name, status, timezone)
SELECT $1::text, $2::text, 'pending', $5::text
WHERE $4::boolean OR NOT EXISTS (SELECT 1 FROM suppressions WHERE email_hash = $3::bytea)
ON CONFLICT ((lower(email))) DO NOTHING
RETURNING id;

-- name: subscriber-lock-by-email
SELECT s.id, s.status, EXISTS (SELECT 1 FROM suppressions WHERE email_hash = $2::bytea) AS suppressed
FROM subscribers s WHERE lower(s.email) = lower($1::text)
FOR UPDATE;

-- name: subscriber-lock-by-id
SELECT id, email, name, status, confirmed_at FROM subscribers WHERE id = $1::bigint FOR UPDATE;

-- name: suppression-exists
-- The hash comes from src/subscribers/email-hash.ts, never from SQL lower(): one normalisation only.
SELECT reason FROM suppressions WHERE email_hash = $1::bytea;

-- name: subscriber-get
SELECT s.id, s.email, s.name, s.status, s.created_at, s.updated_at, s.confirmed_at, s.unsubscribed_at, s.timezone,
       COALESCE((SELECT array_agg(t.topic ORDER BY t.topic) FROM subscriber_topics t WHERE t.subscriber_id = s.id), '{}') AS topics
FROM subscribers s WHERE s.id = $1::bigint;

-- name: subscriber-repend
-- A pending or unsubscribed reader asking again: back to pending. A confirmed one only when $3: a
-- suppressed reader coming back (they get no mail until they confirm and lift it anyway). $4: the
-- time zone the request brought (NULL keeps the reader's).
UPDATE subscribers SET status = 'pending', name = COALESCE($2::text, name), timezone = COALESCE($4::text, timezone), updated_at = now()
WHERE id = $1::bigint AND (status IN ('pending', 'unsubscribed') OR ($3::boolean AND status = 'confirmed'));

-- name: subscriber-set-timezone
-- The preferences page: a confirmed reader's zone ($2 NULL: the service's default).
UPDATE subscribers SET timezone = $2::text, updated_at = now()
WHERE id = $1::bigint AND status = 'confirmed' AND timezone IS DISTINCT FROM $2::text;

-- name: subscriber-topics-replace-delete
DELETE FROM subscriber_topics WHERE subscriber_id = $1::bigint AND NOT (topic = ANY($2::text[]));

-- name: subscriber-topics-add
INSERT INTO subscriber_topics (subscriber_id, topic)
SELECT $1::bigint, unnest($2::text[])
ON CONFLICT DO NOTHING;

-- name: subscriber-topic-remove
DELETE FROM subscriber_topics WHERE subscriber_id = $1::bigint AND topic = $2::text RETURNING topic;

-- name: subscriber-topics
SELECT topic FROM subscriber_topics WHERE subscriber_id = $1::bigint ORDER BY topic;

-- name: subscriber-set-confirmed
UPDATE subscribers SET status = 'confirmed', confirmed_at = COALESCE(confirmed_at, now()), unsubscribed_at = NULL, updated_at = now()
WHERE id = $1::bigint AND status IN ('pending', 'unsubscribed')
RETURNING id;

-- name: subscriber-set-unsubscribed
-- Effective at once: the delivery worker re-reads status when it claims a batch.
UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now(), updated_at = now()
WHERE id = $1::bigint AND status IN ('pending', 'confirmed')
RETURNING id;

-- name: subscribers-unsubscribe
-- Unsubscribes a group of readers in one statement (src/db/grouped-writes.ts: the one-click path
-- every email's List-Unsubscribe hits; $1 is a JSON array of {id, source, ip, user_agent}). For each
-- reader it changes (idempotent: an unsubscribed or erased reader is left alone) it records the
-- consent event with the topics the reader had, and emits `subscriber.unsubscribed` exactly as
-- webhook-event-emit does (src/webhooks/emit.ts), all in the statement's one transaction.
WITH asked AS (
  SELECT DISTINCT ON (id) id, source, ip, user_agent
  FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, source text, ip inet, user_agent text)
  ORDER BY id
), changed AS (
  UPDATE subscribers s SET status = 'unsubscribed', unsubscribed_at = now(), updated_at = now()
  FROM asked a WHERE s.id = a.id AND s.status IN ('pending', 'confirmed')
  RETURNING s.id, a.source, a.ip, a.user_agent,
    ARRAY(SELECT t.topic FROM subscriber_topics t WHERE t.subscriber_id = s.id ORDER BY t.topic) AS topics
), consent AS (
  INSERT INTO consent_events (subscriber_id, kind, source, topics, ip, user_agent)
  SELECT id, 'unsubscribed', source, topics, ip, user_agent FROM changed ORDER BY id
), ev AS (
  INSERT INTO webhook_events (type, payload, order_key)
  SELECT 'subscriber.unsubscribed', jsonb_build_object('subscriber_id', id, 'topics', to_jsonb(topics)), 'subscriber:' || id
  FROM changed
  WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE 'subscriber.unsubscribed' = ANY (events))
  ORDER BY id
  RETURNING id, order_key
), deliveries AS (
  INSERT INTO webhook_deliveries (endpoint_id, event_id, order_key)
  SELECT e.id, ev.id, ev.order_key FROM webhook_endpoints e, ev
  WHERE 'subscriber.unsubscribed' = ANY (e.events)
)
SELECT count(*)::int AS changed FROM changed;

-- name: subscriber-touch
UPDATE subscribers SET updated_at = now() WHERE id = $1::bigint;

-- name: consent-insert
INSERT INTO consent_events (subscriber_id, kind, source, topics, consent_version, ip, user_agent)
VALUES ($1::bigint, $2::text, $3::text, $4::text[], $5::text, $6::inet, $7::text);

-- name: consent-insert-at
-- A request processed later by the worker is recorded at the time the reader asked.
INSERT INTO consent_events (subscriber_id, kind, source, topics, consent_version, ip, user_agent, created_at)
VALUES ($1::bigint, $2::text, $3::text, $4::text[], $5::text, $6::inet, $7::text, $8::timestamptz);

-- name: consent-list
SELECT id, kind, source, topics, consent_version, host(ip) AS ip, user_agent, created_at
FROM consent_events WHERE subscriber_id = $1::bigint ORDER BY id;

-- name: transactional-insert
INSERT INTO transactional_messages (subscriber_id, kind) VALUES ($1::bigint, $2::text) RETURNING id;

-- name: transactional-insert-welcomes
-- The welcome emails an import asked for (?welcome=1): one statement per import chunk, in the chunk's
-- transaction, for the readers that chunk inserted.
INSERT INTO transactional_messages (subscriber_id, kind)
SELECT u.id, 'welcome' FROM unnest($1::bigint[]) AS u(id) ORDER BY u.id
RETURNING id;

-- name: transactional-claim
-- A job delivered twice (BullMQ retry after a stall, or a sweep's re-dispatch) finds the row no
-- longer queued and sends nothing.
UPDATE transactional_messages SET status = 'sending', attempts = attempts + 1
WHERE id = $1::bigint AND status = 'queued'
RETURNING id, subscriber_id, kind, attempts;

-- name: transactional-finish
-- Back to 'queued' after a transient failure: BullMQ's backoff retry is on its way, so the sweeper
-- waits a full age from now before dispatching it again.
UPDATE transactional_messages SET status = $2::text, error = $3::text,
       sent_at = CASE WHEN $2::text = 'sent' THEN now() ELSE sent_at END,
       dispatched_at = CASE WHEN $2::text = 'queued' THEN now() ELSE dispatched_at END
WHERE id = $1::bigint;

-- name: transactional-stale-queued
-- Rows whose job may have vanished from Redis (Redis is not the source of truth); marked
-- dispatched in the same statement, like subscription-requests-stale.
UPDATE transactional_messages SET dispatched_at = now(), dispatches = dispatches + 1
WHERE id IN (SELECT id FROM transactional_messages
             WHERE status = 'queued' AND dispatched_at < now() - make_interval(secs => $1::integer)
             ORDER BY id LIMIT $2::integer FOR UPDATE SKIP LOCKED)
RETURNING id, dispatches;

-- name: transactional-list
SELECT id, kind, status, attempts, created_at, sent_at FROM transactional_messages
WHERE subscriber_id = $1::bigint ORDER BY id;

-- name: confirmation-insert
INSERT INTO confirmation_tokens (token_hash, subscriber_id, expires_at)
VALUES ($1::bytea, $2::bigint, now() + make_interval(days => $3::integer));

-- name: confirmation-peek
SELECT subscriber_id FROM confirmation_tokens
WHERE token_hash = $1::bytea AND used_at IS NULL AND expires_at > now();

-- name: confirmation-use
UPDATE confirmation_tokens SET used_at = now()
WHERE token_hash = $1::bytea AND used_at IS NULL AND expires_at > now()
RETURNING subscriber_id;

-- name: confirmation-list
SELECT created_at, expires_at, used_at FROM confirmation_tokens WHERE subscriber_id = $1::bigint ORDER BY created_at;

-- name: subscribers-search
-- Keyset paging by id (newest first). $3 is an ILIKE pattern with wildcards escaped by the caller.
SELECT s.id, s.email, s.name, s.status, s.created_at, s.confirmed_at, s.unsubscribed_at,
       COALESCE((SELECT array_agg(t.topic ORDER BY t.topic) FROM subscriber_topics t WHERE t.subscriber_id = s.id), '{}') AS topics
FROM subscribers s
WHERE ($1::text IS NULL OR s.status = $1::text)
  AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM subscriber_topics t WHERE t.subscriber_id = s.id AND t.topic = $2::text))
  AND ($3::text IS NULL OR s.email ILIKE $3::text OR s.name ILIKE $3::text)
  AND ($4::bigint IS NULL OR s.id < $4::bigint)
ORDER BY s.id DESC
LIMIT $5::integer;

-- name: subscribers-export-page
-- Ascending keyset pages for the CSV export; erased rows hold nothing to export.
SELECT s.id, s.email, s.name, s.status, s.created_at, s.confirmed_at, s.timezone,
       COALESCE((SELECT array_agg(t.topic ORDER BY t.topic) FROM subscriber_topics t WHERE t.subscriber_id = s.id), '{}') AS topics
FROM subscribers s
WHERE s.status <> 'erased'
  AND ($1::text IS NULL OR s.status = $1::text)
  AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM subscriber_topics t WHERE t.subscriber_id = s.id AND t.topic = $2::text))
  AND ($3::text IS NULL OR s.email ILIKE $3::text OR s.name ILIKE $3::text)
  AND s.id > $4::bigint
ORDER BY s.id
LIMIT $5::integer;

-- name: import-existing
-- $1 holds lower-cased addresses; lower(email) uses subscribers_email_lower.
SELECT lower(email) AS key, status FROM subscribers WHERE lower(email) = ANY($1::text[]);

-- name: import-suppressed
SELECT email_hash FROM suppressions WHERE email_hash = ANY($1::bytea[]);

-- name: import-upsert
-- One statement per chunk. Suppression is re-checked here, and an unsubscribed or erased reader is
-- never re-activated by an import (the WHERE on DO UPDATE leaves them alone and returns nothing).
-- $4 the readers' time zones (NULL: none given, an existing reader keeps theirs).
INSERT INTO subscribers (email, name, status, confirmed_at, timezone)
SELECT u.email, u.name, 'confirmed', now(), u.timezone
FROM unnest($1::text[], $2::text[], $3::bytea[], $4::text[]) AS u(email, name, hash, timezone)
WHERE NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.email_hash = u.hash)
ON CONFLICT ((lower(email))) DO UPDATE
  SET name = COALESCE(EXCLUDED.name, subscribers.name), status = 'confirmed',
      timezone = COALESCE(EXCLUDED.timezone, subscribers.timezone),
      confirmed_at = COALESCE(subscribers.confirmed_at, now()), updated_at = now()
  WHERE subscribers.status IN ('pending', 'confirmed')
RETURNING id, lower(email) AS key, (xmax = 0) AS inserted;

-- name: import-topics-clear
DELETE FROM subscriber_topics WHERE subscriber_id = ANY($1::bigint[]);

-- name: import-topics-insert
INSERT INTO subscriber_topics (subscriber_id, topic)
SELECT * FROM unnest($1::bigint[], $2::text[])
ON CONFLICT DO NOTHING;

-- name: import-consent
INSERT INTO consent_events (subscriber_id, kind, source, topics)
SELECT u.id, u.kind, 'import', string_to_array(u.topics, ',')
FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, kind, topics);

-- name: subscriber-erase
UPDATE subscribers SET email = NULL, name = NULL, status = 'erased', updated_at = now()
WHERE id = $1::bigint;

-- name: subscriber-topics-clear
DELETE FROM subscriber_topics WHERE subscriber_id = $1::bigint;

-- name: consent-erase-personal
-- The ledger stays (what happened, when, under which consent text); who it was does not.
UPDATE consent_events SET ip = NULL, user_agent = NULL WHERE subscriber_id = $1::bigint;

-- name: confirmation-delete
DELETE FROM confirmation_tokens WHERE subscriber_id = $1::bigint;

-- name: subscriber-deliveries
-- Newsletter deliveries of one reader (the delivery capability's ledger), for the privacy export.
-- Driven from sends (one per issue, few rows) so each probe uses deliveries' UNIQUE (send_id,
-- subscriber_id) index: there is no index on subscriber_id alone, and adding one would slow the
-- delivery hot path for the sake of a rare export.
SELECT d.id, d.send_id, s.issue_id, i.slug AS issue_slug, i.title AS issue_title, d.topics, d.status,
       d.attempts, d.sent_at, d.smtp_code, d.updated_at
FROM sends s
JOIN deliveries d ON d.send_id = s.id AND d.subscriber_id = $1::bigint
JOIN issues i ON i.id = s.issue_id
ORDER BY d.id;

-- name: subscriber-bounces
SELECT id, type, reason, send_id, created_at FROM bounce_events WHERE subscriber_id = $1::bigint ORDER BY id;
