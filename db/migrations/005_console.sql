-- Console: server-side editor sessions and the audit log of editor actions.

-- A session is a random 256-bit id held in an HttpOnly cookie; only its SHA-256 is stored, so a
-- leaked database backup holds no usable session. The CSRF token is a second random value bound to
-- the row (synchronizer token): a form is accepted only with the token of the session that posts it.
CREATE TABLE console_sessions (
  id_hash      bytea PRIMARY KEY,
  editor_id    bigint NOT NULL REFERENCES editors(id) ON DELETE CASCADE,
  csrf_token   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  -- Absolute expiry, fixed at sign-in; the idle expiry is computed from last_seen_at.
  expires_at   timestamptz NOT NULL
);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);

-- Who did what to a send (start, pause, resume, cancel, resolve) or an issue. The editor's name is
-- copied in, so the log still reads right after an editor is renamed or removed.
CREATE TABLE editor_actions (
  id          bigserial PRIMARY KEY,
  editor_id   bigint REFERENCES editors(id) ON DELETE SET NULL,
  editor_name text NOT NULL,
  action      text NOT NULL CHECK (action ~ '^[a-z][a-z_.]{0,63}$'),
  issue_id    bigint REFERENCES issues(id) ON DELETE CASCADE,
  detail      text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX editor_actions_issue ON editor_actions (issue_id, id) WHERE issue_id IS NOT NULL;
