#!/usr/bin/env bash
# Starts a production-shaped rdv platform on this machine, all on loopback:
# a PostgreSQL cluster of its own, the demo network loaded into it once,
# three rdv serve instances sharing it, and HAProxy in front of them with
# deploy/haproxy/haproxy.cfg. Logs, pids, keys and the database live in
# the state directory; deploy/cluster/stop.sh stops everything.
#
# Usage: deploy/cluster/start.sh        (make cluster)
#
# Settings, from the environment (defaults in brackets):
#   RDV_CLUSTER_DIR          state directory [.cluster at the repository's root]
#   RDV_BIN                  an rdv binary to run [built into the state directory]
#   RDV_CLUSTER_EDGE_PORT    HAProxy's port, the platform's address [8080]
#   RDV_CLUSTER_PORT         the first instance's port; the others follow [8081]
#   RDV_CLUSTER_METRICS_PORT the first instance's metrics port; the others follow [9091]
#   RDV_CLUSTER_STATS_PORT   HAProxy's statistics page and metrics [8404]
#   RDV_CLUSTER_PG_PORT      PostgreSQL's port [55432]
#   RDV_CLUSTER_FAILOVER     1: PostgreSQL under pg_auto_failover instead, a
#                            primary and a synchronous standby that takes over
#                            when the primary is lost (deploy/cluster/failover.sh,
#                            its ports RDV_CLUSTER_MONITOR_PORT [55440] and
#                            RDV_CLUSTER_NODE_PORT [55441, 55442]) [0]
#   RDV_CLUSTER_WEEKS        weeks of slots in the demo network [8]
#   RDV_CLUSTER_SERVE_ARGS   more flags for every rdv serve
#   RDV_CONCURRENCY_MAX and RDV_EDGE_* (deploy/haproxy/haproxy.cfg) tune the limits.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
state=${RDV_CLUSTER_DIR:-$root/.cluster}
edge_port=${RDV_CLUSTER_EDGE_PORT:-8080}
port=${RDV_CLUSTER_PORT:-8081}
metrics_port=${RDV_CLUSTER_METRICS_PORT:-9091}
stats_port=${RDV_CLUSTER_STATS_PORT:-8404}
pg_port=${RDV_CLUSTER_PG_PORT:-55432}
weeks=${RDV_CLUSTER_WEEKS:-8}
instances=3

# The instances' concurrency limit: each rdv serve reads it from the
# environment (--concurrency-max), and HAProxy sends each instance at most
# that many requests at once (maxconn), holding the rest in its own queue.
export RDV_CONCURRENCY_MAX=${RDV_CONCURRENCY_MAX:-64}

die() { echo "cluster: $*" >&2; echo "cluster: make cluster-stop stops what did start" >&2; exit 1; }
# alive PIDFILE: its process is there and not a zombie.
alive() {
  local s
  [ -s "$1" ] && s=$(ps -o stat= -p "$(cat "$1")" 2>/dev/null) && [ "${s#Z}" = "$s" ]
}

command -v haproxy >/dev/null || die "haproxy is not installed (apt-get install haproxy)"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || die "PostgreSQL's server programs are not installed (apt-get install postgresql)"

