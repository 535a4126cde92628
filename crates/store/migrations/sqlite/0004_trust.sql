-- Authorisation trust (授权信任): grants of rights by departments to halls.
-- A grant is revoked by filling the revoked_* columns once; it is never deleted.
CREATE TABLE grants (
    id                     INTEGER PRIMARY KEY,
    grantor_department_id  BIGINT NOT NULL REFERENCES departments (id),
    grantee_hall_id        BIGINT REFERENCES halls (id),
    grantee_level          TEXT CHECK (grantee_level IN ('city', 'county', 'town', 'community')),
    grantee_region         TEXT REFERENCES regions (code),
    items                  TEXT,
    rights                 TEXT NOT NULL,
    valid_from             TEXT NOT NULL,
    valid_to               TEXT NOT NULL,
    granted_by             BIGINT NOT NULL REFERENCES users (id),
    granted_at             BIGINT NOT NULL,
    reason                 TEXT NOT NULL,
    revoked_by             BIGINT REFERENCES users (id),
    revoked_at             BIGINT,
    revoke_reason          TEXT,
    CHECK ((grantee_hall_id IS NULL) <> (grantee_level IS NULL)),
    CHECK ((grantee_level IS NULL) = (grantee_region IS NULL)),
    CHECK (valid_from <= valid_to)
);
CREATE INDEX grants_grantor ON grants (grantor_department_id);
CREATE TRIGGER grants_no_delete BEFORE DELETE ON grants
BEGIN SELECT RAISE(ABORT, 'grants are revoked, never deleted'); END;
CREATE TRIGGER grants_revoke_once BEFORE UPDATE ON grants
WHEN OLD.revoked_at IS NOT NULL
  OR NEW.grantor_department_id IS NOT OLD.grantor_department_id
  OR NEW.grantee_hall_id IS NOT OLD.grantee_hall_id
  OR NEW.grantee_level IS NOT OLD.grantee_level
  OR NEW.grantee_region IS NOT OLD.grantee_region
  OR NEW.items IS NOT OLD.items
  OR NEW.rights IS NOT OLD.rights
  OR NEW.valid_from IS NOT OLD.valid_from
  OR NEW.valid_to IS NOT OLD.valid_to
  OR NEW.granted_by IS NOT OLD.granted_by
  OR NEW.granted_at IS NOT OLD.granted_at
  OR NEW.reason IS NOT OLD.reason
BEGIN SELECT RAISE(ABORT, 'a grant can only be revoked, once'); END;

-- The security audit log: one hash chain over every event.
CREATE TABLE audit_events (
    seq        BIGINT PRIMARY KEY,
    at         BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    actor_id   BIGINT,
    username   TEXT,
    addr       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_events_kind ON audit_events (kind, seq);

-- The hall that hands over the result, once the department sends it there.
ALTER TABLE cases ADD COLUMN pickup_hall_id BIGINT REFERENCES halls (id);
CREATE INDEX cases_pickup_hall ON cases (pickup_hall_id);
-- Originals seen at the window, certified with the original-verification right.
ALTER TABLE case_materials ADD COLUMN original_verified BOOLEAN NOT NULL DEFAULT FALSE;
