-- Cases, their hash-chained timelines, idempotency keys, and the working-day calendar.

CREATE TABLE calendar_years (
    year        BIGINT PRIMARY KEY,
    source      TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  BIGINT REFERENCES users (id)
);

CREATE TABLE calendar_days (
    day   TEXT PRIMARY KEY,
    year  BIGINT NOT NULL REFERENCES calendar_years (year),
    kind  TEXT NOT NULL CHECK (kind IN ('off', 'work'))
);
CREATE INDEX calendar_days_year ON calendar_days (year);

CREATE TABLE cases (
    id                 INTEGER PRIMARY KEY,
    case_no            TEXT NOT NULL UNIQUE,
    verification_code  TEXT NOT NULL,
    item_code          TEXT NOT NULL REFERENCES items (code),
    item_version       BIGINT NOT NULL,
    item_name          TEXT NOT NULL,
    mode               TEXT NOT NULL,
    status             TEXT NOT NULL,
    version            BIGINT NOT NULL,
    department_id      BIGINT NOT NULL REFERENCES departments (id),
    hall_id            BIGINT REFERENCES halls (id),
    applicant_user_id  BIGINT REFERENCES users (id),
    created_by         BIGINT REFERENCES users (id),
    applicant_name     TEXT NOT NULL,
    applicant          TEXT NOT NULL,
    agent              TEXT,
    answers            TEXT NOT NULL,
    situation          TEXT NOT NULL,
    materials          TEXT NOT NULL,
    promised_days      BIGINT NOT NULL,
    instant            BOOLEAN NOT NULL,
    accepted_on        TEXT,
    decided_on         TEXT,
    pauses             TEXT NOT NULL,
    resume_to          TEXT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX cases_department ON cases (department_id, updated_at);
CREATE INDEX cases_hall ON cases (hall_id, updated_at);
CREATE INDEX cases_applicant ON cases (applicant_user_id, updated_at);
CREATE INDEX cases_status ON cases (status, updated_at);

CREATE TABLE case_events (
    case_id        BIGINT NOT NULL REFERENCES cases (id),
    seq            BIGINT NOT NULL,
    at             BIGINT NOT NULL,
    actor_id       BIGINT NOT NULL,
    role           TEXT NOT NULL,
    hall_id        BIGINT,
    department_id  BIGINT,
    action         TEXT NOT NULL,
    status         TEXT NOT NULL,
    payload        TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);

CREATE TABLE idempotency_keys (
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    status      BIGINT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
