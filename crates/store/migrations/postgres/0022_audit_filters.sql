-- The audit log read by time and by what a reader filters on: each event
-- keeps its outcome (allowed, or denied: a refusal, a failed or throttled
-- sign-in, a guessed code — derived from the kind, which the chain hashes),
-- and every list walks (filter, at, id) newest first, a date range being a
-- range of `at` within it. The kind, actor and subject indexes by id are
-- replaced by their (…, at, id) forms.
ALTER TABLE audit_events ADD COLUMN outcome TEXT NOT NULL DEFAULT 'allowed';
UPDATE audit_events SET outcome = 'denied'
    WHERE kind IN ('denied', 'login_failed', 'login_throttled', 'login_attack', 'code_guessing');

DROP INDEX audit_events_kind;
DROP INDEX audit_events_actor;
DROP INDEX audit_events_subject;
CREATE INDEX audit_events_at ON audit_events (at, id);
CREATE INDEX audit_events_kind ON audit_events (kind, at, id);
CREATE INDEX audit_events_actor ON audit_events (actor_id, at, id);
CREATE INDEX audit_events_subject ON audit_events (subject, at, id);
CREATE INDEX audit_events_outcome ON audit_events (outcome, at, id);
