-- 视频核验: a point-to-point video check of the applicant's (or the agent's)
-- identity on a case, through a third-party video service. Started with a
-- meeting link, concluded once with an outcome and the recording (a stored
-- file, or its reference in the video service). Each start and each result
-- is also an event on the case's hash-chained timeline.
CREATE TABLE video_checks (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id           BIGINT NOT NULL REFERENCES cases (id),
    participant       TEXT NOT NULL CHECK (participant IN ('applicant', 'agent')),
    participant_name  TEXT NOT NULL,
    participant_id    TEXT NOT NULL, -- masked ID number: never the full one
    service           TEXT NOT NULL,
    meeting_ref       TEXT NOT NULL,
    link              TEXT NOT NULL,
    started_by        BIGINT NOT NULL REFERENCES users (id),
    started_at        BIGINT NOT NULL,
    outcome           TEXT CHECK (outcome IN ('passed', 'failed', 'not_reached')),
    reason            TEXT,
    recording_blob    TEXT,
    recording_mime    TEXT,
    recording_size    BIGINT,
    recording_ref     TEXT,
    concluded_by      BIGINT REFERENCES users (id),
    concluded_at      BIGINT
);
-- A case's checks, paged by id; the latest concluded one read backwards.
CREATE INDEX video_checks_case ON video_checks (case_id, id);
