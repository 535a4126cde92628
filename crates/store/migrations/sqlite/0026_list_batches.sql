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
CREATE TRIGGER batch_entries_published_insert BEFORE INSERT ON batch_entries
WHEN (SELECT state FROM batches WHERE no = NEW.batch) = 'published'
BEGIN SELECT RAISE(ABORT, 'published batch entries are immutable'); END;
CREATE TRIGGER batch_entries_published_update BEFORE UPDATE ON batch_entries
WHEN (SELECT state FROM batches WHERE no = OLD.batch) = 'published'
BEGIN SELECT RAISE(ABORT, 'published batch entries are immutable'); END;
CREATE TRIGGER batch_entries_published_delete BEFORE DELETE ON batch_entries
WHEN (SELECT state FROM batches WHERE no = OLD.batch) = 'published'
BEGIN SELECT RAISE(ABORT, 'published batch entries are immutable'); END;
CREATE TRIGGER batches_published_update BEFORE UPDATE ON batches
WHEN OLD.state = 'published'
BEGIN SELECT RAISE(ABORT, 'published batches are immutable'); END;
CREATE TRIGGER batches_published_delete BEFORE DELETE ON batches
WHEN OLD.state = 'published'
BEGIN SELECT RAISE(ABORT, 'published batches are immutable'); END;
