#!/usr/bin/env bash
# Load-tests the HTTP shell with wrk on loopback: builds the server, starts it
# with the demo content on the embedded store (or PostgreSQL with
# BACKEND=postgres), runs wrk against each page and stops the server.
# Usage: bash scripts/bench-http.sh [BACKEND=sqlite|postgres] [DURATION=10s] [CONNS=64]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

backend=${BACKEND:-sqlite}
duration=${DURATION:-10s}
conns=${CONNS:-64}
addr=127.0.0.1:18099
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)"; exit 1; }

tmp=$(mktemp -d)
go build -o "$tmp/chancery" ./cmd/server
env_args=()
db=""
if [[ $backend == postgres ]]; then
	db=chancery_bench_$$
	psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE $db"
	env_args=(CHANCERY_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable")
fi
env "${env_args[@]}" "$tmp/chancery" -demo -data "$tmp/data" -addr "$addr" -log-level warn >/dev/null 2>&1 &
pid=$!
cleanup() {
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[[ -n $db ]] && psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS $db" || true
	rm -rf "$tmp"
}
trap cleanup EXIT
for _ in $(seq 100); do curl -fs "http://$addr/readyz" >/dev/null && break; sleep 0.1; done

echo "backend=$backend connections=$conns duration=$duration cpus=$(nproc) $(go version | cut -d' ' -f3)"
printf '%-10s %12s %10s %10s\n' path req/s p50 p99
for path in /healthz /en/ /ar/ /signin; do
	out=$(wrk -t2 -c"$conns" -d"$duration" --latency "http://$addr$path")
	rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
	p50=$(awk '$1=="50%" {print $2}' <<<"$out")
	p99=$(awk '$1=="99%" {print $2}' <<<"$out")
	printf '%-10s %12s %10s %10s\n' "$path" "$rps" "$p50" "$p99"
done
