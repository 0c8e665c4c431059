#!/usr/bin/env bash
# Compares rdv's durable bookings per second on PostgreSQL with pgbench on
# the same database, in the same run, at 64 clients each:
#
#   rdv      BenchmarkDurableBookings: a hold then its confirmation through
#            the postgres store, as the pages book (idempotency keys, data
#            sealed with keys, the outbox's confirmation, the audit trail);
#   same     pgbench sending the statements the store sends for that
#            booking, one after the other as the store does (the sealed
#            values, hashes and answers are constants of the same sizes);
#   minimal  pgbench running a minimal booking: one transaction that
#            updates the slot where free and inserts the appointment under
#            the unique index of active bookings.
#
# Target: rdv at least half of minimal. Each round runs the three, in an
# order that turns from round to round; the report gives every round and
# the medians.
#
# Usage: scripts/pgbench-compare.sh [seconds per run, default 10] [rounds, default 1]
# The server is RDV_TEST_POSTGRES_URL (default: local, user postgres).
# RDV_BENCH_TEST names a test binary of package postgres to run instead
# of building one (go test -c); RDV_BENCH_BASE, a test binary of another
# build (an earlier commit's), which each round then runs too, as "base".
set -euo pipefail

seconds=${1:-10}
rounds=${2:-1}
base=${RDV_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}
cd "$(dirname "$0")/.."

pgbench=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -n1)
if [ -z "$pgbench" ]; then
	echo "pgbench not found: install the PostgreSQL client tools" >&2
	exit 1
fi

# The slot ranges of postgres/bench_test.go: the store books below 200000,
# pgbench's clients from 200000 (same) and 400000 (minimal), 3000 each.
same_from=200000
minimal_from=400000
stride=3000

db=rdv_bench_$$
dburl=$(printf '%s' "$base" | sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/$db#")
psql -q "$base" -c "CREATE DATABASE $db"
work=$(mktemp -d)
cleanup() {
	psql -q "$base" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
	rm -rf "$work"
}
trap cleanup EXIT

test_bin=${RDV_BENCH_TEST:-}
if [ -z "$test_bin" ]; then
	test_bin=$work/postgres.test
	go test -c -o "$test_bin" ./postgres/
fi
# Every run on the database seals with the same keys.
key() { head -c 32 /dev/urandom | base64; }
export RDV_BENCH_KEYS="index=$(key) k1=$(key)"
export RDV_BENCH_POSTGRES_DB=$dburl RDV_TEST_POSTGRES_URL=$base

# One booking through the store migrates and loads the database.
"$test_bin" -test.run '^$' -test.bench '^BenchmarkDurableBookings$' -test.benchtime 1x >"$work/load.txt" ||
	{ cat "$work/load.txt"; exit 1; }
patient=$(psql -Atq "$dburl" -c "INSERT INTO patients (first_name, last_name, birth_date, phone, email, language)
	VALUES ('Banc', 'Minimal', NULL, '', '', 'fr') RETURNING id")

# The statements of PlaceHold then ConfirmHold (postgres/hold.go,
# booking.go, idempotency.go, audit.go), in their order: each pgbench
# client walks its own range of slots. \gset keeps the IDs that the next
# statements name, as the store does.
cat >"$work/same.sql" <<'SQL'
\set n :n + 1
\set slot :from + :stride * :client_id + :n
\set chain random(0, 15)
BEGIN;
INSERT INTO idempotency_keys (id, body_check, created_at) VALUES (sha256(('hold ' || :slot)::bytea), sha256(('body ' || :slot)::bytea), now()) ON CONFLICT DO NOTHING;
SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(unnest(ARRAY['pgbench-' || :slot]), 0) AS k) l ORDER BY k;
SELECT count(*) FILTER (WHERE client_key = 'pgbench-' || :slot), count(*) FILTER (WHERE address_key = '' AND false)
	FROM holds WHERE (client_key = 'pgbench-' || :slot OR (address_key = '' AND false)) AND NOT ended AND expires_at > now();
WITH held AS (
	UPDATE slots s SET state = 'held', hold_id = 'p-' || :slot, hold_expires = now() + interval '5 minutes'
	WHERE s.id = :slot AND s.start_at > now() AND (s.audience = 'public' OR false)
	  AND (s.state = 'free' OR (s.state = 'held' AND s.hold_expires <= now()))
	RETURNING s.id, s.clinic_id, s.practitioner_id, s.service, s.start_at, s.end_at, s.audience, s.state, s.hold_id, s.hold_expires),
hold AS (INSERT INTO holds (id, slot_id, client_key, address_key, expires_at) SELECT 'p-' || :slot, id, 'pgbench-' || :slot, '', now() + interval '5 minutes' FROM held),
change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM held)
SELECT * FROM held;
UPDATE idempotency_keys SET answer = convert_to(repeat('h', 120), 'UTF8') WHERE id = sha256(('hold ' || :slot)::bytea);
COMMIT;
BEGIN;
INSERT INTO idempotency_keys (id, body_check, created_at) VALUES (sha256(('confirm ' || :slot)::bytea), sha256(('body ' || :slot)::bytea), now()) ON CONFLICT DO NOTHING;
WITH used AS (
	UPDATE holds SET ended = true WHERE id = 'p-' || :slot AND NOT ended AND expires_at > now() RETURNING slot_id)
