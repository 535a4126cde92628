-- 通办清单批次: a batch is drafted, submitted, sent back or published with
-- the day it comes into force; its entries add, change or remove items.
-- The list in force on a day is computed from the published batches (the
-- domain's `list_batch::in_force`); `list_entries` is no longer written.
ALTER TABLE batches ADD COLUMN state TEXT NOT NULL DEFAULT 'published'
    CHECK (state IN ('draft', 'submitted', 'returned', 'published'));
ALTER TABLE batches ADD COLUMN effective TEXT;
ALTER TABLE batches ADD COLUMN drafted_by BIGINT REFERENCES users (id);
ALTER TABLE batches ADD COLUMN reviewed_by BIGINT REFERENCES users (id);
ALTER TABLE batches ADD COLUMN returned_reason TEXT;
ALTER TABLE batches ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE batches SET effective = published;

CREATE TABLE batch_entries (
    batch      BIGINT NOT NULL REFERENCES batches (no),
    item_code  TEXT NOT NULL REFERENCES items (code),
    removed    BOOLEAN NOT NULL,
    modes      TEXT NOT NULL,
    levels     TEXT NOT NULL,
    halls      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (batch, item_code)
);
INSERT INTO batch_entries (batch, item_code, removed, modes, levels, halls)
SELECT batch, item_code, FALSE, modes, levels, '' FROM list_entries;

-- The published batches in the order they apply (the in-force load).
CREATE INDEX batches_in_force ON batches (state, effective, no);

-- A published batch is immutable: its entries can be neither added,
-- changed nor removed, and the batch row itself no longer changes.
CREATE FUNCTION batch_entries_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT state FROM batches WHERE no = (CASE WHEN TG_OP = 'INSERT' THEN NEW.batch ELSE OLD.batch END)) = 'published' THEN
        RAISE EXCEPTION 'published batch entries are immutable';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER batch_entries_published BEFORE INSERT OR UPDATE OR DELETE ON batch_entries
FOR EACH ROW EXECUTE FUNCTION batch_entries_immutable();

CREATE FUNCTION batches_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = 'published' THEN
        RAISE EXCEPTION 'published batches are immutable';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER batches_published BEFORE UPDATE OR DELETE ON batches
FOR EACH ROW EXECUTE FUNCTION batches_immutable();
