-- Editor keys know where they came from, and console sessions know which key signed them in.

-- 'env' keys were created from EDITOR_API_KEY: a restart with another value revokes them. Before
-- this migration only EDITOR_API_KEY made keys that do not start with the generated 'td_' prefix,
-- so those are the env keys; their stored prefix (six characters of a chosen secret) is cleared.
ALTER TABLE api_keys ADD COLUMN origin text NOT NULL DEFAULT 'generated' CHECK (origin IN ('generated', 'env'));
UPDATE api_keys SET origin = 'env', key_prefix = '' WHERE key_prefix NOT LIKE 'td\_%';

-- A session ends the moment its key is revoked: the session lookup joins the key and wants it
-- unrevoked. Sessions opened before this migration do not know their key and are ended (the
-- editor signs in again).
DELETE FROM console_sessions;
ALTER TABLE console_sessions ADD COLUMN api_key_id bigint NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE;
CREATE INDEX console_sessions_api_key ON console_sessions (api_key_id);
