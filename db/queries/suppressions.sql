-- name: suppression-add
-- Every suppression site goes through Suppressions.suppress (src/subscribers/suppressions.ts).
-- Nothing here ever lifts one. An address already on the list keeps its reason unless the new one
-- weighs more (complaint > hard_bounce, soft_bounce_limit > erased, manual): a late complaint about
-- an erased address must not leave a way back open, and a bounce restarts the cooling period.
INSERT INTO suppressions (email_hash, reason, source, detail)
SELECT h, $2::text, $3::text, $4::text FROM unnest($1::bytea[]) AS h
ON CONFLICT (email_hash) DO UPDATE
  SET reason = EXCLUDED.reason, source = EXCLUDED.source, detail = EXCLUDED.detail, created_at = now()
  WHERE (CASE EXCLUDED.reason WHEN 'complaint' THEN 3 WHEN 'hard_bounce' THEN 2 WHEN 'soft_bounce_limit' THEN 2 ELSE 1 END)
      > (CASE suppressions.reason WHEN 'complaint' THEN 3 WHEN 'hard_bounce' THEN 2 WHEN 'soft_bounce_limit' THEN 2 ELSE 1 END)
RETURNING id;

-- name: suppression-get
SELECT id, email_hash, reason, source, created_at FROM suppressions WHERE email_hash = $1::bytea;

-- name: suppression-get-for-update
SELECT id, email_hash, reason, source, created_at FROM suppressions WHERE email_hash = $1::bytea FOR UPDATE;

-- name: suppression-get-by-id-for-update
SELECT id, email_hash, reason, source, created_at FROM suppressions WHERE id = $1::bigint FOR UPDATE;

-- name: suppression-delete
DELETE FROM suppressions WHERE id = $1::bigint;

-- name: suppression-lift-record
INSERT INTO suppression_lifts (suppression_id, email_hash, reason, source, suppressed_at, lifted_by, editor_name, note)
VALUES ($1::bigint, $2::bytea, $3::text, $4::text, $5::timestamptz, $6::text, $7::text, $8::text);

-- name: suppression-list
-- Newest first, keyset by id ($4: the last id of the previous page, or NULL). Filters are optional.
SELECT id, email_hash, reason, source, detail, created_at FROM suppressions
WHERE ($1::text IS NULL OR reason = $1::text)
  AND ($2::bytea IS NULL OR email_hash = $2::bytea)
  AND ($4::bigint IS NULL OR id < $4::bigint)
ORDER BY id DESC
LIMIT $3::integer;

-- name: suppression-counts
SELECT reason, count(*)::int AS n FROM suppressions GROUP BY reason;

-- name: suppression-export-page
-- The CSV export reads the list in id order, a page at a time, so a large list is never one result.
SELECT id, email_hash, reason, source, created_at FROM suppressions
WHERE id > $1::bigint ORDER BY id LIMIT $2::integer;
