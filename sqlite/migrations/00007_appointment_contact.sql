-- An appointment keeps the details its booking gave: the name as given,
-- the birth date, how to reach the person and in which language, and the
-- same for the guardian who booked for a child. They are who the clinic
-- calls about this appointment. A booking never changes the patient row it
-- is filed under (found or created by health number): one person's booking
-- cannot rewrite another's identity or contact details.
-- Existing appointments take the details of their patient rows as they
-- stand now.

-- +goose Up
ALTER TABLE appointments ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN birth_date TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN language TEXT NOT NULL DEFAULT 'fr';
ALTER TABLE appointments ADD COLUMN guardian_first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN guardian_last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN guardian_birth_date TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN guardian_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN guardian_email TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN guardian_language TEXT NOT NULL DEFAULT 'fr';
UPDATE appointments SET first_name = p.first_name, last_name = p.last_name, birth_date = p.birth_date,
    phone = p.phone, email = p.email, language = p.language
FROM patients p WHERE p.id = appointments.patient_id;
UPDATE appointments SET guardian_first_name = g.first_name, guardian_last_name = g.last_name, guardian_birth_date = g.birth_date,
    guardian_phone = g.phone, guardian_email = g.email, guardian_language = g.language
FROM patients g WHERE g.id = appointments.guardian_id;

-- +goose Down
ALTER TABLE appointments DROP COLUMN guardian_language;
ALTER TABLE appointments DROP COLUMN guardian_email;
ALTER TABLE appointments DROP COLUMN guardian_phone;
ALTER TABLE appointments DROP COLUMN guardian_birth_date;
ALTER TABLE appointments DROP COLUMN guardian_last_name;
ALTER TABLE appointments DROP COLUMN guardian_first_name;
ALTER TABLE appointments DROP COLUMN language;
ALTER TABLE appointments DROP COLUMN email;
ALTER TABLE appointments DROP COLUMN phone;
ALTER TABLE appointments DROP COLUMN birth_date;
ALTER TABLE appointments DROP COLUMN last_name;
ALTER TABLE appointments DROP COLUMN first_name;
