#!/usr/bin/env bash
# bench-sfu.sh measures the conference SFU with cmd/loadtest: it builds the
# server and the load tool, starts a fresh server with -demo on loopback
# (media on one UDP port, pprof on a debug address so that the load tool can
# collect garbage before it reads the live heap), runs the load tool once
# and stops the server.
#
# Usage: bash scripts/bench-sfu.sh [loadtest flags...]
#   e.g. bash scripts/bench-sfu.sh -pubs 4 -subs 50 -duration 30s
# Defaults: -pubs 3 -subs 30 -duration 20s -warmup 6s (later flags win).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tmp=$(mktemp -d)
app_pid=""
cleanup() {
	[[ -n $app_pid ]] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/chancery" ./cmd/server
go build -o "$tmp/loadtest" ./cmd/loadtest
key=$(head -c32 /dev/urandom | od -An -tx1 | tr -d ' \n')
addr=127.0.0.1:18080 debug=127.0.0.1:16061
"$tmp/chancery" -demo -data "$tmp/data" -addr "$addr" -debug-addr "$debug" -rtc-udp 127.0.0.1:17882 -rtc-tcp "" \
	-rtc-loopback -room-token-key "$key" -log-level warn >"$tmp/server.log" 2>&1 &
app_pid=$!
for _ in $(seq 100); do curl -fs "http://$addr/readyz" >/dev/null && break; sleep 0.1; done
curl -fs "http://$addr/readyz" >/dev/null || { echo "bench: the server did not become ready" >&2; cat "$tmp/server.log" >&2; exit 1; }

echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')); $(go version | cut -d' ' -f3); load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$tmp/loadtest" -server "http://$addr" -debug "http://$debug" -key "$key" -pubs 3 -subs 30 -duration 20s -warmup 6s "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
