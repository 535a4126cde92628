-- The head of each case's event chain is kept on the case (the hash of its
-- latest event, whose seq is the case's version), so a step computes its
-- event's hash from the case it loaded and writes everything at once; and
-- whether the clock is paused (an open pause) is a column lists can filter on.
ALTER TABLE cases ADD COLUMN head_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN clock_paused BOOLEAN NOT NULL DEFAULT false;
-- Lists by pickup hall read cases_pickup_due / cases_pickup_updated; the
-- older single-column index only cost every step an index entry.
DROP INDEX cases_pickup_hall;
UPDATE cases SET head_hash = COALESCE((SELECT e.hash FROM case_events e WHERE e.case_id = cases.id AND e.seq = cases.version), ''),
                 clock_paused = (pauses LIKE '%"to":null%');

-- Counts kept, not recomputed, for the department and the receiving hall of
-- each case: the day's flows (opened, received, decided …; days are
-- Asia/Shanghai) and the cases per status. Written in the transaction of
-- the change; each case counts in one of 8 slots (its id mod 8), so
-- concurrent steps of one department rarely wait on the same row. Reads
-- sum the slots.
CREATE TABLE case_flow_counts (
    scope     TEXT NOT NULL CHECK (scope IN ('department', 'hall')),
    scope_id  BIGINT NOT NULL,
    day       TEXT NOT NULL,
    flow      TEXT NOT NULL,
    slot      BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (scope, scope_id, day, flow, slot)
);
CREATE INDEX case_flow_counts_day ON case_flow_counts (scope, day, flow);
CREATE TABLE case_stock_counts (
    scope     TEXT NOT NULL CHECK (scope IN ('department', 'hall')),
    scope_id  BIGINT NOT NULL,
    status    TEXT NOT NULL,
    slot      BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (scope, scope_id, status, slot)
);

-- Backfill from the cases there are (a decision's lateness is not known
-- after the fact; it is counted from now on). The contract tests run what
-- follows on live counters too.
INSERT INTO case_stock_counts (scope, scope_id, status, slot, n)
SELECT 'department', department_id, status, id % 8, COUNT(*) FROM cases GROUP BY department_id, status, id % 8
UNION ALL
SELECT 'hall', hall_id, status, id % 8, COUNT(*) FROM cases WHERE hall_id IS NOT NULL GROUP BY hall_id, status, id % 8;
WITH f (slot, department_id, hall_id, day, flow) AS (
    SELECT c.id % 8 AS slot, c.department_id, c.hall_id, to_char(timestamp 'epoch' + (c.created_at / 1000 + 28800) * interval '1 second', 'YYYY-MM-DD') AS day, 'opened' AS flow FROM cases c
    UNION ALL
    SELECT c.id % 8, c.department_id, c.hall_id, c.accepted_on, 'received' FROM cases c WHERE c.accepted_on IS NOT NULL
    UNION ALL
    SELECT c.id % 8, c.department_id, c.hall_id, to_char(timestamp 'epoch' + (e.at / 1000 + 28800) * interval '1 second', 'YYYY-MM-DD'), 'decided' FROM case_events e JOIN cases c ON c.id = e.case_id WHERE e.action = 'decide'
    UNION ALL
    SELECT c.id % 8, c.department_id, c.hall_id, to_char(timestamp 'epoch' + (e.at / 1000 + 28800) * interval '1 second', 'YYYY-MM-DD'), 'approved' FROM case_events e JOIN cases c ON c.id = e.case_id
     WHERE e.action = 'decide' AND (e.payload::jsonb ->> 'approved') = 'true'
    UNION ALL
    SELECT c.id % 8, c.department_id, c.hall_id, to_char(timestamp 'epoch' + (e.at / 1000 + 28800) * interval '1 second', 'YYYY-MM-DD'), 'not_accepted' FROM case_events e JOIN cases c ON c.id = e.case_id WHERE e.action = 'not_accept'
    UNION ALL
    SELECT c.id % 8, c.department_id, c.hall_id, to_char(timestamp 'epoch' + (e.at / 1000 + 28800) * interval '1 second', 'YYYY-MM-DD'), 'completed' FROM case_events e JOIN cases c ON c.id = e.case_id
     JOIN case_events p ON p.case_id = e.case_id AND p.seq = e.seq - 1
     WHERE e.status = 'completed' AND p.status <> 'completed'
)
INSERT INTO case_flow_counts (scope, scope_id, day, flow, slot, n)
SELECT 'department', department_id, day, flow, slot, COUNT(*) FROM f GROUP BY department_id, day, flow, slot
UNION ALL
SELECT 'hall', hall_id, day, flow, slot, COUNT(*) FROM f WHERE hall_id IS NOT NULL GROUP BY hall_id, day, flow, slot;
