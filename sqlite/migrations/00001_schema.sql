-- The whole schema of the embedded store. Instants of slots are unix
-- seconds (UTC); holds, appointments and idempotency keys keep unix
-- milliseconds, so that a hold expires to the millisecond it was given.

-- +goose Up
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE clinics (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    address   TEXT NOT NULL DEFAULT '',
    city      TEXT NOT NULL,
    lat       REAL NOT NULL,
    lon       REAL NOT NULL,
    phone     TEXT NOT NULL DEFAULT '',
    services  TEXT NOT NULL DEFAULT '[]', -- JSON array of service codes
    languages TEXT NOT NULL DEFAULT '[]', -- JSON array
    time_zone TEXT NOT NULL DEFAULT 'America/Toronto'
);

CREATE TABLE practitioners (
    id          INTEGER PRIMARY KEY,
    clinic_id   INTEGER NOT NULL REFERENCES clinics(id),
    name        TEXT NOT NULL,
    services    TEXT NOT NULL DEFAULT '[]',
    languages   TEXT NOT NULL DEFAULT '[]',
    accepts_new INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX practitioners_clinic ON practitioners(clinic_id);

CREATE TABLE plans (
    id              INTEGER PRIMARY KEY,
    practitioner_id INTEGER NOT NULL REFERENCES practitioners(id),
    clinic_id       INTEGER NOT NULL REFERENCES clinics(id),
    blocks          TEXT NOT NULL DEFAULT '[]', -- JSON of []rdv.PlanBlock
    exceptions      TEXT NOT NULL DEFAULT '[]'  -- JSON of []rdv.PlanException
);
CREATE INDEX plans_clinic ON plans(clinic_id);

CREATE TABLE patients (
    id            INTEGER PRIMARY KEY,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    birth_date    TEXT NOT NULL,        -- YYYY-MM-DD
    health_number TEXT UNIQUE,          -- NULL when unknown
    phone         TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    language      TEXT NOT NULL DEFAULT 'fr',
    guardian_id   INTEGER REFERENCES patients(id)
);

CREATE TABLE slots (
    id              INTEGER PRIMARY KEY,
    clinic_id       INTEGER NOT NULL REFERENCES clinics(id),
    practitioner_id INTEGER NOT NULL REFERENCES practitioners(id),
    service         TEXT NOT NULL,
    start_utc       INTEGER NOT NULL,
    end_utc         INTEGER NOT NULL,
    audience        TEXT NOT NULL CHECK (audience IN ('public', 'rostered')),
    state           TEXT NOT NULL CHECK (state IN ('free', 'held', 'booked', 'blocked')),
    hold_id         TEXT,
    hold_expires    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX slots_start ON slots(start_utc);
CREATE INDEX slots_clinic_start ON slots(clinic_id, start_utc);

CREATE TABLE holds (
    id         TEXT PRIMARY KEY,
    slot_id    INTEGER NOT NULL REFERENCES slots(id),
    client_key TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('active', 'confirmed', 'expired', 'released')),
    created_at INTEGER NOT NULL
);
-- The cap on a client's live holds and the expiry sweep read only active holds.
CREATE INDEX holds_client_active ON holds(client_key, expires_at) WHERE status = 'active';
CREATE INDEX holds_expiry_active ON holds(expires_at) WHERE status = 'active';

CREATE TABLE appointments (
    id                INTEGER PRIMARY KEY,
    slot_id           INTEGER NOT NULL REFERENCES slots(id),
    patient_id        INTEGER NOT NULL REFERENCES patients(id),
    guardian_id       INTEGER REFERENCES patients(id),
    status            TEXT NOT NULL CHECK (status IN ('booked', 'arrived', 'fulfilled', 'noshow', 'cancelled')),
    booked_by         TEXT NOT NULL,
    channel           TEXT NOT NULL,
    fee_cents         INTEGER NOT NULL DEFAULT 0,
    cancel_token_hash TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
-- Invariant 1, kept by the database itself: a slot has at most one
-- appointment that is not cancelled, whatever the code above does.
CREATE UNIQUE INDEX appointments_one_active_per_slot ON appointments(slot_id) WHERE status <> 'cancelled';
CREATE INDEX appointments_patient ON appointments(patient_id);

CREATE TABLE idempotency (
    scope      TEXT NOT NULL,
    key        TEXT NOT NULL,
    body_hash  TEXT NOT NULL,
    result     TEXT NOT NULL, -- JSON of the first answer
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_created ON idempotency(created_at);

-- +goose Down
DROP TABLE idempotency;
DROP TABLE appointments;
DROP TABLE holds;
DROP TABLE slots;
DROP TABLE patients;
DROP TABLE plans;
DROP TABLE practitioners;
DROP TABLE clinics;
DROP TABLE meta;
