-- The audit trail (package audit): who read or changed which patient
-- records, when and from where, as hash chains.
--
-- Several instances write at once, and an entry is linked to the one
-- before it in its chain while the head row of that chain is locked until
-- the commit: one chain would make every audited write in the network
-- wait for the one before it to commit. The trail is therefore 16 chains;
-- a transaction appends its entry to one picked at random, so that two
-- writes wait for each other only when they pick the same chain, and the
-- lock is taken by the transaction's last statement. Each chain is in
-- commit order, since the next writer of a chain reads its head only
-- after the last one committed.
--
-- An entry is one narrow row, linked by the statement that moves its head
-- (sha256 of the previous hash and of the content's hash, computed by the
-- writer): no round trip more. audit_patients answers "who accessed this
-- patient's record"; the actor index leaves out actors without an ID.
-- Triggers refuse to change or delete an entry: the trail is append-only.

-- +goose Up
CREATE TABLE audit_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chain      integer NOT NULL,
    seq        bigint NOT NULL,
    at         timestamptz NOT NULL,
    actor_kind text NOT NULL,
    actor_id   bigint NOT NULL,
    address    text NOT NULL,
    action     text NOT NULL,
    records    text NOT NULL,
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL
);
CREATE INDEX audit_events_actor ON audit_events(actor_kind, actor_id, id) WHERE actor_id <> 0;

CREATE TABLE audit_patients (
    patient_id bigint NOT NULL,
    event_id   bigint NOT NULL,
    PRIMARY KEY (patient_id, event_id)
);

-- Each chain's head: its last entry's seq and hash, and the hash before
-- it (prev_hash), which the appending UPDATE returns for the entry. A
-- chain starts at its genesis hash (audit.Genesis).
CREATE TABLE audit_heads (
    chain     integer PRIMARY KEY,
    seq       bigint NOT NULL,
    hash      bytea NOT NULL,
    prev_hash bytea NOT NULL
);
INSERT INTO audit_heads (chain, seq, hash, prev_hash)
SELECT g, 0, sha256(convert_to('rdv-audit-1 chain ' || g, 'UTF8')), ''::bytea FROM generate_series(0, 15) AS g;

-- +goose StatementBegin
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_patients_append_only BEFORE UPDATE OR DELETE ON audit_patients
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- +goose Down
DROP TABLE audit_heads;
DROP TABLE audit_patients;
DROP TABLE audit_events;
DROP FUNCTION audit_append_only();
