-- Staff accounts, their sessions and the platform-wide settings (the
-- status banner), shared by every instance.

-- +goose Up
CREATE TABLE accounts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL,
    name          text NOT NULL DEFAULT '',
    role          text NOT NULL CHECK (role IN ('receptionist', 'clinic_admin', 'agent', 'operator')),
    clinic_id     bigint REFERENCES clinics (id),
    password_hash text NOT NULL,
    language      text NOT NULL DEFAULT 'fr',
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    CHECK ((role IN ('receptionist', 'clinic_admin')) = (clinic_id IS NOT NULL))
);
-- Emails are unique whatever their case.
CREATE UNIQUE INDEX accounts_email ON accounts (lower(email));
CREATE INDEX accounts_clinic ON accounts (clinic_id);

CREATE TABLE sessions (
    token_hash text PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE settings (
    key   text PRIMARY KEY,
    value jsonb NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE sessions;
DROP TABLE accounts;
