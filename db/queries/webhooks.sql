-- name: webhook-replay-purge
-- Signatures whose timestamp is out of the tolerance window are refused before they get here, so
-- their rows have done their job.
DELETE FROM webhook_replays WHERE expires_at < $1::timestamptz;

-- name: webhook-replay-claim
-- No row returned: this signature was already received (or is being received by a concurrent
-- transaction, which this one waited for).
INSERT INTO webhook_replays (endpoint, signature_hash, expires_at)
VALUES ($1::text, $2::bytea, $3::timestamptz)
ON CONFLICT DO NOTHING
RETURNING 1;
