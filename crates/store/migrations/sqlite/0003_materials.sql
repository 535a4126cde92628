-- Materials received on a case: on paper, as a scan (content-addressed blob), or replaced by an e-licence.
CREATE TABLE case_materials (
    id            INTEGER PRIMARY KEY,
    case_id       BIGINT NOT NULL REFERENCES cases (id),
    material_key  TEXT NOT NULL,
    method        TEXT NOT NULL CHECK (method IN ('paper', 'scan', 'license')),
    blob          TEXT,
    mime          TEXT,
    size          BIGINT,
    license_ref   TEXT,
    recorded_by   BIGINT NOT NULL,
    recorded_at   BIGINT NOT NULL
);
CREATE INDEX case_materials_case ON case_materials (case_id);
