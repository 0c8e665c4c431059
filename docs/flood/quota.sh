#!/bin/bash
# One flood at --overload 10 against servers limited to a share of one core by a CPU quota,
# so that one generator core can offer ten times their capacity.
#
# Usage: docs/flood/quota.sh RDV DEMO_DB WORKDIR RUN [PERCENT [FLOOD FLAGS...]]
#   RDV      the rdv binary (go build -o bin/rdv ./cmd/rdv)
#   DEMO_DB  a database made by "rdv demo --db DEMO_DB"; each run floods fresh copies of it
#   WORKDIR  where the copies, logs and the report of this run go (WORKDIR/repRUN)
#   PERCENT  CPU quota of the servers, in percent of one core (20 by default)
#   FLOOD FLAGS are passed on to rdv flood (e.g. --max-workers 20000)
#
# Needs root and the cpu controller of cgroup v2 (cpu.max) or v1 (cpu.cfs_quota_us). The
# servers load their availability index unlimited, then move into the limited group before the
# flood begins: only the measurement runs under the quota.
set -eu
rdv=$(realpath "$1"); demo=$(realpath "$2"); work=$3; n=$4; pct=${5:-20}
period=10000                          # 10 ms, so a throttled server stalls for short spells
quota=$((period * pct / 100))
mkdir -p "$work/rep$n"; cd "$work"

if grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
  group=/sys/fs/cgroup/rdv-flood
  mkdir -p "$group"; echo "$quota $period" > "$group/cpu.max"
elif [ -d /sys/fs/cgroup/cpu ]; then
  group=/sys/fs/cgroup/cpu/rdv-flood
  mkdir -p "$group"
  echo "$period" > "$group/cpu.cfs_period_us"; echo "$quota" > "$group/cpu.cfs_quota_us"
else
  echo "no cgroup cpu controller here" >&2; exit 1
fi

cp "$demo" on$n.db; cp "$demo" off$n.db
GOMAXPROCS=1 taskset -c 1 "$rdv" serve --demo --db on$n.db --addr 127.0.0.1:18181 \
  --metrics-addr 127.0.0.1:19181 --client-limits=off > on$n.log 2>&1 &
on=$!
GOMAXPROCS=1 taskset -c 1 "$rdv" serve --demo --db off$n.db --addr 127.0.0.1:18182 \
  --metrics-addr 127.0.0.1:19182 --client-limits=off --admission=off > off$n.log 2>&1 &
off=$!
trap 'kill $on $off 2>/dev/null; wait $on $off 2>/dev/null || true' EXIT
sleep 10                              # the availability index loads in about 6 s
echo $on > "$group/cgroup.procs"; echo $off > "$group/cgroup.procs"

taskset -c 0 "$rdv" flood --target http://127.0.0.1:18181 --compare-target http://127.0.0.1:18182 \
  --metrics http://127.0.0.1:19181 --compare-metrics http://127.0.0.1:19182 --duration 20s --overload 10 --json --report rep$n "${@:6}" > rep$n/flood.json 2> rep$n/progress.log
grep -E '^(nr_periods|nr_throttled|throttled_)' "$group/cpu.stat" > rep$n/throttle.txt || true
