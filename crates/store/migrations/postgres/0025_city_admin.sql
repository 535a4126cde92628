-- City administration. What a city changes about its halls (错时延时 and
-- weekend hours, a 24-hour self-service area), its departments' contacts,
-- the staff named to each window, and retirement: a retired region, hall,
-- window or department keeps its history (its cases point at it) and is
-- offered for nothing new.
ALTER TABLE regions ADD COLUMN retired_at BIGINT;
ALTER TABLE halls ADD COLUMN extended_hours TEXT NOT NULL DEFAULT '';
ALTER TABLE halls ADD COLUMN weekend_hours TEXT NOT NULL DEFAULT '';
ALTER TABLE halls ADD COLUMN self_service_24h BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE halls ADD COLUMN retired_at BIGINT;
ALTER TABLE windows ADD COLUMN retired_at BIGINT;
ALTER TABLE departments ADD COLUMN contact TEXT NOT NULL DEFAULT '';
ALTER TABLE departments ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE departments ADD COLUMN retired_at BIGINT;

-- The staff named to a window (a 专窗's 专人).
CREATE TABLE window_staff (
    window_id  BIGINT NOT NULL REFERENCES windows (id),
    user_id    BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (window_id, user_id)
);
CREATE INDEX window_staff_user ON window_staff (user_id);

-- Staff lists, a page at a time: a hall's, a department's, everyone's.
CREATE INDEX users_hall_order ON users (hall_id, id) WHERE hall_id IS NOT NULL;
CREATE INDEX users_department_order ON users (department_id, id) WHERE department_id IS NOT NULL;
CREATE INDEX users_staff_order ON users (id) WHERE role <> 'applicant';
