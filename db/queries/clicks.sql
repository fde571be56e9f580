-- name: click-counts-add
-- One flush of a process's gathered counts. Counts for an issue deleted meanwhile are dropped.
INSERT INTO click_counts (issue_id, part, part_index, link_index, topics, human, machine)
SELECT u.issue_id, u.part, u.part_index, u.link_index, u.topics, u.human, u.machine
FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[], $5::text[], $6::bigint[], $7::bigint[])
  AS u(issue_id, part, part_index, link_index, topics, human, machine)
WHERE EXISTS (SELECT 1 FROM issues i WHERE i.id = u.issue_id)
ON CONFLICT (issue_id, part, part_index, link_index, topics)
DO UPDATE SET human = click_counts.human + EXCLUDED.human, machine = click_counts.machine + EXCLUDED.machine;

-- name: click-counts-issue
SELECT part, part_index, link_index, topics, human::int AS human, machine::int AS machine
FROM click_counts WHERE issue_id = $1::bigint;

-- name: click-issue
-- What the redirect needs: where the token's link leads, and whether the issue went out.
SELECT id, status, document FROM issues WHERE id = $1::bigint;

-- name: click-recent-issues
-- The last N issues that went out, newest first, with their documents and counts (per-topic view).
SELECT i.id, i.slug, i.title, i.sent_at, i.document,
  coalesce((SELECT json_agg(json_build_object('part', c.part, 'part_index', c.part_index, 'topics', c.topics, 'human', c.human))
            FROM click_counts c WHERE c.issue_id = i.id), '[]'::json) AS counts
FROM issues i WHERE i.status IN ('sending', 'sent')
ORDER BY coalesce(i.sent_at, i.updated_at) DESC, i.id DESC
LIMIT $1::int;