UPDATE slots s SET state = 'booked', hold_id = NULL, hold_expires = NULL
FROM used WHERE s.id = used.slot_id AND s.state = 'held' AND s.hold_id = 'p-' || :slot
RETURNING s.id, s.clinic_id, s.practitioner_id, s.service, s.start_at, s.end_at, s.audience, s.state, s.hold_id, s.hold_expires;
SELECT id FROM patients WHERE health_index = encode(sha256(('health ' || :slot)::bytea), 'base64');
INSERT INTO patients (first_name, last_name, birth_date, health_number, health_index, phone, email, language, guardian_id)
VALUES ('k1:' || repeat('f', 43), 'k1:' || repeat('l', 44), 'k1:' || repeat('b', 51), 'k1:' || repeat('h', 54),
	encode(sha256(('health ' || :slot)::bytea), 'base64'), 'k1:' || repeat('p', 54), 'k1:' || repeat('e', 64), 'fr', NULL)
ON CONFLICT (health_index) DO NOTHING RETURNING id AS patient_id \gset
WITH a AS (
	INSERT INTO appointments (slot_id, patient_id, guardian_id, status, booked_by, channel, fee_cents, created_at, cancel_token_hash,
		first_name, last_name, birth_date, phone, email, language,
		guardian_first_name, guardian_last_name, guardian_birth_date, guardian_phone, guardian_email, guardian_language,
		guardian_relationship, card, notify_email, notify_sms, account_id,
		email_index, phone_index, guardian_email_index, guardian_phone_index)
	VALUES (:slot, :patient_id, NULL, 'booked', 'self', 'web', 0, now(), 'p-' || :slot,
		'k1:' || repeat('f', 43), 'k1:' || repeat('l', 44), 'k1:' || repeat('b', 51), 'k1:' || repeat('p', 54), 'k1:' || repeat('e', 64), 'fr',
		'', '', NULL, '', '', '', '', '', true, false, NULL,
		encode(sha256(('email ' || :slot)::bytea), 'base64'), encode(sha256(('phone ' || :slot)::bytea), 'base64'), '', '')
	RETURNING id),
m AS (
	INSERT INTO messages (kind, channel, destination, language, appointment_id, revision, secret, due_at, created_at, reminder_at, destination_index)
	SELECT 'confirmed', 'email', 'k1:' || repeat('e', 64), 'fr', a.id, 0, 'k1:' || repeat('s', 44), now(), now(), now() + interval '1 day',
		encode(sha256(('email ' || :slot)::bytea), 'base64') FROM a),
w AS (
	INSERT INTO webhook_events (type, clinic_id, appointment_id, practitioner_id, service, start_at, end_at, status, occurred_at)
	SELECT 'appointment.booked', 1, a.id, 1, 'general', now(), now(), 'booked', now() FROM a
	WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.clinic_id = 1 AND e.removed_at IS NULL AND 'appointment.booked' = ANY(e.events)))
SELECT id AS appointment_id FROM a \gset
WITH h AS (
	UPDATE audit_heads SET seq = seq + 1, prev_hash = hash, hash = sha256(hash || sha256(('event ' || :slot)::bytea))
	WHERE chain = :chain RETURNING seq, prev_hash, hash),
e AS (
	INSERT INTO audit_events (chain, seq, at, actor_kind, actor_id, address, action, records, prev_hash, hash)
	SELECT :chain, seq, now(), 'system', 0, '', 'appointment.book', 'p:' || :patient_id || ' a:' || :appointment_id, prev_hash, hash FROM h RETURNING id)
INSERT INTO audit_patients (patient_id, event_id) SELECT p, e.id FROM e, unnest(ARRAY[:patient_id]::bigint[]) AS p;
UPDATE idempotency_keys SET answer = convert_to(repeat('c', 708), 'UTF8') WHERE id = sha256(('confirm ' || :slot)::bytea);
COMMIT;
SQL

cat >"$work/minimal.sql" <<'SQL'
\set n :n + 1
\set slot :from + :stride * :client_id + :n
BEGIN;
UPDATE slots SET state = 'booked' WHERE id = :slot AND state = 'free';
INSERT INTO appointments (slot_id, patient_id, status, booked_by, channel, created_at, cancel_token_hash)
VALUES (:slot, :patient, 'booked', 'self', 'web', now(), 'm-' || :slot);
COMMIT;
SQL

