-- Failed attempts of every kind that can be guessed (sign-in passwords,
-- case verification codes), counted per subject, per address and per
-- trusted device; and the browsers trusted for an account (device cookies),
-- whose failures never lock out anyone else.
CREATE TABLE attempt_failures (
    id       INTEGER PRIMARY KEY,
    kind     TEXT NOT NULL,
    subject  TEXT NOT NULL,
    addr     TEXT NOT NULL,
    device   TEXT,
    at       BIGINT NOT NULL
);
CREATE INDEX attempt_failures_subject ON attempt_failures (kind, subject, at);
CREATE INDEX attempt_failures_addr ON attempt_failures (kind, addr, at);
CREATE INDEX attempt_failures_device ON attempt_failures (device, at) WHERE device IS NOT NULL;

CREATE TABLE trusted_devices (
    token_hash  TEXT NOT NULL,
    username    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (token_hash, username)
);

DROP TABLE login_failures;
