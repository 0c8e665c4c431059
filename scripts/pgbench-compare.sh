#!/usr/bin/env bash
# Compares rdv's durable bookings per second on PostgreSQL with pgbench on
# the same database, in the same run, at 64 clients each:
#
#   rdv      BenchmarkDurableBookings: a hold then its confirmation through
#            the postgres store, as the pages book (idempotency keys, data
#            sealed with keys, the outbox's confirmation, the audit trail);
#   same     pgbench sending the statements the store sends for such a
#            booking when it runs alone, a group of one, pipelined as the
#            store sends them (the sealed values, hashes and answers are
#            constants of the same sizes): what the store's grouping of
#            concurrent bookings and its client cost or save;
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

# The slot ranges of postgres/bench_test.go: the store books below 600000,
# pgbench's clients from 600000 (same, 3000 slots each) and 800000
# (minimal, 6000 each).
same_from=600000 same_stride=3000
minimal_from=800000 minimal_stride=6000

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

# The statements that PlaceHold then ConfirmHold send for a booking that
# runs alone, a group of one (postgres/writer.go, booking_group.go,
# audit.go), pipelined as the store sends them: each transaction's first
# round trip carries BEGIN and its writes, the second what follows from
# them and COMMIT. Each pgbench client walks its own range of slots;
# currval names the rows that the first round trip added.
cat >"$work/same.sql" <<'SQL'
\set n :n + 1
\set slot :from + :stride * :client_id + :n
\set chain random(0, 15)
\startpipeline
BEGIN;
SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(unnest(ARRAY['client ' || :slot]), 0) AS k) l ORDER BY k;
WITH r AS (
	SELECT * FROM unnest(ARRAY[:slot]::bigint[], ARRAY['p-' || :slot], ARRAY[now() + interval '5 minutes'], ARRAY[now()], ARRAY[false],
		ARRAY['client ' || :slot], ARRAY[''], ARRAY[3]::bigint[], ARRAY[false], ARRAY[0]::bigint[], ARRAY[sha256(('hold ' || :slot)::bytea)])
		AS r(slot, hold, expires, now, rostered, client, address, max_client, by_address, max_address, key)),
allowed AS (
	SELECT r.* FROM r
	WHERE (r.max_client <= 0 OR (SELECT count(*) FROM holds h
			WHERE h.client_key = r.client AND NOT h.ended AND h.expires_at > r.now) < r.max_client)
	  AND (NOT r.by_address OR (SELECT count(*) FROM holds h
			WHERE h.address_key = r.address AND NOT h.ended AND h.expires_at > r.now) < r.max_address)
	  AND NOT EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.id = r.key)),
held AS (
	UPDATE slots s SET state = 'held', hold_id = a.hold, hold_expires = a.expires
	FROM allowed a
	WHERE s.id = a.slot AND s.start_at > a.now AND (s.audience = 'public' OR a.rostered)
	  AND (s.state = 'free' OR (s.state = 'held' AND s.hold_expires <= a.now))
	RETURNING s.id, s.clinic_id, s.practitioner_id, s.service, s.start_at, s.end_at, s.audience, s.state, s.hold_id, s.hold_expires),
hold AS (
	INSERT INTO holds (id, slot_id, client_key, address_key, expires_at)
	SELECT a.hold, h.id, a.client, a.address, a.expires FROM held h JOIN allowed a ON a.hold = h.hold_id),
change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM held)
SELECT * FROM held;
\endpipeline
\startpipeline
INSERT INTO idempotency_keys (id, body_check, answer, created_at)
SELECT * FROM unnest(ARRAY[sha256(('hold ' || :slot)::bytea)], ARRAY[sha256(('body ' || :slot)::bytea)], ARRAY[convert_to(repeat('h', 120), 'UTF8')], ARRAY[now()]);
COMMIT;
\endpipeline
\startpipeline
BEGIN;
WITH used AS (
	UPDATE holds h SET ended = true
	WHERE h.id = 'p-' || :slot AND NOT h.ended AND h.expires_at > now()
	  AND NOT EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.id = sha256(('confirm ' || :slot)::bytea))
	  AND NOT (true AND EXISTS (SELECT 1 FROM slots s WHERE s.id = h.slot_id AND s.audience = 'rostered'))
	RETURNING h.slot_id),
