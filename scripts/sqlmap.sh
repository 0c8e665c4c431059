#!/usr/bin/env bash
# sqlmap over every parameter of every route (make sqlmap; docs/security.md,
# « sqlmap »). Builds rdv, makes a demo database of one week in a temporary
# directory, starts rdv serve on a loopback port with the limits that would
# refuse sqlmap's bursts lifted for this run, then scripts/sqlmap_run.py
# signs in every kind of caller, crawls the pages, reads the OpenAPI
# document and the FHIR CapabilityStatement, and runs sqlmap on each route.
# Exits non-zero when a parameter is injectable or a run did not finish.
#
#   SQLMAP_LEVEL (2) and SQLMAP_RISK (2): sqlmap's --level and --risk
#   SQLMAP_JOBS (3): sqlmap runs at once
#   extra arguments go to scripts/sqlmap_run.py (--only REGEXP, --dry-run)
#
# The run's directory is kept: summary.txt, results.json, and for each
# route runs/NNN/ with sqlmap's log and every request and answer.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
command -v sqlmap >/dev/null || { echo "sqlmap: not installed (Debian: apt-get install sqlmap)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/rdv-sqlmap.XXXXXX")
echo "sqlmap: working in $work" >&2
go build -o "$work/rdv" ./cmd/rdv
go run ./scripts/routes >"$work/routes.jsonl"
"$work/rdv" demo --db "$work/demo.db" --weeks 1 2>"$work/demo.log"

# The callers' accounts, with passwords made here: one for each staff role,
# and spare ones for the routes that end a session or change the account.
accounts="$work/accounts.json"
echo '[' >"$accounts"
first=1
add_account() { # role use clinic
	local role=$1 use=$2 clinic=$3 email password out id
	email="sqlmap-${use}-${role//_/-}@example.org"
	password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
	out=$(printf '%s\n' "$password" | "$work/rdv" account create --db "$work/demo.db" \
		--email "$email" --role "$role" --clinic "$clinic" --name "sqlmap $use $role" 2>>"$work/demo.log")
	id=$(sed -n 's/^account \([0-9]*\) created.*/\1/p' <<<"$out")
	[ "$first" = 1 ] || echo ',' >>"$accounts"
	first=0
	printf '{"role":"%s","use":"%s","email":"%s","password":"%s","id":%s}\n' \
		"$role" "$use" "$email" "$password" "$id" >>"$accounts"
}
add_account operator main 0
add_account agent main 0
add_account receptionist main 1
add_account clinic_admin main 1
for i in 1 2 3 4 5 6; do add_account operator "spare$i" 0; done
add_account receptionist victim 1
add_account receptionist signin 1
echo ']' >>"$accounts"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Lifted for this run, each of which would refuse sqlmap's bursts: the
# per-address and per-account rate limits and the hold caps
# (--client-limits=off), the adaptive concurrency limit (--admission=off),
# the waiting room opening by itself (--waitroom-auto-after=0), holds
# per browser; deadlines of 30 s so that a time-based payload that worked
# would be seen waiting rather than cut at 1 or 2 s. The sign-in throttles
# have no switch: sqlmap sends each payload from another address
# (--trust-forwarded-for and the run's tamper script). The site is reached
# by name, as passkeys need (they are not offered on an IP address).
"$work/rdv" serve --db "$work/demo.db" --addr "127.0.0.1:$port" --metrics-addr off \
	--client-limits=off --admission=off --waitroom-auto-after=0 --max-live-holds 100000 \
	--deadline-browse 30s --deadline-search 30s --deadline-hold 30s --deadline-critical 30s \
	--hold-ttl 1h --trust-forwarded-for --public-url "http://localhost:$port" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
	kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
	sleep 0.2
done

python3 scripts/sqlmap_run.py --base "http://localhost:$port" --routes "$work/routes.jsonl" \
	--accounts "$accounts" --repo "$PWD" --work "$work" \
	--level "${SQLMAP_LEVEL:-2}" --risk "${SQLMAP_RISK:-2}" --jobs "${SQLMAP_JOBS:-3}" "$@"
