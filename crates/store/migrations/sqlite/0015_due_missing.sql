-- Running cases without a stored due date (from before due dates were kept,
-- or paused): what `serve` looks for at every start, found on this small
-- partial index instead of by reading every case.
CREATE INDEX cases_due_missing ON cases (id)
    WHERE due_on IS NULL AND accepted_on IS NOT NULL AND decided_on IS NULL;
