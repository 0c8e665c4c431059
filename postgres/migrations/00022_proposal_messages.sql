-- A proposal's own token, kept hashed: the request's token is kept
-- hashed too, so a message telling of a proposal cannot carry it; the
-- message carries the proposal's, which opens the request's page and
-- answers that proposal only. A message that offers a proposal names it,
-- so that it is skipped once the proposal is no longer live.

-- +goose Up
ALTER TABLE proposals ADD COLUMN token_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN proposal_id TEXT REFERENCES proposals(id);
CREATE INDEX messages_proposal ON messages(proposal_id) WHERE proposal_id IS NOT NULL;

-- +goose Down
DROP INDEX messages_proposal;
ALTER TABLE messages DROP COLUMN proposal_id;
ALTER TABLE proposals DROP COLUMN token_hash;
