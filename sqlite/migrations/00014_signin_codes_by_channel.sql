-- The platform caps the sign-in codes sent by text message in an hour, all
-- destinations together: counting them reads the channel's codes of the
-- last hour, not the whole table.

-- +goose Up
CREATE INDEX signin_codes_channel ON signin_codes(channel, created_at);

-- +goose Down
DROP INDEX signin_codes_channel;
