-- 预约上门: a booking of a home-visit slot says where staff go and why
-- (老年人、残疾人等行动不便, or a key project). Counter bookings have neither.
ALTER TABLE appointments ADD COLUMN visit_address TEXT;
ALTER TABLE appointments ADD COLUMN visit_reason TEXT CHECK (visit_reason IN ('elderly', 'key_project'));
