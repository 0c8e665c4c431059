-- The staff's authenticator secrets and the clinics' webhook signing
-- secrets are sealed with the data keys, like patient data
-- (fieldcrypt.Tables): whoever reads the first computes the codes of the
-- second factor, whoever reads the second signs forged events. The
-- migration holds no key: the secrets stored before are sealed when the
-- store next opens with keys (seal_pending), or by rdv keys rotate. Sealed
-- values are longer than the column's base32, which SQLite's TEXT takes as
-- it is.

-- +goose Up
INSERT INTO seal_pending (table_name) VALUES ('staff_totp'), ('webhook_endpoints') ON CONFLICT DO NOTHING;

-- +goose Down
-- Sealed secrets stay sealed: a store with the keys opens them.
DELETE FROM seal_pending WHERE table_name IN ('staff_totp', 'webhook_endpoints');
