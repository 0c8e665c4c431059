-- A destination that refused a message for good (a bounce) is marked:
-- later messages to it are bounced without being sent, rather than each
-- bouncing again at the server, until a sign-in code verified for it (its
-- owner receives there again) or an operator's resend clears the mark.
-- Instants are unix milliseconds.

-- +goose Up
CREATE TABLE refused_destinations (
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    destination TEXT NOT NULL,
    refused_at  INTEGER NOT NULL,
    error       TEXT NOT NULL DEFAULT '', -- the server's answer to the first refused message
    PRIMARY KEY (channel, destination)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE refused_destinations;
