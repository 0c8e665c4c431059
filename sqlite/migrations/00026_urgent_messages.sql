-- The dispatcher reads the urgent messages first (rdv.UrgentKinds:
-- sign-in codes and proposals), so that each gets its delivery job at
-- once, not behind the confirmations that a burst of bookings leaves
-- undispatched by the thousand. This index holds the urgent ones alone,
-- while they wait: a booking's confirmation never enters it, and the
-- booking path pays nothing for it. The list of kinds is the store's
-- urgentKinds, word for word: SQLite uses a partial index only for a
-- query that repeats its condition.

-- +goose Up
CREATE INDEX messages_urgent ON messages(due_at) WHERE dispatched = 0 AND kind IN ('signin_code', 'proposal');

-- +goose Down
DROP INDEX messages_urgent;
