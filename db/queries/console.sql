-- name: console-session-insert
INSERT INTO console_sessions (id_hash, editor_id, api_key_id, csrf_token, expires_at)
VALUES ($1::bytea, $2::bigint, $3::bigint, $4::text, now() + make_interval(secs => $5::integer));

-- name: console-session-touch
-- One statement checks both expiries and slides the idle window, so a request never sees a session
-- that expired between a read and an update. Throttled: last_seen_at is rewritten at most once a
-- minute, so a page polling every second does not write a row every second. The key that signed
-- the session in must still be valid: revoking it ends the session at the next request.
UPDATE console_sessions s
SET last_seen_at = CASE WHEN s.last_seen_at < now() - interval '1 minute' THEN now() ELSE s.last_seen_at END
FROM editors e, api_keys k
WHERE s.id_hash = $1::bytea
  AND e.id = s.editor_id
  AND k.id = s.api_key_id AND k.revoked_at IS NULL
  AND s.expires_at > now()
  AND s.last_seen_at > now() - make_interval(secs => $2::integer)
RETURNING e.id AS editor_id, e.name, e.email, s.csrf_token, s.expires_at;

-- name: console-session-delete
DELETE FROM console_sessions WHERE id_hash = $1::bytea;

-- name: console-session-purge
-- Expired rows, and rows of revoked keys, are useless; deleted at each sign-in so the table stays
-- small without a cron job.
DELETE FROM console_sessions s
WHERE s.expires_at <= now() OR s.last_seen_at <= now() - make_interval(secs => $1::integer)
   OR EXISTS (SELECT 1 FROM api_keys k WHERE k.id = s.api_key_id AND k.revoked_at IS NOT NULL);

-- name: editor-action-insert
INSERT INTO editor_actions (editor_id, editor_name, action, issue_id, detail)
VALUES ($1::bigint, $2::text, $3::text, $4::bigint, $5::text);

-- name: editor-action-list-issue
-- $3 is an action prefix ('' for all); starts_with keeps '_' and '%' literal, unlike LIKE.
SELECT id, editor_name, action, detail, created_at
FROM editor_actions WHERE issue_id = $1::bigint AND starts_with(action, $3::text)
ORDER BY id DESC LIMIT $2::integer;

-- name: console-audience
-- How many readers each topic set reaches if the issue were sent now: the same eligibility as the
-- prepare stage (confirmed, not suppressed, at least one topic), grouped by topic-set key.
SELECT t.topics, count(*)::integer AS readers
FROM (
  SELECT (SELECT string_agg(st.topic, ',' ORDER BY st.topic) FROM subscriber_topics st WHERE st.subscriber_id = s.id) AS topics
  FROM subscribers s
  WHERE s.status = 'confirmed' AND s.email IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = s.email_hash)
) t
WHERE t.topics IS NOT NULL
GROUP BY t.topics ORDER BY t.topics;

-- name: console-send-summaries
-- The issues list shows each send's state and counts: tidings_send_counts (migration 028), which
-- also answers for a send past retention from its roll-up.
SELECT s.issue_id, s.status, s.paused, s.total,
       COALESCE(sum(d.n) FILTER (WHERE d.status = 'sent'), 0)::integer AS sent,
       COALESCE(sum(d.n) FILTER (WHERE d.status = 'failed'), 0)::integer AS failed,
       COALESCE(sum(d.n) FILTER (WHERE d.status = 'skipped'), 0)::integer AS skipped,
       COALESCE(sum(d.n) FILTER (WHERE d.status = 'uncertain'), 0)::integer AS uncertain
FROM sends s LEFT JOIN LATERAL tidings_send_counts(s.id) d ON true
WHERE s.issue_id = ANY($1::bigint[])
GROUP BY s.id;

-- name: console-subscriber-rollup
-- What the ledgers dropped by retention held for one reader (migration 025); no row = nothing dropped.
SELECT deliveries, sent, last_sent_at FROM subscriber_delivery_rollups WHERE subscriber_id = $1::bigint;

-- name: console-subscriber-deliveries
SELECT d.id, i.id AS issue_id, i.title, d.topics, d.status, d.attempts, d.smtp_code, d.error, d.sent_at, d.updated_at
FROM deliveries d JOIN sends s ON s.id = d.send_id JOIN issues i ON i.id = s.issue_id
WHERE d.subscriber_id = $1::bigint
ORDER BY d.id DESC LIMIT $2::integer;
