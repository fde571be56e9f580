-- The address hash that suppressions are keyed by, stored with the address. Prepare checked every
-- reader against the suppression list by hashing the address in SQL, once per reader per step and
-- again per delivery chunk (≈ 2.4 µs a row, an eighth of a prepare step); now it compares stored
-- values. A trigger keeps it right on every path that writes an address (subscribe, import,
-- erase, COPY), with the same expression as src/subscribers/email-hash.ts.
ALTER TABLE subscribers ADD COLUMN email_hash bytea;

CREATE FUNCTION subscribers_set_email_hash() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.email_hash := CASE WHEN NEW.email IS NULL THEN NULL
                         ELSE sha256(convert_to(lower(btrim(NEW.email)), 'UTF8')) END;
  RETURN NEW;
END
$$;

CREATE TRIGGER subscribers_email_hash BEFORE INSERT OR UPDATE OF email ON subscribers
FOR EACH ROW EXECUTE FUNCTION subscribers_set_email_hash();

UPDATE subscribers SET email_hash = sha256(convert_to(lower(btrim(email)), 'UTF8')) WHERE email IS NOT NULL;
