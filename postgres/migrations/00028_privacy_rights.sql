-- Law 25's records: the history of each account's consent to be told by
-- email and by text message, and the register of confidentiality
-- incidents that operators keep.
--
-- The consent's history is written by the database itself, in the
-- transaction that makes an account or changes its channels, so that no
-- code path that changes the channels can forget it. An account made
-- records the channels it starts with; a change records the channel
-- given or withdrawn, at the time of the choice (consent_at).

-- +goose Up
CREATE TABLE notification_consents (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint      NOT NULL REFERENCES patient_accounts(id),
    channel    text        NOT NULL CHECK (channel IN ('email', 'sms')),
    given      boolean     NOT NULL,
    at         timestamptz NOT NULL
);
CREATE INDEX notification_consents_account ON notification_consents(account_id, at);

INSERT INTO notification_consents (account_id, channel, given, at)
    SELECT id, 'email', true, consent_at FROM patient_accounts WHERE notify_email;
INSERT INTO notification_consents (account_id, channel, given, at)
    SELECT id, 'sms', true, consent_at FROM patient_accounts WHERE notify_sms;

-- +goose StatementBegin
CREATE FUNCTION record_notification_consent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'INSERT' AND NEW.notify_email) OR (TG_OP = 'UPDATE' AND OLD.notify_email IS DISTINCT FROM NEW.notify_email) THEN
        INSERT INTO notification_consents (account_id, channel, given, at) VALUES (NEW.id, 'email', NEW.notify_email, NEW.consent_at);
    END IF;
    IF (TG_OP = 'INSERT' AND NEW.notify_sms) OR (TG_OP = 'UPDATE' AND OLD.notify_sms IS DISTINCT FROM NEW.notify_sms) THEN
        INSERT INTO notification_consents (account_id, channel, given, at) VALUES (NEW.id, 'sms', NEW.notify_sms, NEW.consent_at);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER patient_accounts_consent AFTER INSERT OR UPDATE OF notify_email, notify_sms ON patient_accounts
    FOR EACH ROW EXECUTE FUNCTION record_notification_consent();

-- The register of confidentiality incidents (not the outages of the
-- incidents table, which patients are told about). A notice not given
-- has no time.
CREATE TABLE privacy_incidents (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    found_at           timestamptz NOT NULL,
    description        text        NOT NULL,
    data_concerned     text        NOT NULL,
    people_concerned   text        NOT NULL,
    serious_risk       boolean     NOT NULL,
    risk_assessment    text        NOT NULL,
    cai_notified_at    timestamptz,
    people_notified_at timestamptz,
    measures           text        NOT NULL,
    recorded_by        bigint REFERENCES accounts(id),
    recorded_at        timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX privacy_incidents_found ON privacy_incidents(found_at);

-- +goose Down
DROP TABLE privacy_incidents;
DROP TRIGGER patient_accounts_consent ON patient_accounts;
DROP FUNCTION record_notification_consent();
DROP TABLE notification_consents;
