-- The waiting room's shared queue keeps, beside the highest admitted
-- number, the instant admission has been accounted up to, so that
-- instances advancing it at the same time admit at the platform's rate,
-- not at each one's. Numbers are drawn from the waitroom_tickets sequence.

-- +goose Up
ALTER TABLE waitroom_admitted ADD COLUMN advanced_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE waitroom_admitted DROP COLUMN advanced_at;
