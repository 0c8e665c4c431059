# Every target pins the toolchain: the machine's default Go lacks security fixes.
export GOTOOLCHAIN := go1.27.3
GO ?= go

.PHONY: run test vet bench bench-postgres build
run:
	$(GO) run ./cmd/rdv serve --demo

build:
	$(GO) build -o bin/rdv ./cmd/rdv

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 14m ./...

vet:
	$(GO) vet ./...
	gofmt -l . | (! grep .)

bench:
	$(GO) test -run '^$$' -bench 'SearchEarliestNear$$' -cpu 1 -count 5 ./availability
	$(GO) test -run '^$$' -bench DurableBookings -benchtime 20000x -count 3 ./sqlite
	$(GO) test -run '^$$' -bench 'HTTPSearch$$|HTTPBare$$' -benchtime 3s ./web/api
	$(GO) test -run '^$$' -bench 'Notify' -benchtime 1x ./notify

bench-postgres:
	scripts/pgbench-compare.sh 10