# next_n prints the offset in their ranges at which pgbench's clients go
# on: past the last slot any of them took in a range of width stride
# from $1.
next_n() {
	psql -Atq "$dburl" -c "SELECT coalesce(max((id - $1) % $stride), 0) FROM slots
		WHERE id >= $1 AND id < $1 + 64 * $stride AND state <> 'free'"
}

# The server of these runs keeps no autovacuum (a CI setting): each run
# starts, as on a server whose autovacuum keeps up, on vacuumed tables.
vacuum() { psql -q "$dburl" -c "VACUUM ANALYZE"; }

run_rdv() { # test binary
	"$1" -test.run '^$' -test.bench '^BenchmarkDurableBookings$' -test.benchtime "${seconds}s" >"$work/rdv.txt" ||
		{ cat "$work/rdv.txt" >&2; exit 1; }
	awk '/bookings\/s/ { for (i = 1; i < NF; i++) if ($(i+1) == "bookings/s") v = $i } END { print v }' "$work/rdv.txt"
}

run_pgbench() { # script, first slot of its range
	local n
	n=$(next_n "$2")
	if [ $((n + seconds * 100)) -ge $stride ]; then
		echo "pgbench $1: its slot ranges are used up; fewer seconds or rounds" >&2
		exit 1
	fi
	"$pgbench" -n -M prepared -c 64 -j 2 -T "$seconds" -D n="$n" -D from="$2" -D stride=$stride -D patient="$patient" \
		-f "$work/$1.sql" "$dburl" >"$work/$1.txt" 2>&1 || { cat "$work/$1.txt" >&2; exit 1; }
	if grep -q 'aborted\|error' "$work/$1.txt"; then
		cat "$work/$1.txt" >&2
		exit 1
	fi
	awk '/^tps = / { print $3; exit }' "$work/$1.txt"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

base_bin=${RDV_BENCH_BASE:-}
kinds=(rdv same minimal)
[ -n "$base_bin" ] && kinds+=(base)
echo "== 64 clients, ${seconds}s per run, $rounds round(s); load: $(uptime | sed 's/.*load average: //')"
printf '%-6s %10s %10s %10s %8s %10s %8s %s\n' round rdv same minimal rdv/min base base/min load
for ((r = 1; r <= rounds; r++)); do
	declare -A rate=([base]=0)
	for ((k = 0; k < ${#kinds[@]}; k++)); do
		kind=${kinds[$(((r - 1 + k) % ${#kinds[@]}))]}
		vacuum
		case $kind in
		rdv) rate[rdv]=$(run_rdv "$test_bin") ;;
		base) rate[base]=$(run_rdv "$base_bin") ;;
		same) rate[same]=$(run_pgbench same $same_from) ;;
		minimal) rate[minimal]=$(run_pgbench minimal $minimal_from) ;;
		esac
	done
	ratio() { awk -v r="$1" -v m="${rate[minimal]}" 'BEGIN { printf "%.2f", m ? r / m : 0 }'; }
	printf '%-6s %10.0f %10.0f %10.0f %8s %10.0f %8s %s\n' "$r" "${rate[rdv]}" "${rate[same]}" "${rate[minimal]}" "$(ratio "${rate[rdv]}")" \
		"${rate[base]}" "$(ratio "${rate[base]}")" "$(uptime | sed 's/.*load average: //')" | tee -a "$work/rounds.txt"
done

double=$(psql -Atq "$dburl" -c "SELECT count(*) FROM (SELECT slot_id FROM appointments WHERE status <> 'cancelled'
	GROUP BY slot_id HAVING count(*) > 1) d")
booked=$(psql -Atq "$dburl" -c "SELECT count(*) FROM appointments a JOIN slots s ON s.id = a.slot_id WHERE s.state = 'booked'")
col() { awk -v c="$1" '{ print $c }' "$work/rounds.txt" | median; }
echo
printf 'median  rdv %.0f, same %.0f, minimal %.0f bookings/s; rdv / minimal %.2f (target >= 0.50), rdv / same %.2f\n' \
	"$(col 2)" "$(col 3)" "$(col 4)" "$(col 5)" "$(awk '{ print $3 ? $2 / $3 : 0 }' "$work/rounds.txt" | median)"
if [ -n "$base_bin" ]; then
	printf 'median  base %.0f bookings/s; base / minimal %.2f; rdv / base %.2f\n' \
		"$(col 6)" "$(col 7)" "$(awk '{ print $6 ? $2 / $6 : 0 }' "$work/rounds.txt" | median)"
fi
echo "checked: $booked appointments on booked slots, $double slots booked twice"
