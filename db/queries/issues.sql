-- Issues: editor documents, status transitions used by delivery, rendered variants, the archive.

-- name: issue-insert
INSERT INTO issues (slug, title, document, suggestions, created_by)
VALUES ($1::text, $2::text, $3::jsonb, $4::jsonb, $5::bigint)
RETURNING id, slug, status;

-- name: issue-count
SELECT count(*) AS n FROM issues;

-- name: issue-list
-- The editor's list: newest first, bounded; the document stays out (it can be large).
SELECT id, slug, title, status, created_at, updated_at, sent_at,
       (SELECT count(*) FROM jsonb_array_elements(document->'sections') s, jsonb_array_elements(s->'items')) AS item_count
FROM issues
WHERE $1::text IS NULL OR status = $1::text
ORDER BY id DESC
LIMIT $2::integer;

-- name: issue-get
SELECT id, slug, title, status, document, suggestions, created_at, updated_at, sent_at
FROM issues WHERE id = $1::bigint;

-- name: issue-update-draft
-- Only a draft changes: the status check lives in the UPDATE itself, so an edit racing a send start
-- either lands before it (and is rendered) or fails with 409.
UPDATE issues
SET slug = $2::text, title = $3::text, document = $4::jsonb, suggestions = $5::jsonb, updated_at = now()
WHERE id = $1::bigint AND status = 'draft'
RETURNING id, slug, status;

-- name: issue-mark-sending
UPDATE issues SET status = 'sending', updated_at = now()
WHERE id = $1::bigint AND status = 'draft'
RETURNING id, status;

-- name: issue-mark-sent
UPDATE issues SET status = 'sent', sent_at = now(), updated_at = now()
WHERE id = $1::bigint AND status = 'sending'
RETURNING id, status;

-- name: issue-status
SELECT status FROM issues WHERE id = $1::bigint;

-- name: issue-sent-by-slug
SELECT id, slug, title, document, sent_at FROM issues WHERE slug = $1::text AND status = 'sent';

-- name: issue-sent-list
SELECT id, slug, title, document, sent_at FROM issues
WHERE status = 'sent'
ORDER BY sent_at DESC, id DESC
LIMIT $1::integer;

-- name: variants-delete
DELETE FROM issue_variants WHERE issue_id = $1::bigint;

-- name: variants-hashes
SELECT topics, doc_hash FROM issue_variants WHERE issue_id = $1::bigint;

-- name: variant-upsert
INSERT INTO issue_variants (issue_id, topics, subject, html, text, item_count, html_bytes, doc_hash)
VALUES ($1::bigint, $2::text, $3::text, $4::text, $5::text, $6::integer, $7::integer, $8::text)
ON CONFLICT (issue_id, topics) DO UPDATE
SET subject = EXCLUDED.subject, html = EXCLUDED.html, text = EXCLUDED.text, item_count = EXCLUDED.item_count,
    html_bytes = EXCLUDED.html_bytes, doc_hash = EXCLUDED.doc_hash, rendered_at = now();

-- name: variants-load
SELECT topics, subject, html, text, item_count, html_bytes, doc_hash FROM issue_variants WHERE issue_id = $1::bigint;

-- name: variant-get
SELECT topics, subject, html, text, item_count, html_bytes, doc_hash FROM issue_variants
WHERE issue_id = $1::bigint AND topics = $2::text;

-- name: variants-summary
SELECT topics, subject, item_count, html_bytes, doc_hash, rendered_at, html = '' AS empty
FROM issue_variants WHERE issue_id = $1::bigint ORDER BY topics;
