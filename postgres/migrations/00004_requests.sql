-- Appointment requests ("demandes"), accepted even when the database is
-- down: their reference is chosen when they are received, so replaying a
-- spooled request is idempotent on it. And the waiting room's shared
-- ticket sequence: every instance draws first-come numbers from it, and
-- the highest admitted number moves forward here.

-- +goose Up
CREATE TABLE requests (
    id            BIGSERIAL PRIMARY KEY,
    reference     TEXT             NOT NULL UNIQUE,
    first_name    TEXT             NOT NULL,
    last_name     TEXT             NOT NULL,
    birth_date    DATE             NOT NULL,
    health_number TEXT             NOT NULL,
    phone         TEXT             NOT NULL,
    email         TEXT             NOT NULL,
    language      TEXT             NOT NULL,
    service       TEXT             NOT NULL,
    place         TEXT             NOT NULL,
    lat           DOUBLE PRECISION NOT NULL,
    lon           DOUBLE PRECISION NOT NULL,
    radius_km     DOUBLE PRECISION NOT NULL,
    availability  TEXT             NOT NULL,
    child         BOOLEAN          NOT NULL,
    urgent        BOOLEAN          NOT NULL,
    status        TEXT             NOT NULL,
    received_at   TIMESTAMPTZ      NOT NULL
);
CREATE INDEX requests_status_received ON requests(status, received_at, id);

CREATE SEQUENCE waitroom_tickets;
CREATE TABLE waitroom_admitted (
    room    TEXT   PRIMARY KEY,
    through BIGINT NOT NULL
);

-- +goose Down
DROP TABLE waitroom_admitted;
DROP SEQUENCE waitroom_tickets;
DROP INDEX requests_status_received;
DROP TABLE requests;
