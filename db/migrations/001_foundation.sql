-- Foundation: topics, settings, editors and their API keys, the built-in local mailbox.

-- Topics are data, not code: adding one is an INSERT (slug, name, one-line description).
CREATE TABLE topics (
  slug        text PRIMARY KEY CHECK (slug ~ '^[a-z][a-z0-9-]{0,31}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  description text NOT NULL CHECK (length(description) <= 300),
  position    integer NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO topics (slug, name, description, position) VALUES
  ('telecom', 'Telecom & security', 'Radio and network equipment, spectrum, telecom fraud and cybersecurity rules.', 1),
  ('ai', 'Artificial intelligence', 'AI governance, standards, algorithm filings, computing power and court cases.', 2),
  ('nev', 'New energy vehicles', 'Electric vehicles, charging, batteries, autonomous and connected cars.', 3);

-- Process-wide settings that must survive restarts, e.g. the generated SECRET_KEY.
CREATE TABLE settings (
  key        text PRIMARY KEY,
  value      text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE editors (
  id         bigserial PRIMARY KEY,
  name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  email      text,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Only a SHA-256 of each key is stored: keys are 256-bit random strings, so a slow hash adds
-- nothing, and a lookup by hash never compares secrets byte by byte.
CREATE TABLE api_keys (
  id           bigserial PRIMARY KEY,
  editor_id    bigint NOT NULL REFERENCES editors(id) ON DELETE CASCADE,
  key_hash     bytea NOT NULL UNIQUE,
  key_prefix   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);

-- The built-in local mailbox (used when SMTP_URL is unset): every message the service sends over
-- SMTP to its own loopback server lands here, shown at /dev/mailbox.
CREATE TABLE mailbox_messages (
  id            bigserial PRIMARY KEY,
  received_at   timestamptz NOT NULL DEFAULT now(),
  envelope_from text NOT NULL,
  envelope_to   text[] NOT NULL,
  subject       text,
  size_bytes    integer NOT NULL,
  raw           bytea NOT NULL
);
CREATE INDEX mailbox_messages_received ON mailbox_messages (received_at DESC, id DESC);
