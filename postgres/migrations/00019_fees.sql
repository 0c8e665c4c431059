-- The finder fee of a request (a charge, at most one per request) and
-- its ledger: one row per movement (authorize, capture, void, refund),
-- written in the transaction that changes the charge's status. Amounts
-- are integer cents; a movement's signed amounts move the money held on
-- patients' payment methods and the money taken from them (rdv.LedgerEntry
-- says how the ledger balances). No card data is kept: the provider's
-- references only. A movement not made yet has no time (NULL).
--
-- A charge moves at most once of each kind (fee_ledger_charge_move), and
-- each movement carries the idempotency key the provider is given: a
-- retry after a crash finds its row and moves nothing twice. Ledger rows
-- are never deleted, and only the provider's acknowledgement
-- (provider_ref, settled_at) is ever written to them after.

-- +goose Up
CREATE TABLE charges (
    id            BIGSERIAL   PRIMARY KEY,
    request_id    BIGINT      NOT NULL UNIQUE REFERENCES requests(id),
    fee_cents     BIGINT      NOT NULL CHECK (fee_cents > 0),
    gst_cents     BIGINT      NOT NULL CHECK (gst_cents >= 0),
    qst_cents     BIGINT      NOT NULL CHECK (qst_cents >= 0),
    total_cents   BIGINT      NOT NULL CHECK (total_cents = fee_cents + gst_cents + qst_cents),
    currency      TEXT        NOT NULL,
    status        TEXT        NOT NULL CHECK (status IN ('authorized', 'captured', 'voided', 'refunded')),
    provider_ref  TEXT        NOT NULL,
    authorized_at TIMESTAMPTZ NOT NULL,
    captured_at   TIMESTAMPTZ,
    voided_at     TIMESTAMPTZ,
    refunded_at   TIMESTAMPTZ
);

CREATE TABLE fee_ledger (
    id           BIGSERIAL   PRIMARY KEY,
    charge_id    BIGINT      NOT NULL REFERENCES charges(id),
    move         TEXT        NOT NULL CHECK (move IN ('authorize', 'capture', 'void', 'refund')),
    held_cents   BIGINT      NOT NULL,
    paid_cents   BIGINT      NOT NULL,
    idem_key     TEXT        NOT NULL UNIQUE,
    at           TIMESTAMPTZ NOT NULL,
    provider_ref TEXT        NOT NULL DEFAULT '',
    settled_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX fee_ledger_charge_move ON fee_ledger(charge_id, move);
CREATE INDEX fee_ledger_unsettled ON fee_ledger(id) WHERE settled_at IS NULL;

-- +goose StatementBegin
CREATE FUNCTION fee_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'fee_ledger rows are never deleted';
    END IF;
    IF (NEW.id, NEW.charge_id, NEW.move, NEW.held_cents, NEW.paid_cents, NEW.idem_key, NEW.at)
       IS DISTINCT FROM (OLD.id, OLD.charge_id, OLD.move, OLD.held_cents, OLD.paid_cents, OLD.idem_key, OLD.at) THEN
        RAISE EXCEPTION 'fee_ledger movements are never rewritten';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER fee_ledger_append_only BEFORE UPDATE OR DELETE ON fee_ledger
    FOR EACH ROW EXECUTE FUNCTION fee_ledger_append_only();

-- +goose Down
DROP TRIGGER fee_ledger_append_only ON fee_ledger;
DROP FUNCTION fee_ledger_append_only();
DROP INDEX fee_ledger_unsettled;
DROP INDEX fee_ledger_charge_move;
DROP TABLE fee_ledger;
DROP TABLE charges;
