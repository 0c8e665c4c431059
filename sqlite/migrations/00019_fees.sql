-- The finder fee of a request (a charge, at most one per request) and
-- its ledger: one row per movement (authorize, capture, void, refund),
-- written in the transaction that changes the charge's status. Amounts
-- are integer cents; a movement's signed amounts move the money held on
-- patients' payment methods and the money taken from them (rdv.LedgerEntry
-- says how the ledger balances). No card data is kept: the provider's
-- references only. Instants are unix milliseconds (0: not yet).
--
-- A charge moves at most once of each kind (ledger_charge_move), and
-- each movement carries the idempotency key the provider is given: a
-- retry after a crash finds its row and moves nothing twice. Ledger rows
-- are never deleted, and only the provider's acknowledgement
-- (provider_ref, settled_at) is ever written to them after.

-- +goose Up
CREATE TABLE charges (
    id            INTEGER PRIMARY KEY,
    request_id    INTEGER NOT NULL UNIQUE REFERENCES requests(id),
    fee_cents     INTEGER NOT NULL CHECK (fee_cents > 0),
    gst_cents     INTEGER NOT NULL CHECK (gst_cents >= 0),
    qst_cents     INTEGER NOT NULL CHECK (qst_cents >= 0),
    total_cents   INTEGER NOT NULL CHECK (total_cents = fee_cents + gst_cents + qst_cents),
    currency      TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('authorized', 'captured', 'voided', 'refunded')),
    provider_ref  TEXT    NOT NULL,
    authorized_at INTEGER NOT NULL,
    captured_at   INTEGER NOT NULL DEFAULT 0,
    voided_at     INTEGER NOT NULL DEFAULT 0,
    refunded_at   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE fee_ledger (
    id           INTEGER PRIMARY KEY,
    charge_id    INTEGER NOT NULL REFERENCES charges(id),
    move         TEXT    NOT NULL CHECK (move IN ('authorize', 'capture', 'void', 'refund')),
    held_cents   INTEGER NOT NULL,
    paid_cents   INTEGER NOT NULL,
    idem_key     TEXT    NOT NULL UNIQUE,
    at           INTEGER NOT NULL,
    provider_ref TEXT    NOT NULL DEFAULT '',
    settled_at   INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX fee_ledger_charge_move ON fee_ledger(charge_id, move);
CREATE INDEX fee_ledger_unsettled ON fee_ledger(id) WHERE settled_at = 0;

-- +goose StatementBegin
CREATE TRIGGER fee_ledger_no_delete BEFORE DELETE ON fee_ledger
BEGIN
    SELECT RAISE(ABORT, 'fee_ledger rows are never deleted');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER fee_ledger_no_rewrite BEFORE UPDATE OF id, charge_id, move, held_cents, paid_cents, idem_key, at ON fee_ledger
BEGIN
    SELECT RAISE(ABORT, 'fee_ledger movements are never rewritten');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER fee_ledger_no_rewrite;
DROP TRIGGER fee_ledger_no_delete;
DROP INDEX fee_ledger_unsettled;
DROP INDEX fee_ledger_charge_move;
DROP TABLE fee_ledger;
DROP TABLE charges;
