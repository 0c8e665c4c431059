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
-- their indexes computed, when a store next opens (seal_pending names the
-- tables it must go through, then is emptied), or by rdv keys rotate.
-- Until then a refusal's index holds its destination in clear, which is
-- the index a store without keys computes.

-- +goose Up
CREATE TABLE seal_pending (
    table_name text PRIMARY KEY
);
INSERT INTO seal_pending (table_name) VALUES ('messages'), ('signin_codes'), ('refused_destinations');

ALTER TABLE messages ADD COLUMN destination_index text NOT NULL DEFAULT '';

ALTER TABLE signin_codes ADD COLUMN destination_index text NOT NULL DEFAULT '';
ALTER TABLE signin_codes ALTER COLUMN destination SET DEFAULT '';
DROP INDEX signin_codes_destination;
CREATE INDEX signin_codes_destination ON signin_codes(destination_index, created_at);

ALTER TABLE refused_destinations ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE refused_destinations ADD COLUMN destination_index text;
UPDATE refused_destinations SET destination_index = destination;
ALTER TABLE refused_destinations ALTER COLUMN destination_index SET NOT NULL;
ALTER TABLE refused_destinations ALTER COLUMN destination SET DEFAULT '';
ALTER TABLE refused_destinations DROP CONSTRAINT refused_destinations_pkey;
ALTER TABLE refused_destinations ADD PRIMARY KEY (id);
ALTER TABLE refused_destinations ADD CONSTRAINT refused_destinations_destination UNIQUE (channel, destination_index);

-- +goose Down
-- Values sealed since stay sealed: the way back holds no key either. The
-- codes and refusals kept by their index alone name no destination any
-- more and are dropped: a code is asked again, an address that refuses
-- bounces once more.
DELETE FROM refused_destinations r WHERE r.destination = ''
    OR EXISTS (SELECT 1 FROM refused_destinations o WHERE o.channel = r.channel AND o.destination = r.destination AND o.id < r.id);
ALTER TABLE refused_destinations DROP CONSTRAINT refused_destinations_destination;
ALTER TABLE refused_destinations DROP CONSTRAINT refused_destinations_pkey;
ALTER TABLE refused_destinations DROP COLUMN id;
ALTER TABLE refused_destinations DROP COLUMN destination_index;
ALTER TABLE refused_destinations ALTER COLUMN destination DROP DEFAULT;
ALTER TABLE refused_destinations ADD PRIMARY KEY (channel, destination);

DROP INDEX signin_codes_destination;
DELETE FROM signin_codes WHERE destination = '';
ALTER TABLE signin_codes ALTER COLUMN destination DROP DEFAULT;
ALTER TABLE signin_codes DROP COLUMN destination_index;
CREATE INDEX signin_codes_destination ON signin_codes(destination, created_at);

ALTER TABLE messages DROP COLUMN destination_index;

DROP TABLE seal_pending;
