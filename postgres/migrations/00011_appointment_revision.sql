-- An appointment counts its changes: every reschedule, cancellation and
-- status change adds one in the transaction that makes it. Calendar files
-- carry it as their SEQUENCE (RFC 5545 §3.8.7.4), so that a calendar
-- that imported an earlier version of the event takes the later one.
-- Appointments booked before count from 0.

-- +goose Up
ALTER TABLE appointments ADD COLUMN revision integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE appointments DROP COLUMN revision;
