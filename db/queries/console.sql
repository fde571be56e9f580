-- name: console-session-insert
INSERT INTO console_sessions (id_hash, editor_id, csrf_token, expires_at)
VALUES ($1::bytea, $2::bigint, $3::text, now() + make_interval(secs => $4::integer));

-- name: console-session-touch
-- One statement checks both expiries and slides the idle window, so a request never sees a session
-- that expired between a read and an update. Throttled: last_seen_at is rewritten at most once a
-- minute, so a page polling every second does not write a row every second.
UPDATE console_sessions s
SET last_seen_at = CASE WHEN s.last_seen_at < now() - interval '1 minute' THEN now() ELSE s.last_seen_at END
FROM editors e
WHERE s.id_hash = $1::bytea
  AND e.id = s.editor_id
  AND s.expires_at > now()
  AND s.last_seen_at > now() - make_interval(secs => $2::integer)
RETURNING e.id AS editor_id, e.name, e.email, s.csrf_token, s.expires_at;

-- name: console-session-delete
DELETE FROM console_sessions WHERE id_hash = $1::bytea;

-- name: console-session-purge
-- Expired rows are useless; deleted at each sign-in so the table stays small without a cron job.
DELETE FROM console_sessions
WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => $1::integer);

-- name: editor-action-insert
INSERT INTO editor_actions (editor_id, editor_name, action, issue_id, detail)
VALUES ($1::bigint, $2::text, $3::text, $4::bigint, $5::text);

-- name: editor-action-list-issue
SELECT id, editor_name, action, detail, created_at
FROM editor_actions WHERE issue_id = $1::bigint ORDER BY id DESC LIMIT $2::integer;
