-- Idempotency rows keep neither the Idempotency-Key nor the answer in the
-- clear (package replay): a row is filed under a name derived from the key
-- (id), keeps an HMAC of the body's hash under a key derived from it
-- (body_check) and the answer sealed with AES-256-GCM under another
-- (answer, NULL until the write that claimed the row commits it). The rows
-- kept until now held the raw key, the body's hash and the answer as JSON,
-- with the patient's details and the cancel token. They are dropped rather
-- than sealed: they are replay caches that live a day, and a retry that
-- finds no row runs again and is refused by the write itself (the hold is
-- used, the appointment already cancelled).

-- +goose Up
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    id         bytea       PRIMARY KEY,
    body_check bytea       NOT NULL,
    answer     bytea,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- Keys are forgotten after a day (ExpireHolds).
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    scope      text NOT NULL,
    key        text NOT NULL,
    body_hash  text NOT NULL,
    response   jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
