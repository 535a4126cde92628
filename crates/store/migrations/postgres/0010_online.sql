-- The applicant's choice of how to receive the result (JSON: method,
-- address, hall), made when applying; the department's delivery follows it.
ALTER TABLE cases ADD COLUMN delivery TEXT;
-- Real-name applicant accounts: the ID number (the kiosk signs in by ID
-- number and a code sent to the account's mobile) and that mobile.
ALTER TABLE users ADD COLUMN id_number TEXT;
ALTER TABLE users ADD COLUMN phone TEXT;
CREATE UNIQUE INDEX users_id_number ON users (id_number);
