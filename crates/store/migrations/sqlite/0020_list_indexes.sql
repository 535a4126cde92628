-- Every remaining list reads an index in its order.
--
-- Appointments are keyset paged by (day, starting time, id). A booking
-- carries its slot plan's hall and starting time (a plan is never changed
-- once published), so each filter walks one index of `appointments` in
-- the list's order: an applicant's, a hall's, or everyone's by day.
ALTER TABLE appointments ADD COLUMN hall_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE appointments ADD COLUMN starts TEXT NOT NULL DEFAULT '';
UPDATE appointments
   SET hall_id = (SELECT p.hall_id FROM slot_plans p WHERE p.id = appointments.plan_id),
       starts = (SELECT p.starts FROM slot_plans p WHERE p.id = appointments.plan_id);
DROP INDEX appointments_user;
DROP INDEX appointments_day;
CREATE INDEX appointments_user_order ON appointments (user_id, day, starts, id);
CREATE INDEX appointments_hall_order ON appointments (hall_id, day, starts, id);
CREATE INDEX appointments_day_order ON appointments (day, starts, id);

-- An account's unread notifications, counted on every page it sees and
-- marked read at once, without reading the ones already read.
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- A case's materials in the order they were recorded.
DROP INDEX case_materials_case;
CREATE INDEX case_materials_case ON case_materials (case_id, id);
