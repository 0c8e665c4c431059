-- The waitlist of one's own clinic: a request that moves an appointment
-- earlier (moves_appointment_id), taking slots at one clinic only and, if
-- the person asked, with one practitioner only (clinic_id and
-- practitioner_id, 0 for any). An appointment has at most one waiting
-- place on the waitlist.
--
-- An appointment answers at most one request that booked it; a place on
-- the waitlist that moved it answers it too, and it may be moved more
-- than once, so the unique index on the requests' appointments counts
-- only the requests that booked one.

-- +goose Up
ALTER TABLE requests
    ADD COLUMN moves_appointment_id BIGINT REFERENCES appointments(id),
    ADD COLUMN clinic_id            BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN practitioner_id      BIGINT NOT NULL DEFAULT 0;
DROP INDEX requests_appointment;
CREATE UNIQUE INDEX requests_appointment ON requests(appointment_id)
    WHERE appointment_id IS NOT NULL AND moves_appointment_id IS NULL;
CREATE UNIQUE INDEX requests_one_waitlisted ON requests(moves_appointment_id)
    WHERE moves_appointment_id IS NOT NULL AND status IN ('open', 'proposed');

-- +goose Down
DROP INDEX requests_one_waitlisted;
DROP INDEX requests_appointment;
UPDATE requests SET appointment_id = NULL WHERE moves_appointment_id IS NOT NULL;
CREATE UNIQUE INDEX requests_appointment ON requests(appointment_id) WHERE appointment_id IS NOT NULL;
ALTER TABLE requests
    DROP COLUMN practitioner_id,
    DROP COLUMN clinic_id,
    DROP COLUMN moves_appointment_id;
