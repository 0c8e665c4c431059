#!/usr/bin/env bash
# Runs govulncheck over the module against a local copy of the Go
# vulnerability database: the public database's host is out of reach, so
# the database is built from the module golang.org/x/vulndb (its OSV files,
# indexed by its cmd/indexdb) at the version scripts/tools.sh pins.
# Exits non-zero when code rdv calls has a known vulnerability.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}

scripts/tools.sh
VULNDB_VERSION=$(sed -n 's/^VULNDB_VERSION=//p' scripts/tools.sh)
db=$PWD/.cache/vulndb/$VULNDB_VERSION
if [ ! -f "$db/index/db.json" ]; then
	src=$(go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	if [ ! -d "$src/data/osv" ]; then
		echo "golang.org/x/vulndb@$VULNDB_VERSION has no data/osv" >&2
		exit 1
	fi
	rm -rf "$db.tmp"
	.cache/bin/indexdb -vulns "$src/data/osv" -out "$db.tmp"
	mv "$db.tmp" "$db"
fi
.cache/bin/govulncheck -db "file://$db" ./...
