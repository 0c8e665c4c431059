-- Appointment requests keep their patient's data sealed like the
-- patients' and appointments' tables (00029). Their columns are text
-- already and need no change here (PostgreSQL's birth date does); the rows
-- written before are sealed by the store when it opens with its keys, or
-- by rdv keys rotate. This step keeps both stores' schema versions in
-- step.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
