-- How an appointment request ended: the appointment an agent booked for
-- it (in the booking's own transaction), or why it was closed; by which
-- staff account and when (NULL while open). An appointment answers at
-- most one request.

-- +goose Up
ALTER TABLE requests
    ADD COLUMN appointment_id BIGINT REFERENCES appointments(id),
    ADD COLUMN close_reason   TEXT   NOT NULL DEFAULT '',
    ADD COLUMN close_note     TEXT   NOT NULL DEFAULT '',
    ADD COLUMN handled_by     BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN handled_at     TIMESTAMPTZ;
CREATE UNIQUE INDEX requests_appointment ON requests(appointment_id) WHERE appointment_id IS NOT NULL;

-- +goose Down
DROP INDEX requests_appointment;
ALTER TABLE requests
    DROP COLUMN handled_at,
    DROP COLUMN handled_by,
    DROP COLUMN close_note,
    DROP COLUMN close_reason,
    DROP COLUMN appointment_id;