booked AS (
	UPDATE slots s SET state = 'booked', hold_id = NULL, hold_expires = NULL
	FROM used WHERE s.id = used.slot_id AND s.state = 'held' AND s.hold_id = 'p-' || :slot
	RETURNING s.id, s.clinic_id, s.practitioner_id, s.service, s.start_at, s.end_at, s.audience, s.state, s.hold_id, s.hold_expires),
gf AS (SELECT id FROM patients WHERE health_index = NULL),
gi AS (
	INSERT INTO patients (first_name, last_name, birth_date, health_number, health_index, phone, email, language)
	SELECT '', '', NULL, NULL, NULL, '', '', '' FROM used WHERE false AND NOT EXISTS (SELECT 1 FROM gf)
	ON CONFLICT (health_index) DO UPDATE SET health_index = EXCLUDED.health_index
	RETURNING id),
g AS (SELECT id FROM gf UNION ALL SELECT id FROM gi),
pf AS (SELECT id FROM patients WHERE health_index = encode(sha256(('health ' || :slot)::bytea), 'base64')),
pi AS (
	INSERT INTO patients (first_name, last_name, birth_date, health_number, health_index, phone, email, language, guardian_id)
	SELECT 'k1:' || repeat('f', 43), 'k1:' || repeat('l', 44), 'k1:' || repeat('b', 51), 'k1:' || repeat('h', 54),
		encode(sha256(('health ' || :slot)::bytea), 'base64'), 'k1:' || repeat('p', 54), 'k1:' || repeat('e', 64), 'fr', (SELECT id FROM g)
	FROM used WHERE NOT EXISTS (SELECT 1 FROM pf)
	ON CONFLICT (health_index) DO UPDATE SET health_index = EXCLUDED.health_index
	RETURNING id),
p AS (SELECT id FROM pf UNION ALL SELECT id FROM pi),
a AS (
	INSERT INTO appointments (slot_id, patient_id, guardian_id, status, booked_by, channel, fee_cents, created_at, cancel_token_hash,
		first_name, last_name, birth_date, phone, email, language,
		guardian_first_name, guardian_last_name, guardian_birth_date, guardian_phone, guardian_email, guardian_language,
		guardian_relationship, card, notify_email, notify_sms, account_id,
		email_index, phone_index, guardian_email_index, guardian_phone_index)
	SELECT b.id, (SELECT id FROM p), (SELECT id FROM g), 'booked', 'self', 'web', 0, now(), 'p-' || :slot,
		'k1:' || repeat('f', 43), 'k1:' || repeat('l', 44), 'k1:' || repeat('b', 51), 'k1:' || repeat('p', 54), 'k1:' || repeat('e', 64), 'fr',
		'', '', NULL, '', '', '', '', '', true, false, NULL,
		encode(sha256(('email ' || :slot)::bytea), 'base64'), encode(sha256(('phone ' || :slot)::bytea), 'base64'), '', ''
	FROM used LEFT JOIN booked b ON true
	RETURNING id, patient_id, guardian_id),
w AS (
	INSERT INTO webhook_events (type, clinic_id, appointment_id, practitioner_id, service, start_at, end_at, status, occurred_at)
	SELECT 'appointment.booked', b.clinic_id, a.id, b.practitioner_id, b.service, b.start_at, b.end_at, 'booked', now()
	FROM a, booked b
	WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.clinic_id = b.clinic_id AND e.removed_at IS NULL
		AND 'appointment.booked' = ANY(e.events)))
SELECT a.id, a.patient_id, coalesce(a.guardian_id, 0), b.* FROM a, booked b;
\endpipeline
\startpipeline
INSERT INTO idempotency_keys (id, body_check, answer, created_at)
SELECT * FROM unnest(ARRAY[sha256(('confirm ' || :slot)::bytea)], ARRAY[sha256(('body ' || :slot)::bytea)], ARRAY[convert_to(repeat('c', 708), 'UTF8')], ARRAY[now()]);
INSERT INTO messages (kind, channel, destination, language, appointment_id, revision, incident_id, secret, due_at, created_at, reminder_at, proposal_id,
	destination_index)
