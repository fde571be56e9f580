-- 025: the delivery ledger partitioned by send, and the roll-ups that outlive a dropped partition
-- (docs/scaling.md, "A ledger that stays small").
--
-- Why by send and not by month: every hot query names one send (prepare, claim by batch, counts),
-- so a send's rows live in one partition the planner picks at once; retention drops exactly one
-- send's ledger after rolling it up, never half a send that straddles a month boundary; and a send
-- is the unit an editor asks about. One partition per send is ~50 a year for a weekly letter.
--
-- Assumption (named, for migrations written beside this one): the new parent is built
-- `LIKE deliveries INCLUDING DEFAULTS INCLUDING CONSTRAINTS`, so every column, default, NOT NULL and
-- CHECK that earlier migrations gave deliveries is kept, in order; every index is recreated from
-- its definition, and a unique one must include send_id (Postgres requires the partition key in
-- each unique index; the primary key becomes (id, send_id) for that reason). A migration after
-- this one that adds a column to deliveries adds it to the parent, which passes it to every
-- partition.

ALTER TABLE deliveries RENAME TO deliveries_unpartitioned;
CREATE TABLE deliveries (LIKE deliveries_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY LIST (send_id);
-- The id sequence now belongs to the new table (dropping the old one would drop it otherwise).
ALTER SEQUENCE deliveries_id_seq OWNED BY deliveries.id;

-- A send's partition: created standalone and then attached, which takes SHARE UPDATE EXCLUSIVE on
-- deliveries (CREATE TABLE … PARTITION OF would take ACCESS EXCLUSIVE and wait for every running
-- delivery statement). Idempotent.
CREATE FUNCTION tidings_delivery_partition(p_send bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  part text := 'deliveries_s' || p_send;
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE deliveries INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
  EXECUTE format('ALTER TABLE deliveries ATTACH PARTITION %I FOR VALUES IN (%s)', part, p_send);
END $$;

-- Retention drops a rolled-up send's partition; false when there was none.
CREATE FUNCTION tidings_drop_delivery_partition(p_send bigint) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  part text := 'deliveries_s' || p_send;
BEGIN
  IF to_regclass(part) IS NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('DROP TABLE %I', part);
  RETURN true;
END $$;

-- Every send gets its partition as it is created, however it is created.
CREATE FUNCTION tidings_send_partition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM tidings_delivery_partition(NEW.id);
  RETURN NULL;
END $$;
CREATE TRIGGER sends_delivery_partition AFTER INSERT ON sends
  FOR EACH ROW EXECUTE FUNCTION tidings_send_partition();

SELECT tidings_delivery_partition(id) FROM sends;
SELECT tidings_delivery_partition(send_id) FROM (SELECT DISTINCT send_id FROM deliveries_unpartitioned) s;
INSERT INTO deliveries SELECT * FROM deliveries_unpartitioned;

-- Indexes: the primary key and the unique snapshot key with the partition key in them, then any
-- other index the old table had, from its own definition.
CREATE TEMP TABLE tidings_025_indexes ON COMMIT DROP AS
  SELECT indexname, indexdef FROM pg_indexes
  WHERE schemaname = current_schema() AND tablename = 'deliveries_unpartitioned'
    AND indexname NOT IN (SELECT conname FROM pg_constraint
                          WHERE conrelid = 'deliveries_unpartitioned'::regclass AND contype IN ('p', 'u'));
DROP TABLE deliveries_unpartitioned;
ALTER TABLE deliveries ADD PRIMARY KEY (id, send_id);
ALTER TABLE deliveries ADD UNIQUE (send_id, subscriber_id);
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT indexname, indexdef FROM tidings_025_indexes LOOP
    EXECUTE replace(replace(r.indexdef, ' ON ' || current_schema() || '.deliveries_unpartitioned ', ' ON deliveries '),
                    ' ON deliveries_unpartitioned ', ' ON deliveries ');
  END LOOP;
END $$;

-- What stays of a send once its partition is dropped: counts per variant (topic-set key) and
-- status, from which the per-topic counts follow, and its failure reasons.
CREATE TABLE delivery_rollups (
  send_id bigint NOT NULL REFERENCES sends(id) ON DELETE CASCADE,
  topics  text NOT NULL,
  status  text NOT NULL,
  n       bigint NOT NULL,
  PRIMARY KEY (send_id, topics, status)
);
CREATE TABLE delivery_failure_rollups (
  send_id   bigint NOT NULL REFERENCES sends(id) ON DELETE CASCADE,
  status    text NOT NULL,
  smtp_code integer,
  error     text,
  n         bigint NOT NULL
);
CREATE INDEX delivery_failure_rollups_send ON delivery_failure_rollups (send_id);
-- And per reader: how many newsletters the dropped ledgers held for them.
CREATE TABLE subscriber_delivery_rollups (
  subscriber_id bigint PRIMARY KEY,
  deliveries    bigint NOT NULL,
  sent          bigint NOT NULL,
  last_sent_at  timestamptz
);
ALTER TABLE sends ADD COLUMN ledger_rolled_up_at timestamptz;
