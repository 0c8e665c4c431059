#!/usr/bin/env bash
# PostgreSQL that survives losing its primary, for start.sh
# (RDV_CLUSTER_FAILOVER=1): pg_auto_failover's monitor and two nodes, all
# on loopback, a primary and a synchronous standby. Each node runs under
# its keeper (pg_autoctl run), which starts its PostgreSQL and carries
# out what the monitor decides; when the primary is lost, the monitor
# promotes the standby, and the instances, given both nodes in one URL
# with target_session_attrs=read-write, find the new primary by
# themselves. docs/failover.md says what a failover costs.
#
# Usage: deploy/cluster/failover.sh start       creates the nodes once, runs them,
#                                               waits for a synchronous standby,
#                                               prints the database's URL
#        deploy/cluster/failover.sh stop        stops the standby, the primary, the monitor
#        deploy/cluster/failover.sh run NODE    runs a node (node1, node2) again after it
#                                               was lost: it comes back as the standby
#        deploy/cluster/failover.sh wait        waits until the primary has a synchronous
#                                               standby again, both settled
#                                               in the monitor's eyes
#        deploy/cluster/failover.sh state       the monitor's view (pg_autoctl show state)
#
# Settings, from the environment (defaults in brackets):
#   RDV_CLUSTER_DIR           state directory [.cluster at the repository's root]
#   RDV_CLUSTER_MONITOR_PORT  the monitor's port [55440]
#   RDV_CLUSTER_NODE_PORT     node1's port; node2's is the next [55441]
#
# Everything lives in the state directory: pgaf/ (the three data
# directories, pg_autoctl's configuration and state in pgaf/home),
# log/pgaf-*.log, run/pgaf-*.pid (each the process group of a node: its
# keeper and its PostgreSQL).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
state=${RDV_CLUSTER_DIR:-$root/.cluster}
monitor_port=${RDV_CLUSTER_MONITOR_PORT:-55440}
node_port=${RDV_CLUSTER_NODE_PORT:-55441}
pgaf=$state/pgaf
nodes=(node1 node2)

