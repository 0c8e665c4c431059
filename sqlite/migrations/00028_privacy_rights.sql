-- Law 25's records: the history of each account's consent to be told by
-- email and by text message, and the register of confidentiality
-- incidents that operators keep. Instants are unix milliseconds.
--
-- The consent's history is written by the database itself, in the
-- transaction that makes an account or changes its channels, so that no
-- code path that changes the channels can forget it. An account made
-- records the channels it starts with; a change records the channel
-- given or withdrawn, at the time of the choice (consent_at).

-- +goose Up
CREATE TABLE notification_consents (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES patient_accounts(id),
    channel    TEXT    NOT NULL CHECK (channel IN ('email', 'sms')),
    given      INTEGER NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX notification_consents_account ON notification_consents(account_id, at);

INSERT INTO notification_consents (account_id, channel, given, at)
    SELECT id, 'email', 1, consent_at FROM patient_accounts WHERE notify_email = 1;
INSERT INTO notification_consents (account_id, channel, given, at)
    SELECT id, 'sms', 1, consent_at FROM patient_accounts WHERE notify_sms = 1;

-- +goose StatementBegin
CREATE TRIGGER patient_accounts_consent_new AFTER INSERT ON patient_accounts
BEGIN
    INSERT INTO notification_consents (account_id, channel, given, at)
        SELECT NEW.id, 'email', 1, NEW.consent_at WHERE NEW.notify_email = 1;
    INSERT INTO notification_consents (account_id, channel, given, at)
        SELECT NEW.id, 'sms', 1, NEW.consent_at WHERE NEW.notify_sms = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER patient_accounts_consent_email AFTER UPDATE OF notify_email ON patient_accounts
WHEN OLD.notify_email <> NEW.notify_email
BEGIN
    INSERT INTO notification_consents (account_id, channel, given, at) VALUES (NEW.id, 'email', NEW.notify_email, NEW.consent_at);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER patient_accounts_consent_sms AFTER UPDATE OF notify_sms ON patient_accounts
WHEN OLD.notify_sms <> NEW.notify_sms
BEGIN
    INSERT INTO notification_consents (account_id, channel, given, at) VALUES (NEW.id, 'sms', NEW.notify_sms, NEW.consent_at);
END;
-- +goose StatementEnd

-- The register of confidentiality incidents (not the outages of the
-- incidents table, which patients are told about). A notice not given
-- has 0 for its time.
CREATE TABLE privacy_incidents (
    id                 INTEGER PRIMARY KEY,
    found_at           INTEGER NOT NULL,
    description        TEXT    NOT NULL,
    data_concerned     TEXT    NOT NULL,
    people_concerned   TEXT    NOT NULL,
    serious_risk       INTEGER NOT NULL,
    risk_assessment    TEXT    NOT NULL,
    cai_notified_at    INTEGER NOT NULL DEFAULT 0,
    people_notified_at INTEGER NOT NULL DEFAULT 0,
    measures           TEXT    NOT NULL,
    recorded_by        INTEGER REFERENCES accounts(id),
    recorded_at        INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX privacy_incidents_found ON privacy_incidents(found_at);

-- +goose Down
DROP TABLE privacy_incidents;
DROP TRIGGER patient_accounts_consent_sms;
DROP TRIGGER patient_accounts_consent_email;
DROP TRIGGER patient_accounts_consent_new;
DROP TABLE notification_consents;
