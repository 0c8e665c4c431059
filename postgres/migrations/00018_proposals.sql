-- Requests the platform matches ("Trouvez-moi un rendez-vous"): when the
-- person is free, in the slot search's terms (until_at NULL for a request
-- filed before matching, which agents work by hand), where (scope), who
-- (the signed-in account and the person of its family, 0 for none) and
-- the hash of the token that its API calls carry.
--
-- A proposal is a slot held for a request (its hold has the proposal's
-- id). A request has at most one live proposal, and is never offered the
-- same slot twice: both are unique indexes, not only the matcher's care.

-- +goose Up
ALTER TABLE requests
    ADD COLUMN from_at               TIMESTAMPTZ,
    ADD COLUMN until_at              TIMESTAMPTZ,
    ADD COLUMN weekdays              SMALLINT NOT NULL DEFAULT 0,
    ADD COLUMN times                 TEXT     NOT NULL DEFAULT '',
    ADD COLUMN practitioner_language TEXT     NOT NULL DEFAULT '',
    ADD COLUMN scope                 TEXT     NOT NULL DEFAULT 'network',
    ADD COLUMN account_id            BIGINT   NOT NULL DEFAULT 0,
    ADD COLUMN person_id             BIGINT   NOT NULL DEFAULT 0,
    ADD COLUMN token_hash            TEXT     NOT NULL DEFAULT '';

CREATE TABLE proposals (
    id             TEXT        PRIMARY KEY,
    request_id     BIGINT      NOT NULL REFERENCES requests(id),
    slot_id        BIGINT      NOT NULL REFERENCES slots(id),
    status         TEXT        NOT NULL CHECK (status IN ('live', 'accepted', 'declined', 'expired')),
    created_at     TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL,
    appointment_id BIGINT      REFERENCES appointments(id)
);
CREATE UNIQUE INDEX proposals_one_live ON proposals(request_id) WHERE status = 'live';
CREATE UNIQUE INDEX proposals_slot_once ON proposals(request_id, slot_id);
CREATE INDEX proposals_live_expiry ON proposals(expires_at) WHERE status = 'live';

-- +goose Down
DROP TABLE proposals;
ALTER TABLE requests
    DROP COLUMN token_hash,
    DROP COLUMN person_id,
    DROP COLUMN account_id,
    DROP COLUMN scope,
    DROP COLUMN practitioner_language,
    DROP COLUMN times,
    DROP COLUMN weekdays,
    DROP COLUMN until_at,
    DROP COLUMN from_at;
