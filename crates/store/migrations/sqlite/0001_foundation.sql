-- Foundation: the city, accounts, sessions, the catalogue and the 通办 list.
-- Times are unix milliseconds (BIGINT) in both backends; dates are 'YYYY-MM-DD' text.

CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('city', 'county', 'town', 'community')),
    parent      TEXT REFERENCES regions (code),
    local_code  BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX regions_parent ON regions (parent);

CREATE TABLE halls (
    id            INTEGER PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    region        TEXT NOT NULL REFERENCES regions (code),
    pilot         BOOLEAN NOT NULL,
    address       TEXT NOT NULL,
    opening_hours TEXT NOT NULL,
    phone         TEXT NOT NULL
);
CREATE INDEX halls_region ON halls (region);

CREATE TABLE windows (
    id       INTEGER PRIMARY KEY,
    hall_id  BIGINT NOT NULL REFERENCES halls (id),
    number   TEXT NOT NULL,
    name     TEXT NOT NULL,
    tongban  BOOLEAN NOT NULL,
    staff    BIGINT NOT NULL,
    phone    TEXT NOT NULL,
    contact  TEXT NOT NULL,
    UNIQUE (hall_id, number)
);

CREATE TABLE departments (
    id      INTEGER PRIMARY KEY,
    key     TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    kind    TEXT NOT NULL,
    region  TEXT NOT NULL REFERENCES regions (code),
    system  TEXT NOT NULL CHECK (system IN ('unified_platform', 'self_built'))
);
CREATE INDEX departments_region_kind ON departments (region, kind);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL,
    hall_id        BIGINT REFERENCES halls (id),
    department_id  BIGINT REFERENCES departments (id),
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    household_region TEXT REFERENCES regions (code),
    created_at     BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind IN ('cookie', 'bearer')),
    csrf        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE login_failures (
    id        INTEGER PRIMARY KEY,
    username  TEXT NOT NULL,
    addr      TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (username, at);
CREATE INDEX login_failures_addr ON login_failures (addr, at);

CREATE TABLE items (
    code             TEXT PRIMARY KEY,
    current_version  BIGINT NOT NULL,
    created_at       BIGINT NOT NULL
);

CREATE TABLE item_versions (
    item_code     TEXT NOT NULL REFERENCES items (code),
    version       BIGINT NOT NULL,
    published_at  BIGINT NOT NULL,
    content       TEXT NOT NULL,
    PRIMARY KEY (item_code, version)
);

-- Published versions are immutable: a change is a new version.
CREATE TRIGGER item_versions_no_update BEFORE UPDATE ON item_versions
BEGIN SELECT RAISE(ABORT, 'item versions are immutable'); END;
CREATE TRIGGER item_versions_no_delete BEFORE DELETE ON item_versions
BEGIN SELECT RAISE(ABORT, 'item versions are immutable'); END;

CREATE TABLE item_aliases (
    item_code  TEXT NOT NULL REFERENCES items (code),
    alias      TEXT NOT NULL,
    PRIMARY KEY (item_code, alias)
);

CREATE TABLE implementations (
    item_code      TEXT NOT NULL REFERENCES items (code),
    department_id  BIGINT NOT NULL REFERENCES departments (id),
    PRIMARY KEY (item_code, department_id)
);

CREATE TABLE batches (
    no         BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    published  TEXT NOT NULL
);

CREATE TABLE list_entries (
    item_code  TEXT PRIMARY KEY REFERENCES items (code),
    batch      BIGINT NOT NULL REFERENCES batches (no),
    modes      TEXT NOT NULL,
    levels     TEXT NOT NULL
);

-- Bumped by every catalogue write, so caches of the catalogue in any
-- process can tell they are stale.
CREATE TABLE catalogue_revision (
    id        BIGINT PRIMARY KEY CHECK (id = 1),
    revision  BIGINT NOT NULL
);
INSERT INTO catalogue_revision (id, revision) VALUES (1, 0);
