-- The promised completion date while a case's clock runs (NULL before
-- acceptance, while paused, and once decided or ended): stored with every
-- step, so inboxes order by it in the query. Existing cases get theirs from
-- the application at start (`tongban_app::cases::refresh_due_dates`).
ALTER TABLE cases ADD COLUMN due_on TEXT;
CREATE INDEX cases_department_due ON cases (department_id, due_on);
CREATE INDEX cases_hall_due ON cases (hall_id, due_on);
