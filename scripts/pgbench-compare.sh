#!/usr/bin/env bash
# Compares rdv's durable bookings per second on PostgreSQL with pgbench
# running the same booking transactions (the SQL of a hold then of its
# confirmation, as the postgres store sends them) on the same database, in
# the same run, at 64 clients. Target: rdv at least half of pgbench.
#
# Usage: scripts/pgbench-compare.sh [seconds per run, default 10]
# The server is RDV_TEST_POSTGRES_URL (default: local, user postgres).
set -euo pipefail

seconds=${1:-10}
base=${RDV_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}
cd "$(dirname "$0")/.."

pgbench=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -n1)
if [ -z "$pgbench" ]; then
	echo "pgbench not found: install the PostgreSQL client tools" >&2
	exit 1
fi

db=rdv_bench_$$
dburl=$(printf '%s' "$base" | sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/$db#")
psql -q "$base" -c "CREATE DATABASE $db"
work=$(mktemp -d)
cleanup() {
	psql -q "$base" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "== rdv: BenchmarkDurableBookings, 64 clients, ${seconds}s"
RDV_BENCH_POSTGRES_DB=$dburl RDV_TEST_POSTGRES_URL=$base \
	go test -run '^$' -bench '^BenchmarkDurableBookings$' -benchtime "${seconds}s" -count 1 ./postgres/ | tee "$work/rdv.txt"
rdv=$(awk '/bookings\/s/ { for (i = 1; i < NF; i++) if ($(i+1) == "bookings/s") v = $i } END { print v }' "$work/rdv.txt")

# The same statements as PlaceHold (with the cap on live holds) and
# ConfirmHold, on slots the benchmark above did not book: each pgbench
# client walks its own range from slot 150000 + 2000 * client_id.
cat > "$work/booking.sql" <<'SQL'
\set n :n + 1
\set slot 150000 + 2000 * :client_id + :n
BEGIN;
SELECT pg_advisory_xact_lock(hashtextextended('pgbench-' || :client_id, 0));
SELECT count(*) FROM holds WHERE client_key = 'pgbench-' || :client_id AND NOT ended AND expires_at > now();
WITH held AS (
	UPDATE slots s SET state = 'held', hold_id = 'p-' || :slot, hold_expires = now() + interval '5 minutes'
	WHERE s.id = :slot AND s.start_at > now() AND (s.audience = 'public' OR false)
	  AND (s.state = 'free' OR (s.state = 'held' AND s.hold_expires <= now()))
	RETURNING s.id, s.clinic_id, s.practitioner_id, s.service, s.start_at, s.end_at, s.audience, s.state, s.hold_id, s.hold_expires),
hold AS (INSERT INTO holds (id, slot_id, client_key, expires_at) SELECT 'p-' || :slot, id, 'pgbench-' || :client_id, now() + interval '5 minutes' FROM held),
change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM held)
SELECT * FROM held;
COMMIT;
BEGIN;
WITH used AS (
	UPDATE holds SET ended = true WHERE id = 'p-' || :slot AND NOT ended AND expires_at > now() RETURNING slot_id)
UPDATE slots s SET state = 'booked', hold_id = NULL, hold_expires = NULL
FROM used WHERE s.id = used.slot_id AND s.state = 'held' AND s.hold_id = 'p-' || :slot
RETURNING s.id, s.clinic_id, s.practitioner_id, s.service, s.start_at, s.end_at, s.audience, s.state, s.hold_id, s.hold_expires;
INSERT INTO patients (first_name, last_name, birth_date, health_number, phone, email, language, guardian_id)
VALUES ('Banc', 'Essai', '1980-01-01', 'PGBE' || lpad(:slot::text, 8, '0'), '514-555-0199', '', 'fr', NULL)
ON CONFLICT (health_number) DO UPDATE SET guardian_id = COALESCE(EXCLUDED.guardian_id, patients.guardian_id)
RETURNING id AS patient_id \gset
INSERT INTO appointments (slot_id, patient_id, guardian_id, status, booked_by, channel, fee_cents, created_at, cancel_token_hash)
VALUES (:slot, :patient_id, NULL, 'booked', 'self', 'api', 0, now(), 'p-' || :slot) RETURNING id;
COMMIT;
SQL

echo "== pgbench: the same booking transactions, 64 clients, ${seconds}s"
"$pgbench" -n -M prepared -c 64 -j 2 -T "$seconds" -D n=0 -f "$work/booking.sql" "$dburl" | tee "$work/pgbench.txt"
pg=$(awk '/^tps = / { print $3; exit }' "$work/pgbench.txt")
booked=$(psql -Atq "$dburl" -c "SELECT count(*) FROM appointments a JOIN slots s ON s.id = a.slot_id WHERE s.id > 150000 AND a.status = 'booked'")

echo
printf 'rdv      %10.0f bookings/s (hold + confirm, 64 clients)\n' "$rdv"
printf 'pgbench  %10.0f bookings/s (same SQL, 64 clients; %s bookings checked in the database)\n' "$pg" "$booked"
awk -v r="$rdv" -v p="$pg" 'BEGIN { printf "ratio    %10.0f%% (target >= 50%%)\n", 100 * r / p }'
