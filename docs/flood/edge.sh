#!/bin/bash
# One flood at --overload 10 through the edge (deploy/cluster: PostgreSQL,
# three rdv serve instances, HAProxy with deploy/haproxy/haproxy.cfg), then
# the same flood through a proxy that only balances (plain.cfg), with the
# instances held to a CPU quota so that one generator core can offer ten
# times their capacity. Report: docs/flood/edge.md.
#
# Usage: docs/flood/edge.sh RDV WORKDIR RUN [PERCENT [FLOOD FLAGS...]]
#   RDV      the rdv binary (go build -o bin/rdv ./cmd/rdv)
#   WORKDIR  where the platform's state (started afresh) and the report of
#            this run go (WORKDIR/repRUN)
#   PERCENT  CPU quota of the three instances together, in percent of one
#            core [20]
#   FLOOD FLAGS are passed on to rdv flood
#
# Placement on a 2-core machine: the generator alone on core 0; the whole
# platform on core 1 (GOMAXPROCS=1), the instances in a cgroup with the
# quota, PostgreSQL and the proxies beside them without one. In production
# the edge and the database are machines of their own: their CPU is not
# the instances'. Core 1's use is recorded, to show it had room.
#
# Needs root (the cgroup, PostgreSQL run as postgres), haproxy, PostgreSQL,
# and the cpu controller of cgroup v2 (cpu.max) or v1 (cpu.cfs_quota_us).
# Run it alone on the machine: other work on either core skews every figure.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rdv=$(realpath "$1"); work=$(realpath -m "$2"); n=$3; pct=${4:-20}
shift $(($# < 4 ? $# : 4))
period=10000 # 10 ms, so that a throttled instance stalls for short spells
quota=$((period * pct / 100))
rep=$work/rep$n state=$work/state$n
mkdir -p "$rep"; rm -rf "$state"

# Ten ports in a row that nothing listens on.
busy=$(ss -Htan | awk '{print $4}' | sed 's/.*://' | sort -u)
base=
for _ in $(seq 1 200); do
  b=$((20000 + RANDOM % 4000 * 10))
  clash=0
  for p in $(seq "$b" $((b + 9))); do grep -qx "$p" <<<"$busy" && clash=1 && break; done
  [ $clash = 0 ] && base=$b && break
done
[ -n "$base" ] || { echo "edge.sh: no free ports" >&2; exit 1; }
edge=$base plain=$((base + 1)) port=$((base + 2)) stats=$((base + 5)) metrics=$((base + 6)) pg=$((base + 9))

if grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
  group=/sys/fs/cgroup/rdv-edge-$n
  mkdir -p "$group"; echo "$quota $period" >"$group/cpu.max"
elif [ -d /sys/fs/cgroup/cpu ]; then
  group=/sys/fs/cgroup/cpu/rdv-edge-$n
  mkdir -p "$group"
  echo "$period" >"$group/cpu.cfs_period_us"; echo "$quota" >"$group/cpu.cfs_quota_us"
else
  echo "edge.sh: no cgroup cpu controller here" >&2; exit 1
fi

# The instances' concurrency limit, also their maxconn at the edge, and
# the edge's queue, scaled to instances that each have a few percent of a
# core (the shipped 64 and 64 are for instances with a core each): 8
# requests at once keep an instance busy without a queue of its own,
# and 32 waiting at the edge are about 100 ms of the platform's work.
export RDV_CONCURRENCY_MAX=${RDV_CONCURRENCY_MAX:-8} RDV_EDGE_QUEUE=${RDV_EDGE_QUEUE:-32}
# Each instance rebuilds the SMART Scheduling Links files
# (/fhir/$bulk-publish) from its whole index at most every 30 s while
# availability changes: cheap for an instance with a core, but under a
# quota of 30 % it took 45 % of an instance's CPU (a profile during the
# flood), and the 587 requests/s of a ramp step fell to 166 at that rate. Scaled
# like the instances (a tenth of a core or less each), the period is 5
# minutes, longer than the whole run.
export RDV_CLUSTER_SERVE_ARGS=${RDV_CLUSTER_SERVE_ARGS:---fhir-publish-every 5m}
export RDV_CLUSTER_DIR=$state RDV_BIN=$rdv RDV_CLUSTER_EDGE_PORT=$edge RDV_CLUSTER_PORT=$port \
  RDV_CLUSTER_STATS_PORT=$stats RDV_CLUSTER_METRICS_PORT=$metrics RDV_CLUSTER_PG_PORT=$pg
plain_pid=
cleanup() {
  [ -z "$plain_pid" ] || kill -USR1 "$plain_pid" 2>/dev/null || true
  "$root/deploy/cluster/stop.sh" >/dev/null || true
  # The group empties as its processes leave; rmdir waits for that.
  for _ in $(seq 1 50); do rmdir "$group" 2>/dev/null && break; sleep 0.2; done
}
trap cleanup EXIT
GOMAXPROCS=1 taskset -c 1 "$root/deploy/cluster/start.sh" >"$rep/cluster.log" 2>&1

# The platform without its edge: a second HAProxy, on the same core.
RDV_EDGE_RUN=$state/run RDV_PLAIN_ADDR=127.0.0.1:$plain RDV_INSTANCE_1=127.0.0.1:$port \
  RDV_INSTANCE_2=127.0.0.1:$((port + 1)) RDV_INSTANCE_3=127.0.0.1:$((port + 2)) \
  taskset -c 1 haproxy -W -f "$root/docs/flood/plain.cfg" -p "$state/run/plain.pid" >>"$state/log/plain.log" 2>&1 </dev/null &
plain_pid=$!
# On a shared core the edges must not wait behind the instances they
# protect (in production they have machines of their own), nor the
# generator behind whatever else runs on its core: their latencies are
# what is measured.
for master in "$(cat "$state/run/haproxy.pid")" "$plain_pid"; do
  # shellcheck disable=SC2046 # the workers' pids, one word each
  renice -n -5 -p "$master" $(pgrep -P "$master") >/dev/null || true
done

# The quota holds the measurement only: the instances load their index
# unlimited, and move into the group once each answers a search and they
# have settled (after /readyz they still spend a few seconds of CPU
# finishing the load, which under the quota would stall the first steps
# of the capacity ramp for seconds).
search="/api/v1/slots?near=45.5017,-73.5673&radius_km=25&service=general&limit=1"
pids=()
for i in 1 2 3; do
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "http://127.0.0.1:$((port + i - 1))$search" 2>/dev/null && break
    sleep 0.5
  done
  pids+=("$(cat "$state/run/rdv$i.pid")")
done
# ticks: the instances' CPU time so far, in clock ticks (1/100 s).
ticks() {
  local s=0 p
  for p in "${pids[@]}"; do s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo $s
}
for _ in $(seq 1 30); do
  a=$(ticks); sleep 2; b=$(ticks)
  [ $((b - a)) -le 30 ] && break # under 5 % of a core each, as when idle
done
for pid in "${pids[@]}"; do echo "$pid" >"$group/cgroup.procs"; done
for _ in $(seq 1 50); do
  curl -fsS -o /dev/null "http://127.0.0.1:$plain$search" 2>/dev/null && break
  sleep 0.2
done
curl -fsS -o /dev/null "http://127.0.0.1:$plain$search"

m=http://127.0.0.1:$metrics,http://127.0.0.1:$((metrics + 1)),http://127.0.0.1:$((metrics + 2))
grep -E '^(nr_periods|nr_throttled|throttled_)' "$group/cpu.stat" >"$rep/throttle-before.txt" || true
grep '^cpu1 ' /proc/stat >"$rep/cpu1.txt"
uptime >"$rep/load.txt"
nice -n -5 taskset -c 0 "$rdv" flood --target "http://127.0.0.1:$edge" --compare-target "http://127.0.0.1:$plain" \
  --metrics "$m" --compare-metrics "$m" --names "through the edge,without the edge" \
  --duration 20s --overload 10 --recovery 10s --json --report "$rep" "$@" >"$rep/flood.json" 2>"$rep/progress.log"
grep '^cpu1 ' /proc/stat >>"$rep/cpu1.txt"
uptime >>"$rep/load.txt"
grep -E '^(nr_periods|nr_throttled|throttled_)' "$group/cpu.stat" >"$rep/throttle.txt" || true
echo "show stat" | socat - "UNIX-CONNECT:$state/run/admin.sock" >"$rep/haproxy-stat.csv" || true
echo "show info" | socat - "UNIX-CONNECT:$state/run/admin.sock" >"$rep/haproxy-info.txt" || true
echo "show stat" | socat - "UNIX-CONNECT:$state/run/plain.sock" >"$rep/plain-stat.csv" || true
cp "$state/log/haproxy.log" "$rep/haproxy.log" 2>/dev/null || true
