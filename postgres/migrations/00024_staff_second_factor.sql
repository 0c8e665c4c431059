-- Staff sign-in with a second factor, and sessions an account can see and
-- end.
--
-- Sessions now end after 30 idle minutes (last_seen_at) as well as at
-- expires_at, carry a public id to be revoked by, and say whether a
-- second factor opened them. The sessions open before this migration
-- knew none of that: they are ended, and their staff sign in again.

-- +goose Up
DELETE FROM sessions;
ALTER TABLE sessions
    ADD COLUMN id text NOT NULL,
    ADD COLUMN last_seen_at timestamptz NOT NULL,
    ADD COLUMN user_agent text NOT NULL DEFAULT '',
    ADD COLUMN address text NOT NULL DEFAULT '',
    ADD COLUMN second_factor boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX sessions_id ON sessions (id);
CREATE INDEX sessions_account ON sessions (account_id);

-- An account's authenticator-app secret. last_step is the newest time
-- step accepted: a code of it or before is a replay.
CREATE TABLE staff_totp (
    account_id bigint PRIMARY KEY REFERENCES accounts (id),
    secret     text NOT NULL,
    confirmed  boolean NOT NULL DEFAULT false,
    last_step  bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL
);

-- Recovery codes, kept as hashes, each good once.
CREATE TABLE staff_recovery_codes (
    account_id bigint NOT NULL REFERENCES accounts (id),
    code_hash  text NOT NULL,
    created_at timestamptz NOT NULL,
    used_at    timestamptz,
    PRIMARY KEY (account_id, code_hash)
);

-- Passkeys: the relying party's record of each (JSON), by credential id.
CREATE TABLE staff_passkeys (
    id           text PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES accounts (id),
    name         text NOT NULL,
    credential   text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz
);
CREATE INDEX staff_passkeys_account ON staff_passkeys (account_id);

-- Wrong second steps in a row, shared by every sign-in of the account.
CREATE TABLE staff_factor_tries (
    account_id   bigint PRIMARY KEY REFERENCES accounts (id),
    tries        integer NOT NULL,
    paused_until timestamptz
);

-- Ceremonies under way: a sign-in waiting for its second step, a
-- passkey's registration.
CREATE TABLE staff_challenges (
    token_hash text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('signin', 'passkey')),
    account_id bigint NOT NULL REFERENCES accounts (id),
    data       bytea,
    return_to  text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (token_hash, kind)
);
CREATE INDEX staff_challenges_expiry ON staff_challenges (expires_at);

-- +goose Down
DROP TABLE staff_challenges;
DROP TABLE staff_factor_tries;
DROP TABLE staff_passkeys;
DROP TABLE staff_recovery_codes;
DROP TABLE staff_totp;
DROP INDEX sessions_account;
DROP INDEX sessions_id;
ALTER TABLE sessions
    DROP COLUMN second_factor,
    DROP COLUMN address,
    DROP COLUMN user_agent,
    DROP COLUMN last_seen_at,
    DROP COLUMN id;
