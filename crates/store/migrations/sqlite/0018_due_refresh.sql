-- When a year's holiday table is added or revised, the due dates of the
-- running cases are recomputed in the background, in batches: the job is
-- written with the table (so it survives a crash), and records how far it
-- got, which the admin sees. A newer job supersedes an unfinished one.
CREATE TABLE due_refresh (
    id INTEGER PRIMARY KEY,
    year          BIGINT NOT NULL,
    requested_at  BIGINT NOT NULL,
    requested_by  BIGINT REFERENCES users (id),
    after_id      BIGINT NOT NULL DEFAULT 0,
    done          BIGINT NOT NULL DEFAULT 0,
    finished_at   BIGINT,
    superseded    BOOLEAN NOT NULL DEFAULT FALSE
);
-- The running cases (accepted, undecided), in id order: what a refresh
-- walks, a small part of all cases.
CREATE INDEX cases_running ON cases (id) WHERE accepted_on IS NOT NULL AND decided_on IS NULL;
