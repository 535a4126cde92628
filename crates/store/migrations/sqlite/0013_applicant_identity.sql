-- 一号: a case filed at a window under a person's ID number belongs to that
-- person's real-name account too, whenever it exists (now or later).
ALTER TABLE cases ADD COLUMN applicant_id_number TEXT;
UPDATE cases SET applicant_id_number = json_extract(applicant, '$.id_number')
 WHERE json_extract(applicant, '$.kind') = 'person';
UPDATE cases SET applicant_user_id = (
    SELECT u.id FROM users u WHERE u.role = 'applicant' AND u.id_number = cases.applicant_id_number)
 WHERE applicant_user_id IS NULL AND applicant_id_number IS NOT NULL;
CREATE INDEX cases_unlinked_identity ON cases (applicant_id_number) WHERE applicant_user_id IS NULL;
