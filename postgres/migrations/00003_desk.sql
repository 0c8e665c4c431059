-- What the clinic desk records: slots that a working plan change withdrew
-- (kept, not deleted: holds and cancelled appointments refer to them, and
-- other instances must read their new state to drop them from search), and
-- when patients arrived or their visit was closed (fulfilled or no-show).

-- +goose Up
ALTER TABLE slots ADD COLUMN retired_at timestamptz;
ALTER TABLE appointments ADD COLUMN arrived_at timestamptz, ADD COLUMN closed_at timestamptz;
-- The agenda reads a clinic's slots by time; plan changes and overlap
-- checks read a practitioner's.
CREATE INDEX slots_clinic_start ON slots (clinic_id, start_at);
CREATE INDEX slots_practitioner_start ON slots (practitioner_id, start_at);

-- +goose Down
DROP INDEX slots_practitioner_start;
DROP INDEX slots_clinic_start;
ALTER TABLE appointments DROP COLUMN closed_at, DROP COLUMN arrived_at;
ALTER TABLE slots DROP COLUMN retired_at;
