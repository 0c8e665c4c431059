-- A destination that refused a message for good (a bounce) is marked:
-- later messages to it are bounced without being sent, rather than each
-- bouncing again at the server, until a sign-in code verified for it (its
-- owner receives there again) or an operator's resend clears the mark.

-- +goose Up
CREATE TABLE refused_destinations (
    channel     text NOT NULL CHECK (channel IN ('email', 'sms')),
    destination text NOT NULL,
    refused_at  timestamptz NOT NULL,
    error       text NOT NULL DEFAULT '', -- the server's answer to the first refused message
    PRIMARY KEY (channel, destination)
);

-- +goose Down
DROP TABLE refused_destinations;
