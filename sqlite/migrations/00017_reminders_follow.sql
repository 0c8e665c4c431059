-- A booking writes its confirmation only, with the time of the reminder
-- it brings after it; the reminder's row is written when the
-- confirmation's delivery ends, in the transaction that records it. The
-- booking's transaction writes one message a channel instead of two: the
-- outbox's share of the booking path halves. Instants are unix
-- milliseconds; 0 is none.
--
-- Operators list messages by status only to find those that need them
-- (failed, bounced, uncertain): the index by status becomes one of those
-- alone, which a booking's confirmation never enters. The list of
-- statuses is the store's attentionStatuses, word for word: SQLite uses
-- a partial index only for a query that repeats its condition.

-- +goose Up
ALTER TABLE messages ADD COLUMN reminder_at INTEGER NOT NULL DEFAULT 0;
DROP INDEX messages_status;
CREATE INDEX messages_attention ON messages(id) WHERE status IN ('failed', 'bounced', 'uncertain');

-- +goose Down
DROP INDEX messages_attention;
CREATE INDEX messages_status ON messages(status, id);
ALTER TABLE messages DROP COLUMN reminder_at;
