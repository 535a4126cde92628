-- The workbench finds a case by its number, the applicant's ID number,
-- name or mobile: each an index of its own, newest first; the visibility
-- rule filters the few cases one person has.
ALTER TABLE cases ADD COLUMN applicant_phone TEXT;
UPDATE cases SET applicant_phone = applicant::jsonb ->> 'phone';
CREATE INDEX cases_search_id_number ON cases (applicant_id_number, id);
CREATE INDEX cases_search_name ON cases (applicant_name, id);
CREATE INDEX cases_search_phone ON cases (applicant_phone, id);
