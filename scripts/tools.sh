#!/usr/bin/env bash
# Installs the checkers `make check` runs, at pinned versions, into
# .cache/bin (git-ignored), so that a fresh clone needs nothing installed by
# hand. A binary already there at the pinned version is kept.
#
# Versions: each is the newest its module proxy serves that loads go1.27
# code; bump them here, in one place.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}

# The vulnerability database's source: the module golang.org/x/vulndb, whose
# cmd/indexdb turns its OSV files into the database govulncheck reads.
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018
tools=(
	"honnef.co/go/tools/cmd/staticcheck@v0.8.2"
	"github.com/securego/gosec/v2/cmd/gosec@v2.30.0"
	"golang.org/x/vuln/cmd/govulncheck@v1.9.0"
	"golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION"
)

bin=$PWD/.cache/bin
mkdir -p "$bin"
for tool in "${tools[@]}"; do
	pkg=${tool%@*}
	version=${tool##*@}
	name=${pkg##*/}
	# `go version -m` names the module version a binary was built from.
	if [ -x "$bin/$name" ] && go version -m "$bin/$name" | grep -q "[[:space:]]mod[[:space:]].*[[:space:]]$version[[:space:]]"; then
		continue
	fi
	echo "installing $name $version"
	GOBIN=$bin go install "$tool"
done
