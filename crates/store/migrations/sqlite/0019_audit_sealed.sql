-- The security audit log without a global lock: an event is inserted on
-- its own (an id in insertion order, no position yet), so audited writes
-- of the city do not queue behind each other; one sealer at a time (it
-- holds the chain's head row) gives the unsealed events their positions
-- and hashes, in id order, chaining each to the one before. Events written
-- before this keep their positions (id = seq).
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at         BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    actor_id   BIGINT,
    username   TEXT,
    addr       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    detail     TEXT NOT NULL,
    seq        BIGINT UNIQUE,
    prev_hash  TEXT,
    hash       TEXT
);
INSERT INTO audit_log (id, at, kind, actor_id, username, addr, subject, detail, seq, prev_hash, hash)
    SELECT seq, at, kind, actor_id, username, addr, subject, detail, seq, prev_hash, hash FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_log RENAME TO audit_events;

CREATE INDEX audit_events_unsealed ON audit_events (id) WHERE seq IS NULL;
CREATE INDEX audit_events_kind ON audit_events (kind, id);
CREATE INDEX audit_events_actor ON audit_events (actor_id, id);
CREATE INDEX audit_events_subject ON audit_events (subject, id);

-- The chain's head: the last sealed position and its hash.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
    SELECT 1, COALESCE((SELECT MAX(seq) FROM audit_events), 0),
           COALESCE((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1),
                    '0000000000000000000000000000000000000000000000000000000000000000');
