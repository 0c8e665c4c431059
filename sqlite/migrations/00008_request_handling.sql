-- How an appointment request ended: the appointment an agent booked for
-- it (in the booking's own transaction), or why it was closed; by which
-- staff account and when (unix milliseconds, 0 while open). An
-- appointment answers at most one request.

-- +goose Up
ALTER TABLE requests ADD COLUMN appointment_id INTEGER REFERENCES appointments(id);
ALTER TABLE requests ADD COLUMN close_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN close_note TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN handled_by INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN handled_at INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX requests_appointment ON requests(appointment_id) WHERE appointment_id IS NOT NULL;

-- +goose Down
DROP INDEX requests_appointment;
ALTER TABLE requests DROP COLUMN handled_at;
ALTER TABLE requests DROP COLUMN handled_by;
ALTER TABLE requests DROP COLUMN close_note;
ALTER TABLE requests DROP COLUMN close_reason;
ALTER TABLE requests DROP COLUMN appointment_id;
