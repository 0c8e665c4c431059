-- A booking writes its confirmation only, with the time of the reminder
-- it brings after it; the reminder's row is written when the
-- confirmation's delivery ends, in the transaction that records it. The
-- booking's transaction writes one message a channel instead of two.

-- +goose Up
ALTER TABLE messages ADD COLUMN reminder_at timestamptz;

-- +goose Down
ALTER TABLE messages DROP COLUMN reminder_at;
