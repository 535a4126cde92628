-- Rating statistics kept, not recomputed: per department, hall (the key
-- `online` for online service) and item, the ratings per overall grade and
-- the 差评 whose rectification was closed; and, per the same keys and due
-- day, the rectifications still open (overdue ones are those due before
-- today, summed on read). Both are written in the transaction of the
-- rating or the closing that changes them, and filled here from the rows
-- there are. Keys compare byte-wise (COLLATE "C"), the order the
-- statistics list them in.
CREATE TABLE evaluation_counts (
    dimension  TEXT NOT NULL CHECK (dimension IN ('department', 'hall', 'item')),
    key        TEXT COLLATE "C" NOT NULL,
    g1         BIGINT NOT NULL DEFAULT 0 CHECK (g1 >= 0),
    g2         BIGINT NOT NULL DEFAULT 0 CHECK (g2 >= 0),
    g3         BIGINT NOT NULL DEFAULT 0 CHECK (g3 >= 0),
    g4         BIGINT NOT NULL DEFAULT 0 CHECK (g4 >= 0),
    g5         BIGINT NOT NULL DEFAULT 0 CHECK (g5 >= 0),
    rectified  BIGINT NOT NULL DEFAULT 0 CHECK (rectified >= 0),
    PRIMARY KEY (dimension, key)
);
CREATE TABLE open_rectification_counts (
    dimension  TEXT NOT NULL CHECK (dimension IN ('department', 'hall', 'item')),
    key        TEXT COLLATE "C" NOT NULL,
    due_on     TEXT NOT NULL,
    n          BIGINT NOT NULL CHECK (n >= 0),
    PRIMARY KEY (dimension, key, due_on)
);

-- The rectification list is read a page at a time per visibility branch:
-- open ones by due day (overdue first), then closed ones latest due first.
DROP INDEX rectifications_hall;
DROP INDEX rectifications_department;
CREATE INDEX rectifications_hall_due ON rectifications (hall_id, status, due_on, id);
CREATE INDEX rectifications_department_due ON rectifications (department_id, status, due_on, id);
CREATE INDEX rectifications_due ON rectifications (status, due_on, id);

-- Backfill (the contract tests run what follows on live counters too).
INSERT INTO evaluation_counts (dimension, key, g1, g2, g3, g4, g5, rectified)
SELECT 'department', CAST(e.department_id AS TEXT),
       SUM(CASE WHEN e.overall = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN e.overall = 2 THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.overall = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN e.overall = 4 THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.overall = 5 THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.overall <= 2 AND r.status = 'closed' THEN 1 ELSE 0 END)
  FROM evaluations e LEFT JOIN rectifications r ON r.evaluation_id = e.id
 GROUP BY e.department_id
UNION ALL
SELECT 'hall', COALESCE(CAST(e.hall_id AS TEXT), 'online'),
       SUM(CASE WHEN e.overall = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN e.overall = 2 THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.overall = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN e.overall = 4 THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.overall = 5 THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.overall <= 2 AND r.status = 'closed' THEN 1 ELSE 0 END)
  FROM evaluations e LEFT JOIN rectifications r ON r.evaluation_id = e.id
 GROUP BY e.hall_id
UNION ALL
SELECT 'item', e.item_code,
       SUM(CASE WHEN e.overall = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN e.overall = 2 THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.overall = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN e.overall = 4 THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.overall = 5 THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.overall <= 2 AND r.status = 'closed' THEN 1 ELSE 0 END)
  FROM evaluations e LEFT JOIN rectifications r ON r.evaluation_id = e.id
 GROUP BY e.item_code;
INSERT INTO open_rectification_counts (dimension, key, due_on, n)
SELECT 'department', CAST(e.department_id AS TEXT), r.due_on, COUNT(*)
  FROM rectifications r JOIN evaluations e ON e.id = r.evaluation_id
 WHERE r.status = 'open' AND e.overall <= 2
 GROUP BY e.department_id, r.due_on
UNION ALL
SELECT 'hall', COALESCE(CAST(e.hall_id AS TEXT), 'online'), r.due_on, COUNT(*)
  FROM rectifications r JOIN evaluations e ON e.id = r.evaluation_id
 WHERE r.status = 'open' AND e.overall <= 2
 GROUP BY e.hall_id, r.due_on
UNION ALL
SELECT 'item', e.item_code, r.due_on, COUNT(*)
  FROM rectifications r JOIN evaluations e ON e.id = r.evaluation_id
 WHERE r.status = 'open' AND e.overall <= 2
 GROUP BY e.item_code, r.due_on;
