-- Patients the platform knows and reaches: patient accounts that sign in
-- with a one-time code, the people they book for, the clinics' rosters,
-- and the outbox of messages (confirmations, reminders, codes, outage
-- notices) with the record of what was sent. Instants are unix
-- milliseconds.

-- +goose Up
CREATE TABLE patient_accounts (
    id           INTEGER PRIMARY KEY,
    email        TEXT,              -- verified, lower case
    phone        TEXT,              -- verified, E.164
    language     TEXT NOT NULL DEFAULT 'fr',
    notify_email INTEGER NOT NULL DEFAULT 1,
    notify_sms   INTEGER NOT NULL DEFAULT 0,
    consent_at   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
CREATE UNIQUE INDEX patient_accounts_email ON patient_accounts(email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX patient_accounts_phone ON patient_accounts(phone) WHERE phone IS NOT NULL;

-- The channels a booking chose to hear on (the consent's record, given
-- when it was made), and the patient account it belongs to.
ALTER TABLE appointments ADD COLUMN notify_email INTEGER NOT NULL DEFAULT 0;
ALTER TABLE appointments ADD COLUMN notify_sms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE appointments ADD COLUMN account_id INTEGER REFERENCES patient_accounts(id);
CREATE INDEX appointments_account ON appointments(account_id) WHERE account_id IS NOT NULL;
-- Bookings made without an account join one when their contact is verified.
CREATE INDEX appointments_guest_email ON appointments(lower(email)) WHERE account_id IS NULL AND email <> '';
CREATE INDEX appointments_guest_phone ON appointments(phone) WHERE account_id IS NULL AND phone <> '';
CREATE INDEX appointments_guest_guardian_email ON appointments(lower(guardian_email)) WHERE account_id IS NULL AND guardian_email <> '';
CREATE INDEX appointments_guest_guardian_phone ON appointments(guardian_phone) WHERE account_id IS NULL AND guardian_phone <> '';

CREATE TABLE patient_sessions (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES patient_accounts(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX patient_sessions_expiry ON patient_sessions(expires_at);

-- A code's hash only; the message that carries it keeps it until it leaves.
CREATE TABLE signin_codes (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    destination TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    address_key TEXT NOT NULL DEFAULT '',
    tries       INTEGER NOT NULL DEFAULT 0,
    used        INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX signin_codes_destination ON signin_codes(destination, created_at);
CREATE INDEX signin_codes_address ON signin_codes(address_key, created_at) WHERE address_key <> '';

-- The people an account books for: the holder ('self') and dependents.
CREATE TABLE account_people (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES patient_accounts(id),
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    birth_date    TEXT NOT NULL,
    health_number TEXT NOT NULL DEFAULT '',
    relationship  TEXT NOT NULL CHECK (relationship IN ('self', 'parent', 'legal_guardian', 'other')),
    created_at    INTEGER NOT NULL
);
CREATE INDEX account_people_account ON account_people(account_id);
CREATE UNIQUE INDEX account_people_self ON account_people(account_id) WHERE relationship = 'self';

CREATE TABLE roster (
    clinic_id  INTEGER NOT NULL REFERENCES clinics(id),
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    added_by   INTEGER REFERENCES accounts(id),
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, patient_id)
) WITHOUT ROWID;
CREATE INDEX roster_patient ON roster(patient_id);

CREATE TABLE incidents (
    id          INTEGER PRIMARY KEY,
    clinic_ids  TEXT NOT NULL DEFAULT '', -- comma-separated; '' for every clinic
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    text_fr     TEXT NOT NULL,
    text_en     TEXT NOT NULL,
    declared_by INTEGER REFERENCES accounts(id),
    declared_at INTEGER NOT NULL,
    notified    INTEGER NOT NULL DEFAULT 0,
    CHECK (ends_at > starts_at)
);

-- The outbox, and the record of what was sent.
CREATE TABLE messages (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    channel        TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    destination    TEXT NOT NULL,
    language       TEXT NOT NULL DEFAULT 'fr',
    appointment_id INTEGER REFERENCES appointments(id),
    revision       INTEGER NOT NULL DEFAULT 0,
    incident_id    INTEGER REFERENCES incidents(id),
    secret         TEXT NOT NULL DEFAULT '', -- a code or a link's token, wiped once sent
    due_at         INTEGER NOT NULL,
    status         TEXT NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'sending', 'sent', 'kept', 'failed', 'bounced', 'uncertain', 'skipped')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT '',
    subject        TEXT NOT NULL DEFAULT '',
    body           TEXT NOT NULL DEFAULT '',
    dispatched     INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    sent_at        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX messages_undispatched ON messages(id) WHERE dispatched = 0;
CREATE INDEX messages_appointment ON messages(appointment_id) WHERE appointment_id IS NOT NULL;
CREATE INDEX messages_status ON messages(status, id);
-- An outage tells an appointment once per channel, whatever happens after.
CREATE UNIQUE INDEX messages_incident_once ON messages(incident_id, appointment_id, channel) WHERE incident_id IS NOT NULL;

-- +goose Down
DROP TABLE messages;
DROP TABLE incidents;
DROP TABLE roster;
DROP TABLE account_people;
DROP TABLE signin_codes;
DROP TABLE patient_sessions;
DROP INDEX appointments_guest_guardian_phone;
DROP INDEX appointments_guest_guardian_email;
DROP INDEX appointments_guest_phone;
DROP INDEX appointments_guest_email;
DROP INDEX appointments_account;
ALTER TABLE appointments DROP COLUMN account_id;
ALTER TABLE appointments DROP COLUMN notify_sms;
ALTER TABLE appointments DROP COLUMN notify_email;
DROP TABLE patient_accounts;
