-- Staff sign-in with a second factor, and sessions an account can see and
-- end. Instants are unix milliseconds; 0 is none.
--
-- Sessions now end after 30 idle minutes (last_seen_at) as well as at
-- expires_at, carry a public id to be revoked by, and say whether a
-- second factor opened them. The sessions open before this migration
-- knew none of that: they are ended, and their staff sign in again.

-- +goose Up
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN second_factor INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX sessions_id ON sessions(id);
CREATE INDEX sessions_account ON sessions(account_id);

-- An account's authenticator-app secret. last_step is the newest time
-- step accepted: a code of it or before is a replay.
CREATE TABLE staff_totp (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    secret     TEXT NOT NULL,
    confirmed  INTEGER NOT NULL DEFAULT 0,
    last_step  INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

-- Recovery codes, kept as hashes, each good once.
CREATE TABLE staff_recovery_codes (
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    code_hash  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, code_hash)
) WITHOUT ROWID;

-- Passkeys: the relying party's record of each (JSON), by credential id.
CREATE TABLE staff_passkeys (
    id           TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    name         TEXT NOT NULL,
    credential   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX staff_passkeys_account ON staff_passkeys(account_id);

-- Wrong second steps in a row, shared by every sign-in of the account.
CREATE TABLE staff_factor_tries (
    account_id   INTEGER PRIMARY KEY REFERENCES accounts(id),
    tries        INTEGER NOT NULL,
    paused_until INTEGER NOT NULL DEFAULT 0
);

-- Ceremonies under way: a sign-in waiting for its second step, a
-- passkey's registration.
CREATE TABLE staff_challenges (
    token_hash TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('signin', 'passkey')),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    data       BLOB,
    return_to  TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (token_hash, kind)
) WITHOUT ROWID;
CREATE INDEX staff_challenges_expiry ON staff_challenges(expires_at);

-- +goose Down
DROP TABLE staff_challenges;
DROP TABLE staff_factor_tries;
DROP TABLE staff_passkeys;
DROP TABLE staff_recovery_codes;
DROP TABLE staff_totp;
DROP INDEX sessions_account;
DROP INDEX sessions_id;
ALTER TABLE sessions DROP COLUMN second_factor;
ALTER TABLE sessions DROP COLUMN address;
ALTER TABLE sessions DROP COLUMN user_agent;
ALTER TABLE sessions DROP COLUMN last_seen_at;
ALTER TABLE sessions DROP COLUMN id;
