-- Patients the platform knows and reaches: patient accounts that sign in
-- with a one-time code, the people they book for, the clinics' rosters,
-- and the outbox of messages (confirmations, reminders, codes, outage
-- notices) with the record of what was sent. Shared by every
-- instance.

-- +goose Up
CREATE TABLE patient_accounts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email        text,              -- verified, lower case
    phone        text,              -- verified, E.164
    language     text NOT NULL DEFAULT 'fr',
    notify_email boolean NOT NULL DEFAULT true,
    notify_sms   boolean NOT NULL DEFAULT false,
    consent_at   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL,
    CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
CREATE UNIQUE INDEX patient_accounts_email ON patient_accounts(email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX patient_accounts_phone ON patient_accounts(phone) WHERE phone IS NOT NULL;

-- The channels a booking chose to hear on (the consent's record, given
-- when it was made), and the patient account it belongs to.
ALTER TABLE appointments ADD COLUMN notify_email boolean NOT NULL DEFAULT false;
ALTER TABLE appointments ADD COLUMN notify_sms boolean NOT NULL DEFAULT false;
ALTER TABLE appointments ADD COLUMN account_id bigint REFERENCES patient_accounts(id);
CREATE INDEX appointments_account ON appointments(account_id) WHERE account_id IS NOT NULL;
-- Bookings made without an account join one when their contact is verified.
CREATE INDEX appointments_guest_email ON appointments(lower(email)) WHERE account_id IS NULL AND email <> '';
CREATE INDEX appointments_guest_phone ON appointments(phone) WHERE account_id IS NULL AND phone <> '';
CREATE INDEX appointments_guest_guardian_email ON appointments(lower(guardian_email)) WHERE account_id IS NULL AND guardian_email <> '';
CREATE INDEX appointments_guest_guardian_phone ON appointments(guardian_phone) WHERE account_id IS NULL AND guardian_phone <> '';

CREATE TABLE patient_sessions (
    token_hash text PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES patient_accounts(id),
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX patient_sessions_expiry ON patient_sessions(expires_at);

-- A code's hash only; the message that carries it keeps it until it leaves.
CREATE TABLE signin_codes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel     text NOT NULL CHECK (channel IN ('email', 'sms')),
    destination text NOT NULL,
    code_hash   text NOT NULL,
    address_key text NOT NULL DEFAULT '',
    tries       integer NOT NULL DEFAULT 0,
    used        boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX signin_codes_destination ON signin_codes(destination, created_at);
CREATE INDEX signin_codes_address ON signin_codes(address_key, created_at) WHERE address_key <> '';

-- The people an account books for: the holder ('self') and dependents.
CREATE TABLE account_people (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    bigint NOT NULL REFERENCES patient_accounts(id),
    first_name    text NOT NULL,
    last_name     text NOT NULL,
    birth_date    text NOT NULL,
    health_number text NOT NULL DEFAULT '',
    relationship  text NOT NULL CHECK (relationship IN ('self', 'parent', 'legal_guardian', 'other')),
    created_at    timestamptz NOT NULL
);
CREATE INDEX account_people_account ON account_people(account_id);
CREATE UNIQUE INDEX account_people_self ON account_people(account_id) WHERE relationship = 'self';

CREATE TABLE roster (
    clinic_id  bigint NOT NULL REFERENCES clinics(id),
    patient_id bigint NOT NULL REFERENCES patients(id),
    added_by   bigint REFERENCES accounts(id),
    added_at   timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, patient_id)
);
CREATE INDEX roster_patient ON roster(patient_id);

CREATE TABLE incidents (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_ids  bigint[] NOT NULL DEFAULT '{}', -- none: every clinic
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    text_fr     text NOT NULL,
    text_en     text NOT NULL,
    declared_by bigint REFERENCES accounts(id),
    declared_at timestamptz NOT NULL,
    notified    integer NOT NULL DEFAULT 0,
    CHECK (ends_at > starts_at)
);

-- The outbox, and the record of what was sent.
CREATE TABLE messages (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           text NOT NULL,
    channel        text NOT NULL CHECK (channel IN ('email', 'sms')),
    destination    text NOT NULL,
    language       text NOT NULL DEFAULT 'fr',
    appointment_id bigint REFERENCES appointments(id),
    revision       integer NOT NULL DEFAULT 0,
    incident_id    bigint REFERENCES incidents(id),
    secret         text NOT NULL DEFAULT '', -- a code or a link's token, wiped once sent
    due_at         timestamptz NOT NULL,
    status         text NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'sending', 'sent', 'kept', 'failed', 'bounced', 'uncertain', 'skipped')),
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text NOT NULL DEFAULT '',
    subject        text NOT NULL DEFAULT '',
    body           text NOT NULL DEFAULT '',
    dispatched     boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL,
    sent_at        timestamptz
);
CREATE INDEX messages_undispatched ON messages(id) WHERE NOT dispatched;
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
ALTER TABLE appointments DROP COLUMN account_id;
ALTER TABLE appointments DROP COLUMN notify_sms;
ALTER TABLE appointments DROP COLUMN notify_email;
DROP TABLE patient_accounts;