SELECT k, ch, d, l, nullif(a, 0), r, nullif(i, 0), s, due, created, rem, nullif(p, ''), di
FROM unnest(ARRAY['confirmed'], ARRAY['email'], ARRAY['k1:' || repeat('e', 64)], ARRAY['fr'], ARRAY[currval('appointments_id_seq')], ARRAY[0], ARRAY[0]::bigint[],
	ARRAY['k1:' || repeat('s', 44)], ARRAY[now()], ARRAY[now()], ARRAY[now() + interval '1 day'], ARRAY[''], ARRAY[encode(sha256(('email ' || :slot)::bytea), 'base64')])
	AS u(k, ch, d, l, a, r, i, s, due, created, rem, p, di);
WITH RECURSIVE e AS (
	SELECT * FROM unnest(ARRAY[sha256(('event ' || :slot)::bytea)], ARRAY[now()], ARRAY['system'], ARRAY[0]::bigint[], ARRAY[''], ARRAY['appointment.book'],
		ARRAY['p:' || currval('patients_id_seq') || ' a:' || currval('appointments_id_seq')])
		WITH ORDINALITY AS e(content, at, actor_kind, actor_id, address, action, records, n)),
head AS (SELECT seq, hash FROM audit_heads WHERE chain = :chain FOR UPDATE),
links (n, seq, prev_hash, hash) AS (
	SELECT 0::bigint, seq, NULL::bytea, hash FROM head
	UNION ALL
	SELECT l.n + 1, l.seq + 1, l.hash, sha256(l.hash || e.content) FROM links l JOIN e ON e.n = l.n + 1),
moved AS (
	UPDATE audit_heads SET seq = l.seq, prev_hash = l.prev_hash, hash = l.hash
	FROM (SELECT * FROM links ORDER BY n DESC LIMIT 1) l WHERE chain = :chain AND l.n > 0),
added AS (
	INSERT INTO audit_events (chain, seq, at, actor_kind, actor_id, address, action, records, prev_hash, hash)
	SELECT :chain, l.seq, e.at, e.actor_kind, e.actor_id, e.address, e.action, e.records, l.prev_hash, l.hash
	FROM links l JOIN e ON e.n = l.n ORDER BY l.n
	RETURNING id, seq)
INSERT INTO audit_patients (patient_id, event_id)
SELECT p.patient, a.id FROM added a JOIN unnest(ARRAY[1]::bigint[], ARRAY[currval('patients_id_seq')]) AS p(n, patient) ON a.seq = (SELECT seq FROM head) + p.n;
COMMIT;
\endpipeline
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
# on: past the last slot any of them took in the ranges of width $2 from
# $1.
next_n() {
	psql -Atq "$dburl" -c "SELECT coalesce(max((id - $1) % $2), 0) FROM slots
		WHERE id >= $1 AND id < $1 + 64 * $2 AND state <> 'free'"
}

# The server of these runs keeps no autovacuum (a CI setting): each run
# starts, as on a server whose autovacuum keeps up, on vacuumed tables.
vacuum() { psql -q "$dburl" -c "VACUUM ANALYZE"; }

run_rdv() { # test binary
	"$1" -test.run '^$' -test.bench '^BenchmarkDurableBookings$' -test.benchtime "${seconds}s" >"$work/rdv.txt" ||
		{ cat "$work/rdv.txt" >&2; exit 1; }
	awk '/bookings\/s/ { for (i = 1; i < NF; i++) if ($(i+1) == "bookings/s") v = $i } END { print v }' "$work/rdv.txt"
}

run_pgbench() { # script, first slot of its ranges, their width
	local n
	n=$(next_n "$2" "$3")
	if [ $((n + seconds * 100)) -ge "$3" ]; then
		echo "pgbench $1: its slot ranges are used up; fewer seconds or rounds" >&2
		exit 1
	fi
	"$pgbench" -n -M prepared -c 64 -j 2 -T "$seconds" -D n="$n" -D from="$2" -D stride="$3" -D patient="$patient" \
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
		same) rate[same]=$(run_pgbench same $same_from $same_stride) ;;
		minimal) rate[minimal]=$(run_pgbench minimal $minimal_from $minimal_stride) ;;
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
