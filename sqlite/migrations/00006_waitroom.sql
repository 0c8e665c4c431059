-- The waiting room's shared queue keeps, beside the highest admitted
-- number, the last number issued (the ticket counter) and the instant
-- admission has been accounted up to, so that instances advancing it at
-- the same time admit at the platform's rate, not at each one's.
-- Instants are unix milliseconds.

-- +goose Up
ALTER TABLE waitroom_admitted ADD COLUMN issued INTEGER NOT NULL DEFAULT 0;
ALTER TABLE waitroom_admitted ADD COLUMN advanced_at INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE waitroom_admitted DROP COLUMN advanced_at;
ALTER TABLE waitroom_admitted DROP COLUMN issued;
