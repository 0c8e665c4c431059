-- The health number's own UNIQUE, kept by 00029, constrains nothing since
-- the values are sealed (a new nonce each time: they never repeat), and
-- uniqueness is patients_health_index's. It still cost every new patient
-- an insert into an index of random 60-character keys: in a booking that
-- adds its patient, about 8 % of the CPU (paired benchmark). SQLite drops
-- a column's constraint only by rebuilding its table, the documented way:
-- with foreign keys off, which a transaction cannot change, a new table
-- copied, the old one dropped, the new one renamed. The tables pointing
-- to patients name it, so they point to the new one.

-- +goose NO TRANSACTION
-- +goose Up
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE patients_rebuilt (
    id            INTEGER PRIMARY KEY,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    birth_date    TEXT NOT NULL,        -- sealed
    health_number TEXT,                 -- sealed; NULL when unknown
    phone         TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    language      TEXT NOT NULL DEFAULT 'fr',
    guardian_id   INTEGER REFERENCES patients(id),
    health_index  TEXT                  -- NULL when unknown
);
INSERT INTO patients_rebuilt (id, first_name, last_name, birth_date, health_number, phone, email, language, guardian_id, health_index)
    SELECT id, first_name, last_name, birth_date, health_number, phone, email, language, guardian_id, health_index FROM patients;
DROP TABLE patients;
ALTER TABLE patients_rebuilt RENAME TO patients;
CREATE UNIQUE INDEX patients_health_index ON patients(health_index) WHERE health_index IS NOT NULL;
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
-- Below 00029 values are in clear again and the constraint matters: an
-- index gives it back without a rebuild.
CREATE UNIQUE INDEX patients_health_number ON patients(health_number);
