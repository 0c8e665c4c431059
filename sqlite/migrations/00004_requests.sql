-- Appointment requests ("demandes"), accepted even when the database is
-- down: their reference is chosen when they are received, so replaying a
-- spooled request is idempotent on it. And the waiting room's shared
-- ticket sequence: every instance draws first-come numbers from it, and
-- the highest admitted number moves forward here. Instants are unix
-- milliseconds.

-- +goose Up
CREATE TABLE requests (
    id            INTEGER PRIMARY KEY,
    reference     TEXT    NOT NULL UNIQUE,
    first_name    TEXT    NOT NULL,
    last_name     TEXT    NOT NULL,
    birth_date    TEXT    NOT NULL,
    health_number TEXT    NOT NULL,
    phone         TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    language      TEXT    NOT NULL,
    service       TEXT    NOT NULL,
    place         TEXT    NOT NULL,
    lat           REAL    NOT NULL,
    lon           REAL    NOT NULL,
    radius_km     REAL    NOT NULL,
    availability  TEXT    NOT NULL,
    child         INTEGER NOT NULL,
    urgent        INTEGER NOT NULL,
    status        TEXT    NOT NULL,
    received_at   INTEGER NOT NULL
);
CREATE INDEX requests_status_received ON requests(status, received_at, id);

CREATE TABLE waitroom_tickets (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    issued_at INTEGER NOT NULL
);
CREATE TABLE waitroom_admitted (
    room    TEXT    PRIMARY KEY,
    through INTEGER NOT NULL
);

-- +goose Down
DROP TABLE waitroom_admitted;
DROP TABLE waitroom_tickets;
DROP INDEX requests_status_received;
DROP TABLE requests;
