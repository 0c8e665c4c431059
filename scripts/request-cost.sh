#!/usr/bin/env bash
# The CPU one request costs rdv serve, against a bare net/http handler, by
# the method of docs/flood: the server alone on one core (GOMAXPROCS=1,
# pinned with taskset), wrk on the other (one thread, 64 connections), the
# server's CPU time read from /proc/PID/stat before and after each run.
# Cases: the bare handler; a probe (/healthz); a refusal (429: the
# per-address limit lowered to one request a second, so that nearly every
# request is refused); a search in the index (/api/v1/slots, the
# per-address limits off: wrk is one address); the bare handler answering
# the search's bytes (bare-bytes). Prints, per
# case, requests/s, CPU µs per request and their ratios to the bare handler's,
# the median of ROUNDS runs of SECONDS each, cases interleaved.
#
# Usage: scripts/request-cost.sh            (ROUNDS=3 SECONDS=5 by default)
# Needs: go, wrk, taskset, curl, two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
secs=${SECONDS_EACH:-5}
port=${PORT:-18181}
for tool in wrk taskset curl; do
  command -v "$tool" >/dev/null || { echo "request-cost: $tool is not installed" >&2; exit 1; }
done
[ "$(nproc)" -ge 2 ] || { echo "request-cost: needs two cores" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}
go build -o "$tmp/rdv" ./cmd/rdv
mkdir "$tmp/src"
cat >"$tmp/src/main.go" <<'GO'
package main

import (
	"net/http"
	"os"
)

func main() {
	body := []byte(`{"status":"ok"}` + "\n")
	if len(os.Args) > 2 { // the body to answer, read from a file
		b, err := os.ReadFile(os.Args[2])
		if err != nil {
			panic(err)
		}
		body = b
	}
	http.ListenAndServe(os.Args[1], http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
}
GO
(cd "$tmp/src" && go mod init bare >/dev/null 2>&1 && go build -o "$tmp/bare-server" .)
"$tmp/rdv" demo --db "$tmp/rdv.db" --weeks 1 >/dev/null 2>&1

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# start NAME ARGS...: runs a server on core 0, one P, and waits for it.
start() {
  local name=$1; shift
  GOMAXPROCS=1 taskset -c 0 "$@" >"$tmp/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    # Ready: the index built, which takes CPU no request should pay.
    if curl -fso /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then
      settle
      return
    fi
    sleep 0.1
  done
  echo "request-cost: $name did not start" >&2; cat "$tmp/$name.log" >&2; exit 1
}
# settle waits, 30 s at most, until the server uses under 3 % of its core
# over half a second: the work a start leaves behind once ready (the
# first SMART Scheduling Links files, built from the whole index) is no
# request's either, and was a tenth of a probe run's CPU.
settle() {
  local a b
  for _ in $(seq 1 60); do
    a=$(cpu "$pid"); sleep 0.5; b=$(cpu "$pid")
    [ $(( (b - a) * 100 )) -lt $(( hz * 3 / 2 )) ] && return
  done
  echo "request-cost: $name still busy after 30 s; measuring anyway" >&2
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; }

# measure NAME PATH: one wrk run; appends "reqs/s µs/req" to $tmp/NAME.
measure() {
  local before after out reqs
  before=$(cpu "$pid")
  out=$(taskset -c 1 wrk -t1 -c64 -d"${secs}s" "http://127.0.0.1:$port$2")
  after=$(cpu "$pid")
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  # Every answer but the refusals' must be a success: a search refused
  # by a limit would measure the refusal twice.
  if [ "$1" != refusal ] && echo "$out" | grep -q 'Non-2xx'; then
    echo "request-cost: $1: $(echo "$out" | grep 'Non-2xx')" >&2; exit 1
  fi
  awk -v r="$reqs" -v t=$((after - before)) -v hz="$hz" -v s="$secs" \
    'BEGIN { printf "%.0f %.1f\n", r / s, t / hz / r * 1e6 }' >>"$tmp/$1"
}

search='/api/v1/slots?near=45.5017,-73.5673&service=general&radius_km=25&limit=20'
for _ in $(seq 1 "$rounds"); do
  start bare "$tmp/bare-server" "127.0.0.1:$port"; measure bare /; stop
  # One address sends everything here: the per-address limits off, the
  # rest of admission control on.
  start rdv "$tmp/rdv" serve --db "$tmp/rdv.db" --addr "127.0.0.1:$port" --metrics-addr off --client-limits=off
  measure probe /healthz
  measure search "$search"
  [ -s "$tmp/search.json" ] || curl -fso "$tmp/search.json" "http://127.0.0.1:$port$search"
  stop
  # The bare handler answering the search's bytes: what the size of the
  # answer costs any server, apart from rdv's work.
  start bare "$tmp/bare-server" "127.0.0.1:$port" "$tmp/search.json"; measure bare-bytes /; stop
  start refusal "$tmp/rdv" serve --db "$tmp/rdv.db" --addr "127.0.0.1:$port" --metrics-addr off \
    --rate-per-address 1 --burst-per-address 1
  [ "$(curl -so /dev/null -w '%{http_code}' "http://127.0.0.1:$port$search"; curl -so /dev/null -w '%{http_code}' "http://127.0.0.1:$port$search")" = 200429 ] \
    || { echo "request-cost: the second request was not refused 429" >&2; exit 1; }
  measure refusal "$search"
  stop
done

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
bare=$(cut -d' ' -f2 "$tmp/bare" | median)
bare_rps=$(cut -d' ' -f1 "$tmp/bare" | median)
printf '%-10s %10s %12s %12s %12s\n' case 'req/s' 'CPU µs/req' 'CPU × bare' 'req/s × bare'
for c in bare probe refusal search bare-bytes; do
  rps=$(cut -d' ' -f1 "$tmp/$c" | median)
  us=$(cut -d' ' -f2 "$tmp/$c" | median)
  printf '%-10s %10s %12s %12s %12s\n' "$c" "$rps" "$us" \
    "$(awk -v a="$us" -v b="$bare" 'BEGIN { printf "%.2f", a / b }')" \
    "$(awk -v a="$rps" -v b="$bare_rps" 'BEGIN { printf "%.2f", a / b }')"
done
echo "search against bare-bytes (the same answer from the bare handler): $(awk -v a="$(cut -d' ' -f1 "$tmp/search" | median)" -v b="$(cut -d' ' -f1 "$tmp/bare-bytes" | median)" 'BEGIN { printf "%.2f", a / b }')× its req/s"
echo "($rounds rounds of ${secs} s; the median of each; load $(cut -d' ' -f1-3 /proc/loadavg))"
