-- A hold keeps the network address it was asked from, beside the browser
-- or account that asked (client_key): each browser may keep a few live
-- holds, and each address a ceiling many times higher, so that the
-- patients behind one carrier-grade NAT or hospital network each keep
-- their own few, while one machine minting browser ids is still bounded.
-- Holds placed before keep no address ('') and count for none.

-- +goose Up
ALTER TABLE holds ADD COLUMN address_key TEXT NOT NULL DEFAULT '';
-- The ceiling reads only active holds by address.
CREATE INDEX holds_address_active ON holds(address_key, expires_at) WHERE status = 'active';

-- +goose Down
DROP INDEX holds_address_active;
ALTER TABLE holds DROP COLUMN address_key;
