-- Aggregate click counts (issue 17, docs/privacy.md): one row per (issue, part, link, topic set),
-- two counters. Nothing here names a reader: no subscriber id, address, IP or user agent, and no
-- time of a click. Rows go with their issue.
CREATE TABLE click_counts (
  issue_id   bigint NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  -- 'item': part_index is the item's position in the document (0-based, across sections);
  -- 'highlight': part_index is its topic's position in topic order.
  part       text NOT NULL CHECK (part IN ('item', 'highlight')),
  part_index integer NOT NULL CHECK (part_index >= 0),
  -- The link's position among the part's distinct web links (src/rendering/click-links.ts).
  link_index integer NOT NULL CHECK (link_index >= 0),
  -- The clicking reader's topic set, e.g. 'ai,nev' (the variant the link was in).
  topics     text NOT NULL,
  -- Clicks by people, and by machines (HEAD requests, link scanners, bursts right after delivery).
  human      bigint NOT NULL DEFAULT 0 CHECK (human >= 0),
  machine    bigint NOT NULL DEFAULT 0 CHECK (machine >= 0),
  PRIMARY KEY (issue_id, part, part_index, link_index, topics)
);
