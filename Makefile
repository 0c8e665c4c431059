# Every target pins the toolchain: the machine's default Go lacks security fixes.
export GOTOOLCHAIN := go1.27.3
GO ?= go

.PHONY: run test test-short race vet bench build
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
	$(GO) test -run '^$$' -bench . -benchtime 2s ./availability ./sqlite ./web/api
