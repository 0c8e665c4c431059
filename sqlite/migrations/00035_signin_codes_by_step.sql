-- A sign-in code belongs to the sign-in step that asked it: the hash of
-- the step's token, which the asking browser holds in its sealed cookie.
-- A guess spends a try of its own step's code only, so a stranger who
-- asks codes for someone's address spends their own codes' tries, never
-- the code its owner asked. The hash is no patient data: like the code's
-- hash, it is kept as it is, outside fieldcrypt.Tables (the destination
-- stays cleared and found by its blind index). Codes asked before have
-- no step and are never found again; they die within their ten minutes.
-- The destination's codes of the hour, which the caps count per address,
-- are read through signin_codes_destination as before.

-- +goose Up
ALTER TABLE signin_codes ADD COLUMN step_hash TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE signin_codes DROP COLUMN step_hash;
