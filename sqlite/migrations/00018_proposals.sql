-- Requests the platform matches ("Trouvez-moi un rendez-vous"): when the
-- person is free, in the slot search's terms (from_at and until_at are
-- unix milliseconds, until_at 0 for a request filed before matching,
-- which agents work by hand), where (scope), who (the signed-in account
-- and the person of its family, 0 for none) and the hash of the token
-- that its API calls carry.
--
-- A proposal is a slot held for a request (its hold has the proposal's
-- id). A request has at most one live proposal, and is never offered the
-- same slot twice: both are unique indexes, not only the matcher's care.

-- +goose Up
ALTER TABLE requests ADD COLUMN from_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN until_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN weekdays INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN times TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN practitioner_language TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN scope TEXT NOT NULL DEFAULT 'network';
ALTER TABLE requests ADD COLUMN account_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN person_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN token_hash TEXT NOT NULL DEFAULT '';

CREATE TABLE proposals (
    id             TEXT    PRIMARY KEY,
    request_id     INTEGER NOT NULL REFERENCES requests(id),
    slot_id        INTEGER NOT NULL REFERENCES slots(id),
    status         TEXT    NOT NULL CHECK (status IN ('live', 'accepted', 'declined', 'expired')),
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    appointment_id INTEGER REFERENCES appointments(id)
);
CREATE UNIQUE INDEX proposals_one_live ON proposals(request_id) WHERE status = 'live';
CREATE UNIQUE INDEX proposals_slot_once ON proposals(request_id, slot_id);
CREATE INDEX proposals_live_expiry ON proposals(expires_at) WHERE status = 'live';

-- +goose Down
DROP TABLE proposals;
ALTER TABLE requests DROP COLUMN token_hash;
ALTER TABLE requests DROP COLUMN person_id;
ALTER TABLE requests DROP COLUMN account_id;
ALTER TABLE requests DROP COLUMN scope;
ALTER TABLE requests DROP COLUMN practitioner_language;
ALTER TABLE requests DROP COLUMN times;
ALTER TABLE requests DROP COLUMN weekdays;
ALTER TABLE requests DROP COLUMN until_at;
ALTER TABLE requests DROP COLUMN from_at;
