-- The dispatcher reads the urgent messages first (rdv.UrgentKinds:
-- sign-in codes and proposals), so that each gets its delivery job at
-- once, not behind the confirmations that a burst of bookings leaves
-- undispatched by the thousand. This index holds the urgent ones alone,
-- while they wait: a booking's confirmation never enters it, and the
-- booking path pays nothing for it. The list of kinds is the store's
-- urgentKinds, word for word, written in the query rather than passed
-- as a parameter: the planner uses a partial index only for a condition
-- it can see implies the index's.

-- +goose Up
CREATE INDEX messages_urgent ON messages(due_at, id) WHERE NOT dispatched AND kind IN ('signin_code', 'proposal');

-- +goose Down
DROP INDEX messages_urgent;
