-- Notices to departments. A reviewer is on duty (told at once when a case
-- arrives from a hall that is not the department's own) unless he says
-- otherwise; a case that arrived waits in `arrival_watch` until its due
-- instant (a configured number of working hours later), when the worker
-- tells the department's admins if it still stands where it arrived.
ALTER TABLE users ADD COLUMN on_duty BOOLEAN NOT NULL DEFAULT TRUE;
CREATE TABLE arrival_watch (
    case_id        BIGINT PRIMARY KEY REFERENCES cases (id),
    department_id  BIGINT NOT NULL REFERENCES departments (id),
    status         TEXT NOT NULL,
    version        BIGINT NOT NULL,
    due_at         BIGINT NOT NULL
);
CREATE INDEX arrival_watch_due ON arrival_watch (due_at, case_id);
