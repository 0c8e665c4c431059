-- The dispatcher makes delivery jobs only for the messages due soon: a
-- reminder gets its job when its time nears. It reads the undispatched
-- messages by due time, and the index by id alone goes: one index less
-- for every message a booking writes.

-- +goose Up
CREATE INDEX messages_undispatched_due ON messages(due_at) WHERE dispatched = 0;
DROP INDEX messages_undispatched;

-- +goose Down
CREATE INDEX messages_undispatched ON messages(id) WHERE dispatched = 0;
DROP INDEX messages_undispatched_due;
