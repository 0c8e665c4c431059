-- An appointment says how its guardian is related to the child (parent,
-- legal guardian, other) and which card it was booked with: the patient's
-- own (''), the guardian's for a newborn without a card yet ('guardian'),
-- or none for a walk-in seen without a card at the desk ('none'). The
-- clinic reads both in the agenda and its export, and asks for the card at
-- the visit. Appointments booked before were all made on the patient's own
-- card.

-- +goose Up
ALTER TABLE appointments ADD COLUMN guardian_relationship TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN card TEXT NOT NULL DEFAULT '' CHECK (card IN ('', 'guardian', 'none'));

-- +goose Down
ALTER TABLE appointments DROP COLUMN card;
ALTER TABLE appointments DROP COLUMN guardian_relationship;
