-- The notification tables keep patient data sealed like the patients'
-- tables (00029): a message's destination, secret, subject, body and last
-- error are sealed, and a blind index of its destination (an email's or a
-- phone's, as its channel says) finds an account's messages. Sign-in codes
-- and refused destinations are found by their destination's index alone:
-- their destination column keeps a value only when written without keys
-- (or before this step), until the store computes its index and empties
-- it. A refusal's error, the server's answer, may quote the address: it is
-- sealed. refused_destinations is keyed by the index, with an ID of its
-- own for the rotation's batches.
--
-- The migration holds no key: the rows written before are sealed, and
-- their indexes computed, when the store next opens (seal_pending names
-- the tables it must go through, then is emptied), or by rdv keys rotate.
-- Until then a refusal's index holds its destination in clear, which is
-- the index a store without keys computes.

-- +goose Up
-- Pages freed by the dropped index and table are overwritten with zeros,
-- so that the destinations they held do not stay in the file. The setting
-- lasts as long as the migration's connection.
PRAGMA secure_delete = ON;

CREATE TABLE seal_pending (
    table_name TEXT NOT NULL PRIMARY KEY
) WITHOUT ROWID;
INSERT INTO seal_pending (table_name) VALUES ('messages'), ('signin_codes'), ('refused_destinations');

ALTER TABLE messages ADD COLUMN destination_index TEXT NOT NULL DEFAULT '';

ALTER TABLE signin_codes ADD COLUMN destination_index TEXT NOT NULL DEFAULT '';
DROP INDEX signin_codes_destination;
CREATE INDEX signin_codes_destination ON signin_codes(destination_index, created_at);

CREATE TABLE refused_destinations_sealed (
    id                INTEGER PRIMARY KEY,
    channel           TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    destination_index TEXT NOT NULL,
    destination       TEXT NOT NULL DEFAULT '', -- in clear until indexed under keys, then ''
    refused_at        INTEGER NOT NULL,
    error             TEXT NOT NULL DEFAULT '', -- sealed: the server's answer to the first refused message
    UNIQUE (channel, destination_index)
);
INSERT INTO refused_destinations_sealed (channel, destination_index, destination, refused_at, error)
    SELECT channel, destination, destination, refused_at, error FROM refused_destinations;
DROP TABLE refused_destinations;
ALTER TABLE refused_destinations_sealed RENAME TO refused_destinations;

-- +goose Down
-- Values sealed since stay sealed: the way back holds no key either. The
-- codes and refusals kept by their index alone name no destination any
-- more and are dropped: a code is asked again, an address that refuses
-- bounces once more.
PRAGMA secure_delete = ON;
CREATE TABLE refused_destinations_clear (
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    destination TEXT NOT NULL,
    refused_at  INTEGER NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (channel, destination)
) WITHOUT ROWID;
INSERT INTO refused_destinations_clear (channel, destination, refused_at, error)
    SELECT channel, destination, refused_at, error FROM refused_destinations WHERE destination <> ''
    ON CONFLICT (channel, destination) DO NOTHING;
DROP TABLE refused_destinations;
ALTER TABLE refused_destinations_clear RENAME TO refused_destinations;

DROP INDEX signin_codes_destination;
DELETE FROM signin_codes WHERE destination = '';
ALTER TABLE signin_codes DROP COLUMN destination_index;
CREATE INDEX signin_codes_destination ON signin_codes(destination, created_at);

ALTER TABLE messages DROP COLUMN destination_index;

DROP TABLE seal_pending;
