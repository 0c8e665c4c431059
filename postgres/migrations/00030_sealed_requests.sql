-- Appointment requests keep their patient's data sealed like the
-- patients' and appointments' tables (00029): the birth date becomes text
-- to hold its seal. The rows written before are sealed by the store when
-- it opens with its keys, or by rdv keys rotate.

-- +goose Up
ALTER TABLE requests ALTER COLUMN birth_date TYPE text USING to_char(birth_date, 'YYYY-MM-DD');

-- +goose Down
-- Values sealed since do not turn back into dates: they are erased to the
-- date kept for erased identities.
UPDATE requests SET birth_date = '0001-01-01' WHERE birth_date !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
ALTER TABLE requests ALTER COLUMN birth_date TYPE date USING birth_date::date;
