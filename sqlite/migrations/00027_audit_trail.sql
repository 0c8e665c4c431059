-- The audit trail (package audit): who read or changed which patient
-- records, when and from where, as one hash chain. SQLite has one writer,
-- so one chain is enough: the writer appends a batch's entries just before
-- its commit, in the batch's transaction. Instants are unix milliseconds.
--
-- An entry is one narrow row; the booking path pays for it, for the row of
-- each patient it names in audit_patients (which answers "who accessed
-- this patient's record") and for the head row's update, no more: the
-- actor index leaves out the actors without an ID (visitors, links).
-- Triggers refuse to change or delete an entry: the trail is append-only.

-- +goose Up
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY,
    chain      INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id   INTEGER NOT NULL,
    address    TEXT NOT NULL,
    action     TEXT NOT NULL,
    records    TEXT NOT NULL,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
);
CREATE INDEX audit_events_actor ON audit_events(actor_kind, actor_id, id) WHERE actor_id <> 0;

CREATE TABLE audit_patients (
    patient_id INTEGER NOT NULL,
    event_id   INTEGER NOT NULL,
    PRIMARY KEY (patient_id, event_id)
) WITHOUT ROWID;

-- The head of each chain: its last entry's seq and hash. It starts at the
-- chain's genesis hash (audit.Genesis(0)).
CREATE TABLE audit_heads (
    chain INTEGER PRIMARY KEY,
    seq   INTEGER NOT NULL,
    hash  BLOB NOT NULL
);
INSERT INTO audit_heads (chain, seq, hash) VALUES (0, 0, X'aed0ebb454226a61c8d7bf53757a72ab860c6d42a880af5c9463a4c4596e152b');

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_patients_no_delete BEFORE DELETE ON audit_patients
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_heads;
DROP TABLE audit_patients;
DROP TABLE audit_events;
