-- 好差评: one rating per case; a 差评 opens one rectification for the hall
-- (window service) or the department (online service) responsible.
CREATE TABLE evaluations (
    id             INTEGER PRIMARY KEY,
    case_id        BIGINT NOT NULL UNIQUE REFERENCES cases (id),
    channel        TEXT NOT NULL CHECK (channel IN ('online', 'window')),
    overall        BIGINT NOT NULL CHECK (overall BETWEEN 1 AND 5),
    grades         TEXT NOT NULL,
    comment        TEXT NOT NULL,
    hall_id        BIGINT REFERENCES halls (id),
    department_id  BIGINT NOT NULL REFERENCES departments (id),
    item_code      TEXT NOT NULL,
    rated_by       BIGINT REFERENCES users (id),
    rated_at       BIGINT NOT NULL
);
CREATE TABLE rectifications (
    id             INTEGER PRIMARY KEY,
    evaluation_id  BIGINT NOT NULL UNIQUE REFERENCES evaluations (id),
    case_id        BIGINT NOT NULL REFERENCES cases (id),
    hall_id        BIGINT REFERENCES halls (id),
    department_id  BIGINT REFERENCES departments (id),
    opened_on      TEXT NOT NULL,
    due_on         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    follow_ups     TEXT NOT NULL DEFAULT '[]',
    explanation    TEXT,
    closed_by      BIGINT REFERENCES users (id),
    closed_at      BIGINT,
    CHECK ((hall_id IS NULL) <> (department_id IS NULL)),
    CHECK ((status = 'closed') = (explanation IS NOT NULL))
);
CREATE INDEX rectifications_hall ON rectifications (hall_id, status);
CREATE INDEX rectifications_department ON rectifications (department_id, status);
