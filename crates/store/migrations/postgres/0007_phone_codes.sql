-- One-time codes sent to phones (registration): only their hash is kept;
-- at most five tries each; used once.
CREATE TABLE phone_codes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone       TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    addr        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    used_at     BIGINT
);
CREATE INDEX phone_codes_phone ON phone_codes (phone, purpose, created_at);
CREATE INDEX phone_codes_addr ON phone_codes (addr, created_at);
