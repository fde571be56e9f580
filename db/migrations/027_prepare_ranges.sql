-- 027: prepare split into subscriber-id ranges that several transactions walk at once (issue 20;
-- docs/delivery.md "Prepare"). One statement stream writes the ledger at about one core's speed
-- of Postgres; two streams over disjoint ranges wrote 1,000,000 rows in 5.3–5.7 s instead of
-- 8.5 s on the two-core host (docs/performance.md).
--
-- A send's span (prepare_cursor, max_subscriber_id] is cut once into ranges of equal id span, more
-- ranges than streams, so a stream that finishes a sparse range takes the next free one instead of
-- idling while another walks a dense one. A step locks its range row (SKIP LOCKED: a second
-- preparer of the same send helps instead of waiting), writes its readers' rows and advances the
-- range's cursor; the sends row only counts: `total`, and `prepare_ranges_left`, which the step
-- that finishes the last range takes to 0, setting `prepared` in the same UPDATE (row-locked, so
-- two steps finishing their ranges at once count down one after the other).
CREATE TABLE send_prepare_ranges (
  send_id bigint NOT NULL REFERENCES sends(id) ON DELETE CASCADE,
  part    integer NOT NULL,
  -- Readers with lo < id <= hi; `cursor` is the last id walked (lo before the first step).
  lo      bigint NOT NULL,
  hi      bigint NOT NULL,
  cursor  bigint NOT NULL,
  done    boolean NOT NULL DEFAULT false,
  PRIMARY KEY (send_id, part),
  CHECK (lo <= cursor AND cursor <= hi)
);

-- NULL until the send's span is cut into ranges (a send from before this migration that is still
-- preparing is cut from its prepare_cursor on, so it resumes where it stopped).
ALTER TABLE sends ADD COLUMN prepare_ranges_left integer;
