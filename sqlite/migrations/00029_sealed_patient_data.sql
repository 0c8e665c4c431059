-- Patient data sealed at rest (package fieldcrypt): names, birth dates,
-- health numbers, phones and emails are kept as "kN:" + base64 of a nonce
-- and an AES-256-GCM ciphertext, so that the columns say nothing to whoever
-- reads the file. Look-ups by equality and unique constraints move to
-- blind index columns (HMAC-SHA-256 of the normalised value under a key of
-- their own). The rows written before are sealed, and their indexes
-- computed, by the store when it opens with its keys (the migration cannot:
-- it holds no key).
--
-- data_keys keeps a check of every key that sealed here, so that a server
-- started with a wrong or missing key refuses to start.

-- +goose Up
CREATE TABLE data_keys (
    name        TEXT NOT NULL PRIMARY KEY, -- "index", "k1", "k2", …
    check_value TEXT NOT NULL
) WITHOUT ROWID;

-- The column's own UNIQUE stays (SQLite drops a column constraint only by
-- rebuilding the table that appointments and rosters point to); sealed
-- values never repeat, so it constrains nothing any more.
ALTER TABLE patients ADD COLUMN health_index TEXT; -- NULL when unknown
CREATE UNIQUE INDEX patients_health_index ON patients(health_index) WHERE health_index IS NOT NULL;

ALTER TABLE patient_accounts ADD COLUMN email_index TEXT;
ALTER TABLE patient_accounts ADD COLUMN phone_index TEXT;
DROP INDEX patient_accounts_email;
DROP INDEX patient_accounts_phone;
CREATE UNIQUE INDEX patient_accounts_email ON patient_accounts(email_index) WHERE email_index IS NOT NULL;
CREATE UNIQUE INDEX patient_accounts_phone ON patient_accounts(phone_index) WHERE phone_index IS NOT NULL;

ALTER TABLE appointments ADD COLUMN email_index TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN phone_index TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN guardian_email_index TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN guardian_phone_index TEXT NOT NULL DEFAULT '';
DROP INDEX appointments_guest_email;
DROP INDEX appointments_guest_phone;
DROP INDEX appointments_guest_guardian_email;
DROP INDEX appointments_guest_guardian_phone;
CREATE INDEX appointments_guest_email ON appointments(email_index) WHERE account_id IS NULL AND email_index <> '';
CREATE INDEX appointments_guest_phone ON appointments(phone_index) WHERE account_id IS NULL AND phone_index <> '';
CREATE INDEX appointments_guest_guardian_email ON appointments(guardian_email_index) WHERE account_id IS NULL AND guardian_email_index <> '';
CREATE INDEX appointments_guest_guardian_phone ON appointments(guardian_phone_index) WHERE account_id IS NULL AND guardian_phone_index <> '';

-- +goose Down
DROP INDEX appointments_guest_guardian_phone;
DROP INDEX appointments_guest_guardian_email;
DROP INDEX appointments_guest_phone;
DROP INDEX appointments_guest_email;
ALTER TABLE appointments DROP COLUMN guardian_phone_index;
ALTER TABLE appointments DROP COLUMN guardian_email_index;
ALTER TABLE appointments DROP COLUMN phone_index;
ALTER TABLE appointments DROP COLUMN email_index;
CREATE INDEX appointments_guest_email ON appointments(lower(email)) WHERE account_id IS NULL AND email <> '';
CREATE INDEX appointments_guest_phone ON appointments(phone) WHERE account_id IS NULL AND phone <> '';
CREATE INDEX appointments_guest_guardian_email ON appointments(lower(guardian_email)) WHERE account_id IS NULL AND guardian_email <> '';
CREATE INDEX appointments_guest_guardian_phone ON appointments(guardian_phone) WHERE account_id IS NULL AND guardian_phone <> '';
DROP INDEX patient_accounts_phone;
DROP INDEX patient_accounts_email;
ALTER TABLE patient_accounts DROP COLUMN phone_index;
ALTER TABLE patient_accounts DROP COLUMN email_index;
CREATE UNIQUE INDEX patient_accounts_email ON patient_accounts(email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX patient_accounts_phone ON patient_accounts(phone) WHERE phone IS NOT NULL;
DROP INDEX patients_health_index;
ALTER TABLE patients DROP COLUMN health_index;
DROP TABLE data_keys;
