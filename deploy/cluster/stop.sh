#!/usr/bin/env bash
# Stops what deploy/cluster/start.sh started, front to back, each
# draining: HAProxy on SIGUSR1 (its listener closes, requests in flight
# finish, hard-stop-after bounds the wait), the instances on SIGTERM
# (the same, within --shutdown-grace), then PostgreSQL (the standby
# first under pg_auto_failover, RDV_CLUSTER_FAILOVER=1). The state
# directory stays: start.sh starts the same platform again, without
# loading the demo network anew.
#
# Usage: deploy/cluster/stop.sh        (make cluster-stop)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
state=${RDV_CLUSTER_DIR:-$root/.cluster}
[ -d "$state" ] || { echo "cluster: nothing to stop ($state does not exist)"; exit 0; }

# running PID: the process is there and not a zombie (start.sh's
# processes outlive it, and their new parent may be slow to reap them).
running() {
  local s
  s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s#Z}" = "$s" ]
}

# stop NAME SIGNAL SECONDS: signals the process of run/NAME.pid and waits
# for it to leave, killing it once SECONDS have passed.
stop() {
  local f=$state/run/$1.pid pid
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  if running "$pid"; then
    kill -s "$2" "$pid"
    for _ in $(seq 1 $(($3 * 10))); do
      running "$pid" || break
      sleep 0.1
    done
    if running "$pid"; then
      echo "cluster: $1 still running after $3 s: killed"
      kill -s KILL "$pid"
    fi
  fi
  rm -f "$f"
}

stop haproxy USR1 35 # hard-stop-after (30 s) and grace
for f in "$state"/run/rdv*.pid; do
  [ -e "$f" ] || continue
  stop "$(basename "$f" .pid)" TERM 15 & # --shutdown-grace (10 s), all at once
done
wait
# PostgreSQL under pg_auto_failover (RDV_CLUSTER_FAILOVER=1): its
# standby, its primary, then its monitor.
if [ -d "$state/pgaf" ]; then
  RDV_CLUSTER_DIR=$state "$root/deploy/cluster/failover.sh" stop
fi
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -f "$state/pg/data/postmaster.pid" ]; then
  as_pg=()
  [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$state/pg/data" -m fast -w stop >/dev/null
fi
echo "cluster: stopped (state kept in $state)"