die() { echo "cluster: $*" >&2; exit 1; }
alive() {
  local s
  [ -s "$1" ] && s=$(ps -o stat= -p "$(cat "$1")" 2>/dev/null) && [ "${s#Z}" = "$s" ]
}
port_of() { [ "$1" = monitor ] && echo "$monitor_port" || echo $((node_port + ${1#node} - 1)); }

command -v pg_autoctl >/dev/null || die "pg_autoctl is not installed (apt-get install postgresql-15-auto-failover)"
# The PostgreSQL whose server has the monitor's extension.
ext=$(ls /usr/lib/postgresql/*/lib/pgautofailover.so 2>/dev/null | sort -V | tail -n 1)
[ -n "$ext" ] || die "pg_auto_failover's extension is not installed (apt-get install postgresql-15-auto-failover)"
pg_bin=$(dirname "$(dirname "$ext")")/bin

# pg_autoctl refuses root: it runs as the postgres OS user then, with an
# environment of its own (its configuration and state under pgaf/home,
# not the user's home), as start.sh runs PostgreSQL.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || die "no postgres OS user to run PostgreSQL as"
  as_pg=(runuser -u postgres --)
fi
pg_env=(env -i HOME="$pgaf/home" XDG_CONFIG_HOME="$pgaf/home/config" XDG_DATA_HOME="$pgaf/home/data"
  XDG_RUNTIME_DIR="$pgaf/home/run" PATH="$pg_bin:/usr/bin:/bin" LANG=C.UTF-8)
autoctl() { "${as_pg[@]}" "${pg_env[@]}" pg_autoctl "$@"; }

url() {
  echo "postgres://postgres@127.0.0.1:$(port_of node1),127.0.0.1:$(port_of node2)/rdv?target_session_attrs=read-write&connect_timeout=2&sslmode=disable"
}

# run NAME: starts the keeper of monitor, node1 or node2 in a session of
# its own, unless it runs already.
run() {
  local pidfile=$state/run/pgaf-$1.pid
  alive "$pidfile" && return 0
  setsid "${as_pg[@]}" "${pg_env[@]}" pg_autoctl run --pgdata "$pgaf/$1" >>"$state/log/pgaf-$1.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

# ready PORT: that PostgreSQL takes connections.
ready() {
  for _ in $(seq 1 120); do
    "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$1" && return 0
    sleep 0.5
  done
  return 1
}

# synchronous: the node that takes writes has a standby that confirms
# every commit (the monitor names it in synchronous_standby_names only
# while it is healthy and caught up).
synchronous() {
  local n
  n=$("$pg_bin/psql" "$(url)" -qtAc "SELECT count(*) FROM pg_stat_replication
    WHERE sync_state IN ('sync', 'quorum') AND current_setting('synchronous_standby_names') <> ''" 2>/dev/null) \
    && [ "${n:-0}" -ge 1 ]
}

# settled: the monitor sees a primary and a secondary, healthy, each in
# the state it assigned. Until then the primary may not be failed over:
# the monitor promotes only a standby it knows to be in step.
settled() {
  local n
  n=$("$pg_bin/psql" "postgres://autoctl_node@127.0.0.1:$monitor_port/pg_auto_failover?sslmode=disable&connect_timeout=2" \
    -qtAc "SELECT count(*) FROM pgautofailover.node WHERE reportedstate = goalstate
      AND reportedstate IN ('primary', 'secondary') AND health = 1" 2>/dev/null) && [ "${n:-0}" -eq 2 ]
}

wait_synchronous() {
  for _ in $(seq 1 240); do
    settled && synchronous && return 0
    sleep 0.5
  done
  autoctl show state --pgdata "$pgaf/monitor" >&2 || true
  die "no synchronous standby after two minutes: see $state/log/pgaf-*.log"
}

create() {
  mkdir -p "$pgaf/home/run" "$state/log" "$state/run"
  [ ${#as_pg[@]} -eq 0 ] || chown -R postgres: "$pgaf"
  chmod 700 "$pgaf"
  if [ ! -s "$pgaf/monitor/PG_VERSION" ]; then
    echo "cluster: creating pg_auto_failover's monitor in $pgaf" >&2
    # Without TLS, as start.sh's PostgreSQL: every connection stays on
    # loopback. Production uses --ssl-self-signed or its own certificates
    # (docs/failover.md).
    autoctl create monitor --pgdata "$pgaf/monitor" --pgctl "$pg_bin/pg_ctl" --pgport "$monitor_port" \
      --hostname 127.0.0.1 --auth trust --no-ssl >>"$state/log/pgaf-monitor.log" 2>&1 \
      || die "pg_autoctl create monitor failed: see $state/log/pgaf-monitor.log"
    autoctl config set --pgdata "$pgaf/monitor" postgresql.listen_addresses 127.0.0.1 >/dev/null
    # pg_auto_failover's defaults take about 50 s to fail over: a health
    # check every 20 s, 20 s without news before a node is unhealthy,
    # then 30 s for the old primary to step down. These take about 20 s,
    # and keep the order that makes them safe: a primary cut off from
    # the monitor and its standby stops itself (the keepers'
    # network_partition_timeout, 8 s below) before the monitor promotes
    # the standby (5 s + 10 s). A check still waits 5 s for an answer,
    # as by default: a standby slow to answer on a busy machine must not
    # be taken for lost, since the primary then stops waiting for it
    # and it can no longer be promoted.
    "${as_pg[@]}" tee -a "$pgaf/monitor/postgresql.conf" >/dev/null <<EOF
# deploy/cluster/failover.sh: fail over in seconds (docs/failover.md)
pgautofailover.health_check_period = 2000
pgautofailover.health_check_timeout = 5000
pgautofailover.health_check_retry_delay = 1000
pgautofailover.health_check_max_retries = 2
pgautofailover.node_considered_unhealthy_timeout = 5000
pgautofailover.primary_demote_timeout = 10000
EOF
  fi
}

# create_node NAME: registers a node with the monitor: the first becomes
# the primary (a new cluster with the database rdv), the second its
# standby (a base backup of the first, whose keeper must be running).
create_node() {
  local port
  port=$(port_of "$1")
  echo "cluster: creating pg_auto_failover's $1 on port $port" >&2
  autoctl create postgres --pgdata "$pgaf/$1" --pgctl "$pg_bin/pg_ctl" --pgport "$port" --listen 127.0.0.1 \
    --hostname 127.0.0.1 --name "$1" --username postgres --dbname rdv \
    --monitor "postgres://autoctl_node@127.0.0.1:$monitor_port/pg_auto_failover?sslmode=disable" \
    --auth trust --no-ssl >>"$state/log/pgaf-$1.log" 2>&1 \
    || die "pg_autoctl create postgres ($1) failed: see $state/log/pgaf-$1.log"
  autoctl config set --pgdata "$pgaf/$1" timeout.network_partition_timeout 8 >/dev/null
  # As start.sh's PostgreSQL: 3 instances x (32 connections, a watcher,
  # the background jobs'), plus the load and a few sessions. A standby
  # copies the primary's file with its base backup.
  grep -qs '^# deploy/cluster' "$pgaf/$1/postgresql.conf" || "${as_pg[@]}" tee -a "$pgaf/$1/postgresql.conf" >/dev/null <<EOF
# deploy/cluster
max_connections = 150
shared_buffers = 128MB
EOF
}

start() {
  [ ! -d "$state/pg" ] || die "$state holds a PostgreSQL without failover (pg/): give RDV_CLUSTER_DIR another directory"
  create
  run monitor
  ready "$monitor_port" || die "the monitor does not start: see $state/log/pgaf-monitor.log"
  for n in "${nodes[@]}"; do
    if [ -s "$pgaf/$n/PG_VERSION" ]; then
      # Started again, a node may wait for the other: a primary lost
      # while stopped comes back as the standby of the new one.
      run "$n"
    else
      # The standby is made from the running primary.
      create_node "$n"
      run "$n"
      ready "$(port_of "$n")" || die "$n does not start: see $state/log/pgaf-$n.log"
    fi
  done
  wait_synchronous
  url
}

# stop_node NAME: asks its keeper to stop (it stops its PostgreSQL
# first), and waits for it to leave.
stop_node() {
  local pidfile=$state/run/pgaf-$1.pid
  if alive "$pidfile"; then
    autoctl stop --pgdata "$pgaf/$1" >/dev/null 2>&1 || kill -TERM "$(cat "$pidfile")"
    for _ in $(seq 1 300); do
      alive "$pidfile" || break
      sleep 0.1
    done
    if alive "$pidfile"; then
      echo "cluster: pgaf-$1 still running after 30 s: killed" >&2
      kill -KILL -- "-$(cat "$pidfile")"
    fi
  fi
  rm -f "$pidfile"
  # A PostgreSQL left by a keeper that was killed.
  if [ -f "$pgaf/$1/postmaster.pid" ]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgaf/$1" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

stop() {
  [ -d "$pgaf" ] || return 0
  # The standby first: stopping the primary first would set the monitor
  # failing over to a standby about to stop.
  local primary=
  for n in "${nodes[@]}"; do
    if [ "$("$pg_bin/psql" -h 127.0.0.1 -p "$(port_of "$n")" -U postgres -d rdv -qtAc 'SELECT NOT pg_is_in_recovery()' 2>/dev/null)" = t ]; then
      primary=$n
    else
      stop_node "$n"
    fi
  done
  [ -z "$primary" ] || stop_node "$primary"
  stop_node monitor
}

case ${1:-} in
start) start ;;
stop) stop ;;
run)
  case ${2:-} in node1 | node2) ;; *) die "usage: $0 run node1|node2" ;; esac
  run "$2"
  ready "$(port_of "$2")" || die "$2 does not start: see $state/log/pgaf-$2.log"
  ;;
wait) wait_synchronous ;;
state) autoctl show state --pgdata "$pgaf/monitor" ;;
url) url ;;
*) die "usage: $0 start|stop|run NODE|wait|state|url" ;;
esac
