-- Staff accounts, their sessions and the platform-wide settings (the
-- status banner). Instants are unix milliseconds.

-- +goose Up
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('receptionist', 'clinic_admin', 'agent', 'operator')),
    clinic_id     INTEGER REFERENCES clinics(id),
    password_hash TEXT NOT NULL,
    language      TEXT NOT NULL DEFAULT 'fr',
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    CHECK ((role IN ('receptionist', 'clinic_admin')) = (clinic_id IS NOT NULL))
);
-- Emails are unique whatever their case.
CREATE UNIQUE INDEX accounts_email ON accounts(lower(email));
CREATE INDEX accounts_clinic ON accounts(clinic_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL -- JSON
) WITHOUT ROWID;

-- +goose Down
DROP TABLE settings;
DROP TABLE sessions;
DROP TABLE accounts;
