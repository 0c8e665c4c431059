-- What the clinic desk records: slots that a working plan change withdrew
-- (kept, not deleted, because holds and cancelled appointments refer to
-- them and other readers may still hold their IDs), and when patients
-- arrived or their visit was closed (fulfilled or no-show). Instants are
-- unix milliseconds.

-- +goose Up
ALTER TABLE slots ADD COLUMN retired_at INTEGER;
ALTER TABLE appointments ADD COLUMN arrived_at INTEGER;
ALTER TABLE appointments ADD COLUMN closed_at INTEGER;
-- The agenda and the overlap checks read a practitioner's slots by time.
CREATE INDEX slots_practitioner_start ON slots(practitioner_id, start_utc);

-- +goose Down
DROP INDEX slots_practitioner_start;
ALTER TABLE appointments DROP COLUMN closed_at;
ALTER TABLE appointments DROP COLUMN arrived_at;
ALTER TABLE slots DROP COLUMN retired_at;
