-- What a clinic's own systems use: API tokens and calendar feeds (one
-- table: both are secrets kept only as their hash, listed by their
-- prefix, revoked for good), webhook endpoints, the events of the
-- clinics' appointments and their deliveries. Instants are unix
-- milliseconds; 0 is none.
--
-- An event is written by the booking write that makes it, in its
-- transaction, and only while some endpoint is live (webhook_events is
-- empty on a network without endpoints): one row per change, whatever
-- the number of endpoints. The dispatcher fans it out into one delivery
-- per endpoint that wants it, off the booking path.

-- +goose Up
CREATE TABLE clinic_tokens (
    id              INTEGER PRIMARY KEY,
    clinic_id       INTEGER NOT NULL REFERENCES clinics(id),
    kind            TEXT NOT NULL CHECK (kind IN ('api', 'feed')),
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    scopes          TEXT NOT NULL DEFAULT '', -- space-separated
    practitioner_id INTEGER REFERENCES practitioners(id),
    created_by      INTEGER REFERENCES accounts(id),
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER NOT NULL DEFAULT 0,
    revoked_at      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX clinic_tokens_clinic ON clinic_tokens(clinic_id, kind, id);

CREATE TABLE webhook_endpoints (
    id         INTEGER PRIMARY KEY,
    clinic_id  INTEGER NOT NULL REFERENCES clinics(id),
    url        TEXT NOT NULL,
    events     TEXT NOT NULL, -- ',appointment.booked,appointment.cancelled,': one instr() tells
    secret     TEXT NOT NULL,
    created_by INTEGER REFERENCES accounts(id),
    created_at INTEGER NOT NULL,
    removed_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_endpoints_live ON webhook_endpoints(clinic_id) WHERE removed_at = 0;

CREATE TABLE webhook_events (
    id              INTEGER PRIMARY KEY,
    type            TEXT NOT NULL,
    clinic_id       INTEGER NOT NULL,
    appointment_id  INTEGER NOT NULL,
    practitioner_id INTEGER NOT NULL,
    service         TEXT NOT NULL,
    start_at        INTEGER NOT NULL,
    end_at          INTEGER NOT NULL,
    previous_start  INTEGER NOT NULL DEFAULT 0,
    previous_end    INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL,
    occurred_at     INTEGER NOT NULL,
    fanned_out      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_events_waiting ON webhook_events(id) WHERE fanned_out = 0;

CREATE TABLE webhook_deliveries (
    id           INTEGER PRIMARY KEY,
    event_id     INTEGER NOT NULL REFERENCES webhook_events(id),
    endpoint_id  INTEGER NOT NULL REFERENCES webhook_endpoints(id),
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'retrying', 'delivered', 'failed')),
    queued       INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_code    INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_attempt INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_unqueued ON webhook_deliveries(id) WHERE queued = 0;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhook_endpoints;
DROP TABLE clinic_tokens;
