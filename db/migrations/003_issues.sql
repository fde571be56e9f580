-- Issues: the editor's structured document, and the rendered variants (one per topic set).

CREATE TABLE issues (
  id          bigserial PRIMARY KEY,
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
  title       text NOT NULL,
  status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sending', 'sent')),
  -- The validated issue document (contract: "Issue document").
  document    jsonb NOT NULL,
  -- Importer suggestions per item, kept beside the document until the editor confirms them.
  suggestions jsonb,
  created_by  bigint REFERENCES editors(id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  sent_at     timestamptz
);

-- One rendered body per (issue, topic set), stored so that delivery workers never load MJML.
-- `topics` is the sorted, comma-joined topic set, e.g. 'ai,nev'.
CREATE TABLE issue_variants (
  issue_id    bigint NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  topics      text NOT NULL,
  subject     text NOT NULL,
  html        text NOT NULL,
  text        text NOT NULL,
  item_count  integer NOT NULL,
  html_bytes  integer NOT NULL,
  doc_hash    text NOT NULL,
  rendered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issue_id, topics)
);
