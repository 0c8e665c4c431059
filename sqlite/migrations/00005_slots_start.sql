-- No query reads slots by start alone any more: the bookable scan reads
-- the table in order, and the agenda and overlap checks go through the
-- clinic and practitioner indexes. Dropping it saves a sort of every slot
-- when a network is loaded, and an index update per slot written.

-- +goose Up
DROP INDEX slots_start;

-- +goose Down
CREATE INDEX slots_start ON slots(start_utc);