mkdir -p "$state"/{log,run,keys,bin,spool}
state=$(cd "$state" && pwd)
# The database's OS user walks through to pg/; the rest is this user's
# alone (the logs hold the demo's staff passwords).
chmod 711 "$state"
chmod 700 "$state"/{log,run,keys,spool}
for f in "$state"/run/*.pid; do
  if [ -e "$f" ] && alive "$f"; then
    die "already running ($(basename "$f" .pid) is up); deploy/cluster/stop.sh stops it"
  fi
done

# PostgreSQL, as the postgres OS user when run as root (initdb refuses
# root), in a directory of the state directory.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || die "no postgres OS user to run PostgreSQL as"
  as_pg=(runuser -u postgres --)
fi
pgdata=$state/pg/data
# start_postgres starts the cluster's own PostgreSQL, creating it the
# first time, and sets db to its URL.
start_postgres() {
  if [ ! -d "$pgdata" ]; then
    echo "cluster: creating a PostgreSQL cluster in $state/pg"
    mkdir -p "$state/pg"
    [ ${#as_pg[@]} -eq 0 ] || chown postgres: "$state/pg"
    chmod 700 "$state/pg"
    "${as_pg[@]}" "$pg_bin/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --locale=C >"$state/log/initdb.log" 2>&1 \
      || die "initdb failed: see $state/log/initdb.log"
    # 3 instances x 32 connections, plus the load and a few sessions.
    "${as_pg[@]}" tee -a "$pgdata/postgresql.conf" >/dev/null <<EOF
# deploy/cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$state/pg'
max_connections = 120
shared_buffers = 128MB
EOF
  fi
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgdata" -l "$state/pg/server.log" -o "-p $pg_port" -w -t 60 start >/dev/null \
    || die "PostgreSQL did not start: see $state/pg/server.log"
  db="postgres://postgres@127.0.0.1:$pg_port/rdv?sslmode=disable"
  "${as_pg[@]}" "$pg_bin/psql" -h "$state/pg" -p "$pg_port" -U postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = 'rdv'" | grep -q 1 \
    || "${as_pg[@]}" "$pg_bin/createdb" -h "$state/pg" -p "$pg_port" -U postgres rdv
}
if [ "${RDV_CLUSTER_FAILOVER:-0}" = 1 ]; then
  # A primary and its synchronous standby under pg_auto_failover: the
  # instances get both in one URL and find the primary by themselves.
  db=$(RDV_CLUSTER_DIR=$state "$root/deploy/cluster/failover.sh" start) || die "PostgreSQL under pg_auto_failover did not start"
elif [ -d "$state/pgaf" ]; then
  die "$state holds PostgreSQL under pg_auto_failover: start it with RDV_CLUSTER_FAILOVER=1"
else
  start_postgres
fi

rdv=${RDV_BIN:-}
if [ -z "$rdv" ]; then
  echo "cluster: building rdv"
  (cd "$root" && GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3} go build -o "$state/bin/rdv" ./cmd/rdv)
  rdv=$state/bin/rdv
fi

# Keys stay away from the data: the data keys that seal patient data and
# the server's secret (waiting-room tickets, form tokens) are files of the
# state directory's keys/, outside PostgreSQL's data directory, read by
# the instances with --keys and from the environment.
keys=$state/keys/data.keys
if [ ! -s "$keys" ]; then
  (umask 077 && "$rdv" keys generate >"$keys")
fi
secret_file=$state/keys/server.secret
if [ ! -s "$secret_file" ]; then
  (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n' >"$secret_file")
fi

# The demo network, once. rdv demo migrates the new database first.
if [ ! -e "$state/demo.loaded" ]; then
  echo "cluster: loading the demo network ($weeks weeks of slots)"
  "$rdv" demo --db "$db" --keys "$keys" --weeks "$weeks" 2>"$state/log/demo.log" || die "rdv demo failed: see $state/log/demo.log"
  touch "$state/demo.loaded"
  echo "cluster: the demo's staff accounts and their passwords are in $state/log/demo.log"
else
  "$rdv" migrate --db "$db" >"$state/log/migrate.log" 2>&1 || die "rdv migrate failed: see $state/log/migrate.log"
fi

# The instances: behind the edge, they take the client's address from the
# X-Forwarded-For entry HAProxy appends (--trust-forwarded-for), and the
# per-address limits are the edge's (deploy/README.md): each instance's
# own is a backstop a few times higher than its share of the edge's.
urls=()
for i in $(seq 1 $instances); do
  p=$((port + i - 1))
  urls+=("http://127.0.0.1:$p")
  # shellcheck disable=SC2086 # RDV_CLUSTER_SERVE_ARGS is a list of flags
  RDV_WAITROOM_SECRET=$(cat "$secret_file") setsid "$rdv" serve --db "$db" --keys "$keys" \
    --addr "127.0.0.1:$p" --metrics-addr "127.0.0.1:$((metrics_port + i - 1))" \
    --public-url "http://127.0.0.1:$edge_port" --trust-forwarded-for \
    --rate-per-address 200 --burst-per-address 400 --shutdown-grace 10s \
    --spool "$state/spool/rdv$i.requests.spool" ${RDV_CLUSTER_SERVE_ARGS:-} \
    >>"$state/log/rdv$i.log" 2>&1 </dev/null &
  echo $! >"$state/run/rdv$i.pid"
done
for i in $(seq 1 $instances); do
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "${urls[$((i - 1))]}/readyz" 2>/dev/null && break
    alive "$state/run/rdv$i.pid" || die "rdv $i stopped: see $state/log/rdv$i.log"
    sleep 0.5
  done
  curl -fsS -o /dev/null "${urls[$((i - 1))]}/readyz" || die "rdv $i is not ready after a minute: see $state/log/rdv$i.log"
done

# The edge, with the shipped configuration as it is: only addresses and
# paths come from the environment.
export RDV_EDGE_ADDR=127.0.0.1:$edge_port
export RDV_EDGE_STATS_ADDR=127.0.0.1:$stats_port
export RDV_EDGE_RUN=$state/run
export RDV_EDGE_PAGES=$root/deploy/haproxy/pages
export RDV_INSTANCE_1=127.0.0.1:$port RDV_INSTANCE_2=127.0.0.1:$((port + 1)) RDV_INSTANCE_3=127.0.0.1:$((port + 2))
cfg=$root/deploy/haproxy/haproxy.cfg
haproxy -c -q -f "$cfg" || die "haproxy -c refused $cfg"
setsid haproxy -W -f "$cfg" -p "$state/run/haproxy.pid" >>"$state/log/haproxy.log" 2>&1 </dev/null &
for _ in $(seq 1 50); do
  curl -fsS -o /dev/null "http://$RDV_EDGE_ADDR/healthz" 2>/dev/null && break
  sleep 0.2
done
curl -fsS -o /dev/null "http://$RDV_EDGE_ADDR/healthz" || die "the edge does not answer: see $state/log/haproxy.log"

cat <<EOF
rdv is up: http://$RDV_EDGE_ADDR
  instances  ${urls[*]}  (metrics on ports $metrics_port-$((metrics_port + instances - 1)))
  edge stats http://$RDV_EDGE_STATS_ADDR/  (Prometheus: /metrics)
  database   $db
  state      $state (logs in log/, pids in run/)
stop it with: make cluster-stop  (or deploy/cluster/stop.sh)
EOF
