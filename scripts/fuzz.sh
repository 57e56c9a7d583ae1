#!/usr/bin/env bash
# fuzz.sh runs every Fuzz target of the module for FUZZTIME each (default
# 30s), one after the other, and stops at the first failure. `make fuzz` runs
# it; `make test` does not. A failing input is saved under the package's
# testdata/fuzz/, where `go test` then replays it as a regular test.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}

# -e lists a package even when it does not build, so that one broken
# package does not hide the targets of the others; `go test` then reports it
# if it has targets.
pkgs=$("$GO" list -e -f $'{{if or .TestGoFiles .XTestGoFiles}}{{.Dir}}\t{{.ImportPath}}{{end}}' ./...)

ran=0
# Only packages whose test files mention a Fuzz function are compiled for
# `go test -list`, which keeps the search quick.
while IFS=$'\t' read -r dir pkg; do
	[[ -n $dir ]] || continue
	grep -qs '^func Fuzz' "$dir"/*_test.go || continue
	# A package whose tests do not compile stops the run here.
	listed=$("$GO" test -list '^Fuzz' "$pkg")
	for target in $(grep '^Fuzz' <<<"$listed" || true); do
		echo "==> $pkg $target (fuzztime $FUZZTIME)"
		"$GO" test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"
		ran=$((ran + 1))
	done
done <<<"$pkgs"

if [[ $ran -eq 0 ]]; then
	echo 'fuzz: no Fuzz targets found'
else
	echo "fuzz: $ran target(s) passed"
fi
