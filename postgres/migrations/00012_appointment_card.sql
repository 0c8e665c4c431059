-- An appointment says how its guardian is related to the child (parent,
-- legal guardian, other) and which card it was booked with: the patient's
-- own (''), the guardian's for a newborn without a card yet ('guardian'),
-- or none for a walk-in seen without a card at the desk ('none'). The
-- clinic reads both in the agenda and its export, and asks for the card at
-- the visit. Appointments booked before were all made on the patient's own
-- card.
-- A guardian need not give a birth date: the patient row of a guardian
-- who gives none has none.

-- +goose Up
ALTER TABLE appointments ADD COLUMN guardian_relationship text NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN card text NOT NULL DEFAULT '' CHECK (card IN ('', 'guardian', 'none'));
ALTER TABLE patients ALTER COLUMN birth_date DROP NOT NULL;

-- +goose Down
UPDATE patients SET birth_date = '0001-01-01' WHERE birth_date IS NULL;
ALTER TABLE patients ALTER COLUMN birth_date SET NOT NULL;
ALTER TABLE appointments DROP COLUMN card;
ALTER TABLE appointments DROP COLUMN guardian_relationship;
