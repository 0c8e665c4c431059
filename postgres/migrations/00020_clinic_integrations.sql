-- What a clinic's own systems use: API tokens and calendar feeds (one
-- table: both are secrets kept only as their hash, listed by their
-- prefix, revoked for good), webhook endpoints, the events of the
-- clinics' appointments and their deliveries.
--
-- An event is written by the booking write that makes it, in its
-- statement or its transaction, and only when the clinic has a live
-- endpoint that wants it (an index of the live endpoints by clinic makes
-- the test one probe): one row per change, whatever the number of
-- endpoints. The dispatcher fans it out into one delivery per endpoint,
-- off the booking path.

-- +goose Up
CREATE TABLE clinic_tokens (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id       bigint NOT NULL REFERENCES clinics (id),
    kind            text NOT NULL CHECK (kind IN ('api', 'feed')),
    name            text NOT NULL,
    prefix          text NOT NULL,
    token_hash      text NOT NULL UNIQUE,
    scopes          text[] NOT NULL DEFAULT '{}',
    practitioner_id bigint REFERENCES practitioners (id),
    created_by      bigint REFERENCES accounts (id),
    created_at      timestamptz NOT NULL,
    last_used_at    timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX clinic_tokens_clinic ON clinic_tokens (clinic_id, kind, id);

CREATE TABLE webhook_endpoints (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id  bigint NOT NULL REFERENCES clinics (id),
    url        text NOT NULL,
    events     text[] NOT NULL,
    secret     text NOT NULL,
    created_by bigint REFERENCES accounts (id),
    created_at timestamptz NOT NULL,
    removed_at timestamptz
);
CREATE INDEX webhook_endpoints_live ON webhook_endpoints (clinic_id) WHERE removed_at IS NULL;

CREATE TABLE webhook_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type            text NOT NULL,
    clinic_id       bigint NOT NULL,
    appointment_id  bigint NOT NULL,
    practitioner_id bigint NOT NULL,
    service         text NOT NULL,
    start_at        timestamptz NOT NULL,
    end_at          timestamptz NOT NULL,
    previous_start  timestamptz,
    previous_end    timestamptz,
    status          text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    fanned_out      boolean NOT NULL DEFAULT false
);
CREATE INDEX webhook_events_waiting ON webhook_events (id) WHERE NOT fanned_out;

CREATE TABLE webhook_deliveries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     bigint NOT NULL REFERENCES webhook_events (id),
    endpoint_id  bigint NOT NULL REFERENCES webhook_endpoints (id),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'retrying', 'delivered', 'failed')),
    queued       boolean NOT NULL DEFAULT false,
    attempts     integer NOT NULL DEFAULT 0,
    last_code    integer NOT NULL DEFAULT 0,
    last_error   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    last_attempt timestamptz,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_unqueued ON webhook_deliveries (id) WHERE NOT queued;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhook_endpoints;
DROP TABLE clinic_tokens;
