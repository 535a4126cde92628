-- Appointments (预约): halls publish slot plans per window; a slot is a plan
-- on a day, materialised when first booked; the booked count can never
-- exceed the capacity (CHECK), whatever runs at once.
CREATE TABLE slot_plans (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hall_id     BIGINT NOT NULL REFERENCES halls (id),
    window_id   BIGINT NOT NULL REFERENCES windows (id),
    starts      TEXT NOT NULL,
    ends        TEXT NOT NULL,
    capacity    BIGINT NOT NULL CHECK (capacity BETWEEN 1 AND 200),
    kind        TEXT NOT NULL CHECK (kind IN ('counter', 'home_visit')),
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    CHECK (starts < ends)
);
CREATE INDEX slot_plans_hall ON slot_plans (hall_id);
CREATE TABLE appointment_slots (
    plan_id   BIGINT NOT NULL REFERENCES slot_plans (id),
    day       TEXT NOT NULL,
    capacity  BIGINT NOT NULL,
    booked    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (plan_id, day),
    CHECK (booked >= 0 AND booked <= capacity)
);
CREATE TABLE appointments (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    booking_no    TEXT NOT NULL UNIQUE,
    plan_id       BIGINT NOT NULL,
    day           TEXT NOT NULL,
    item_code     TEXT NOT NULL REFERENCES items (code),
    user_id       BIGINT NOT NULL REFERENCES users (id),
    status        TEXT NOT NULL CHECK (status IN ('booked', 'cancelled')),
    created_at    BIGINT NOT NULL,
    cancelled_at  BIGINT,
    cancelled_by  BIGINT REFERENCES users (id),
    FOREIGN KEY (plan_id, day) REFERENCES appointment_slots (plan_id, day)
);
CREATE UNIQUE INDEX appointments_one_per_slot ON appointments (plan_id, day, user_id) WHERE status = 'booked';
CREATE INDEX appointments_user ON appointments (user_id);
CREATE INDEX appointments_day ON appointments (day, plan_id);
