-- Idempotency rows keep neither the Idempotency-Key nor the answer in the
-- clear (package replay): a row is filed under a name derived from the key
-- (id), keeps an HMAC of the body's hash under a key derived from it
-- (body_check) and the answer sealed with AES-256-GCM under another
-- (answer). The rows kept until now held the raw key, the body's hash and
-- the answer as JSON, with the patient's details and the cancel token.
-- They are dropped rather than sealed: they are replay caches that live a
-- day, and a retry that finds no row runs again and is refused by the
-- write itself (the hold is used, the appointment already cancelled).

-- +goose Up
-- Pages freed by the drop are overwritten with zeros, so that the rows'
-- bytes do not stay in the file until the pages are reused. The setting
-- lasts as long as the migration's connection.
PRAGMA secure_delete = ON;
DROP TABLE idempotency;
CREATE TABLE idempotency (
    id         BLOB    NOT NULL PRIMARY KEY,
    body_check BLOB    NOT NULL,
    answer     BLOB    NOT NULL,
    created_at INTEGER NOT NULL -- unix milliseconds
) WITHOUT ROWID;
CREATE INDEX idempotency_created ON idempotency(created_at);

-- +goose Down
DROP TABLE idempotency;
CREATE TABLE idempotency (
    scope      TEXT NOT NULL,
    key        TEXT NOT NULL,
    body_hash  TEXT NOT NULL,
    result     TEXT NOT NULL, -- JSON of the first answer
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_created ON idempotency(created_at);
