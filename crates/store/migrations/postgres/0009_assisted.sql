-- 帮办代办: the guide or agent who applies online on an applicant's behalf,
-- with the applicant's recorded consent (in the case's first event).
ALTER TABLE cases ADD COLUMN assisted_by BIGINT REFERENCES users (id);
