-- Side effects leave through the outbox: written in the same transaction as
-- the change that causes them, sent by a worker with retries and back-off.
-- The row id is the message's idempotency key at the gateway, so a retry
-- after a crash never sends twice.
CREATE TABLE outbox (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    body             TEXT NOT NULL,
    case_id          BIGINT REFERENCES cases (id),
    created_at       BIGINT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    lease_until      BIGINT,
    last_error       TEXT,
    sent_at          BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);
CREATE INDEX outbox_by_status ON outbox (status, id);
