-- Signatures of signed inbound webhooks (issue 11): a request replayed with the same signature
-- while its timestamp is still inside the tolerance window is refused (409) and records nothing.
-- Only a hash of the signature is kept, and only until the signature could no longer pass the
-- timestamp check anyway (expires_at = its timestamp + the tolerance); claims delete expired rows.
CREATE TABLE webhook_replays (
  endpoint text NOT NULL,
  signature_hash bytea NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (endpoint, signature_hash)
);
CREATE INDEX webhook_replays_expires_at ON webhook_replays (expires_at);
