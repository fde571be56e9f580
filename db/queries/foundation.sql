-- name: setting-get
SELECT value FROM settings WHERE key = $1::text;

-- name: setting-insert-if-missing
-- ON CONFLICT DO NOTHING + re-read: two processes booting at once agree on one generated value.
INSERT INTO settings (key, value) VALUES ($1::text, $2::text) ON CONFLICT (key) DO NOTHING;

-- name: topics-list
SELECT slug, name, description FROM topics ORDER BY position, slug;

-- name: editor-upsert
INSERT INTO editors (name, email) VALUES ($1::text, $2::text)
ON CONFLICT (name) DO UPDATE SET email = COALESCE(EXCLUDED.email, editors.email)
RETURNING id, name, email;

-- name: api-key-insert
INSERT INTO api_keys (editor_id, key_hash, key_prefix, origin) VALUES ($1::bigint, $2::bytea, $3::text, $4::text)
ON CONFLICT (key_hash) DO NOTHING
RETURNING id, revoked_at;

-- name: api-key-find
SELECT id, revoked_at FROM api_keys WHERE key_hash = $1::bytea;

-- name: api-key-revoke-earlier-env
-- EDITOR_API_KEY now has another value: the keys earlier values created stop working, and the
-- console sessions signed in with them end (console-session-touch checks the key).
UPDATE api_keys SET revoked_at = now()
WHERE origin = 'env' AND id < $1::bigint AND revoked_at IS NULL
RETURNING id;

-- name: api-key-authenticate
-- Looked up by hash: the presented key is never compared byte by byte with a stored secret.
UPDATE api_keys k SET last_used_at = now()
FROM editors e
WHERE k.key_hash = $1::bytea AND k.revoked_at IS NULL AND e.id = k.editor_id
RETURNING k.id AS key_id, e.id AS editor_id, e.name, e.email;

-- name: api-key-list
SELECT k.id, k.key_prefix, k.origin, k.created_at, k.last_used_at, k.revoked_at, e.name AS editor
FROM api_keys k JOIN editors e ON e.id = k.editor_id ORDER BY k.id;

-- name: api-key-revoke
UPDATE api_keys SET revoked_at = now() WHERE id = $1::bigint AND revoked_at IS NULL RETURNING id;

-- name: mailbox-insert
INSERT INTO mailbox_messages (envelope_from, envelope_to, subject, size_bytes, raw)
VALUES ($1::text, $2::text[], $3::text, $4::integer, $5::bytea);

-- name: mailbox-list
SELECT id, received_at, envelope_from, envelope_to, subject, size_bytes
FROM mailbox_messages ORDER BY id DESC LIMIT $1::integer;

-- name: mailbox-get
SELECT id, received_at, envelope_from, envelope_to, subject, size_bytes, raw
FROM mailbox_messages WHERE id = $1::bigint;

-- name: mailbox-clear
DELETE FROM mailbox_messages;

-- name: setting-upsert
INSERT INTO settings (key, value) VALUES ($1::text, $2::text)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now();
