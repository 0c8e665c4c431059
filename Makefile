# Every target pins the toolchain: the machine's default Go lacks security fixes.
export GOTOOLCHAIN := go1.27.3
GO ?= go

.PHONY: run test sim drill vet check bench bench-postgres build
run:
	$(GO) run ./cmd/rdv serve --demo

build:
	$(GO) build -o bin/rdv ./cmd/rdv

# A production-shaped platform on this machine, all on loopback: PostgreSQL,
# the demo network, three rdv serve instances and HAProxy in front of them
# (deploy/README.md). It prints the address; make cluster-stop stops it all.
.PHONY: cluster cluster-stop
cluster:
	deploy/cluster/start.sh

cluster-stop:
	deploy/cluster/stop.sh

# The same platform on PostgreSQL under pg_auto_failover (RDV_CLUSTER_FAILOVER=1
# make cluster), its primary killed 5 times, and more until 10,000 bookings
# were acknowledged, while 8 patients book: the time until bookings are
# acknowledged again, each time, then the median and the worst
# (docs/failover.md). It needs Debian's postgresql-15-auto-failover and
# root, as .ci/run sets up; without the race detector, since it measures.
.PHONY: failover
failover:
	$(GO) test -count=1 -timeout 30m -run '^TestFailover$$' -v ./deploy/cluster -failover.runs 5 -failover.clients 8 -failover.bookings 10000

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 14m ./...

# The matching simulation at full size: 10,000 requests over two weeks
# (the suite runs a smaller one under the race detector).
sim:
	$(GO) test -count=1 -timeout 10m -run '^TestSimulation$$' -v ./match -sim.full

# The ransomware drill on the demo network, both stores (docs/backup.md):
# from "attack detected" to serving again, 5 minutes at most. Without the
# race detector, since it measures; PostgreSQL's half needs root and
# pgbackrest, as .ci/run sets up.
drill:
	$(GO) test -count=1 -timeout 30m -run '^TestRansomwareDrill' -v ./cmd/rdv -drill.demo

# The fault suite's long run (faults/, docs/reliability.md): each fault
# strikes until its clients have 10,000 bookings acknowledged and a minute
# has passed, then one table: fault, operations, bookings acknowledged,
# anomalies, time to recover. RDV_FAULTS_BOOKINGS and RDV_FAULTS_DURATION
# change both. PostgreSQL's faults need RDV_TEST_POSTGRES_URL (and its
# server programs for a private server and the cluster, with haproxy),
# the full disk root. Without the race detector: it measures; go test
# runs a short version of each fault.
.PHONY: faults
faults:
	cd faults && $(GO) test -count=1 -timeout 3h -faults.long

vet:
	$(GO) vet ./...
	gofmt -l . | (! grep .)

# staticcheck, gosec and govulncheck, at the versions scripts/tools.sh pins,
# installed in .cache/bin. Each exception is justified where it is, with
# //lint:ignore or #nosec Gxxx -- why.
check:
	scripts/tools.sh
	.cache/bin/staticcheck ./...
	.cache/bin/gosec -quiet ./...
	scripts/vulncheck.sh

bench:
	$(GO) test -run '^$$' -bench 'SearchEarliestNear$$' -cpu 1 -count 5 ./availability
	$(GO) test -run '^$$' -bench DurableBookings -benchtime 20000x -count 3 ./sqlite
	$(GO) test -run '^$$' -bench 'HTTPSearch$$|HTTPBare$$' -benchtime 3s ./web/api
	$(GO) test -run '^$$' -bench 'Notify' -benchtime 1x ./notify
	$(GO) test -run '^$$' -bench Proposals -benchtime 5000x -count 3 ./match

bench-postgres:
	scripts/pgbench-compare.sh 10

# sqlmap over every parameter of every route of a demo network of one week,
# signed in as every kind of caller (docs/security.md, « sqlmap »). Not part
# of make test: it needs sqlmap (Debian's package) and 7 to 15 minutes with
# the machine's load. SQLMAP_LEVEL, SQLMAP_RISK and SQLMAP_JOBS change
# sqlmap's depth and how many runs go at once.
.PHONY: sqlmap
sqlmap:
	scripts/sqlmap.sh
