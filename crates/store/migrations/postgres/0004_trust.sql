-- Authorisation trust (授权信任): grants of rights by departments to halls.
-- A grant is revoked by filling the revoked_* columns once; it is never deleted.
CREATE TABLE grants (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
CREATE FUNCTION grants_revoke_once() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'grants are revoked, never deleted';
    END IF;
    IF OLD.revoked_at IS NOT NULL
       OR (NEW.grantor_department_id, NEW.grantee_hall_id, NEW.grantee_level, NEW.grantee_region, NEW.items,
           NEW.rights, NEW.valid_from, NEW.valid_to, NEW.granted_by, NEW.granted_at, NEW.reason)
          IS DISTINCT FROM
          (OLD.grantor_department_id, OLD.grantee_hall_id, OLD.grantee_level, OLD.grantee_region, OLD.items,
           OLD.rights, OLD.valid_from, OLD.valid_to, OLD.granted_by, OLD.granted_at, OLD.reason) THEN
        RAISE EXCEPTION 'a grant can only be revoked, once';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER grants_revoke_once BEFORE UPDATE OR DELETE ON grants
FOR EACH ROW EXECUTE FUNCTION grants_revoke_once();

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
