#!/usr/bin/env bash
# bench-vs-livekit.sh measures Chancery's SFU and livekit-server side by side
# on the same loads, in turn (A B A B: each round starts a fresh Chancery,
# then a fresh LiveKit, so that both see the same conditions of a shared
# machine), with one load tool (bench/cmd/sfubench, a module of its own so
# that LiveKit's SDK never enters Chancery's go.mod) that sends both the
# media cmd/loadtest sends and measures both from outside the same way: CPU
# time from /proc/<pid>/stat, RSS from /proc/<pid>/status, packets and
# sequence gaps received by its subscribers.
#
# Shapes (each subscriber receives every publisher; video is viewed at
# 640x360, so the 500 kbit/s layer):
#   audio    10 audio publishers x 60 subscribers
#   video    3 video publishers (simulcast + microphone) x 30 subscribers
#   plenary  5 video publishers + 50 audio publishers, subscribers from
#            PLENARY_SUBS (the scaling curve, up to where both lose)
#   broadcast one publisher (VP8 at 1 Mbit/s + Opus) and N viewers, N from
#            BROADCAST_VIEWERS: Chancery's viewers are WHEP players of the
#            demo's public live session (POST /whep/{room}); LiveKit has no
#            WHEP egress, so its viewers are subscribers through its SDK.
#            Adds time to first frame and memory per viewer. Not in the
#            default set.
#
# Usage: bash scripts/bench-vs-livekit.sh [audio] [video] [plenary] [broadcast]   (default: the first three)
# Environment: DURATION (20s), WARMUP (10s: Chancery's estimator ramps up to
#   the 500 kbit/s layer in about 8 s), ROUNDS (2: A B A B),
#   PLENARY_SUBS ("10 20 30 40 50 60 80"), BROADCAST_VIEWERS ("10 25 50"),
#   LOSS_STOP (1: the curve stops
#   after the first point where both servers lost more than 1 % of the
#   packets, or a subscription, in some run), OUT (a directory for the logs and
#   results; a temporary one by default), LIVEKIT_SERVER (a livekit-server
#   binary; by default v1.13.5 is installed with `go install` into
#   ${XDG_CACHE_HOME:-~/.cache}/chancery-bench once, and reused),
#   PIN (1: each server on CPU 0 alone and the load tool on the others,
#   with taskset, so that the load tool's own work never takes the server's
#   CPU: "subscribers per core" is then the server's on one core; both Go
#   servers size their GOMAXPROCS to the one CPU), PERF (1: a CPU profile
#   of each server over the measured window with `perf record -e cpu-clock
#   -g`, summarised into OUT/LABEL.SERVER.perf.txt: the share of the
#   kernel, and the top functions by self time).
# Everything listens on 127.0.0.1 only; LiveKit runs in dev mode (--dev,
# devkey/secret), single node, no Redis, logging at warn like Chancery.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-10s}
ROUNDS=${ROUNDS:-2}
PLENARY_SUBS=${PLENARY_SUBS:-10 20 30 40 50 60 80}
BROADCAST_VIEWERS=${BROADCAST_VIEWERS:-10 25 50}
LOSS_STOP=${LOSS_STOP:-1}
PIN=${PIN:-0}
PERF=${PERF:-0}
LK_VERSION=v1.13.5
server_cpu=() load_cpu=()
if [[ $PIN == 1 ]]; then
	(($(nproc) >= 2)) || { echo "PIN=1 needs two CPUs at least" >&2; exit 2; }
	server_cpu=(taskset -c 0)
	load_cpu=(taskset -c "1-$(($(nproc) - 1))")
fi
if [[ $PERF == 1 ]] && ! command -v perf >/dev/null; then
	echo "PERF=1 needs perf (Debian: linux-perf)" >&2
	exit 2
fi
shapes=("$@")
[[ ${#shapes[@]} -gt 0 ]] || shapes=(audio video plenary)

tmp=$(mktemp -d)
OUT=${OUT:-$(mktemp -d /tmp/bench-vs-livekit.XXXXXX)}
mkdir -p "$OUT"
server_pid=""
stop_server() {
	if [[ -n $server_pid ]]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		server_pid=""
	fi
}
cleanup() {
	stop_server
	rm -rf "$tmp"
}
trap cleanup EXIT

# livekit-server: v1.13.5 builds with `go install` through the module proxy
# (issue 22 found that newer tags do not build this way).
if [[ -z ${LIVEKIT_SERVER:-} ]]; then
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/chancery-bench/livekit-$LK_VERSION
	LIVEKIT_SERVER=$cache/server
	if [[ ! -x $LIVEKIT_SERVER ]]; then
		echo "installing livekit-server $LK_VERSION into $cache (once; a few minutes)"
		mkdir -p "$cache"
		GOBIN=$cache go install "github.com/livekit/livekit-server/cmd/server@$LK_VERSION"
	fi
fi
"$LIVEKIT_SERVER" --version

go build -o "$tmp/chancery" ./cmd/server
(cd bench && go build -o "$tmp/sfubench" ./cmd/sfubench)

port() { # a free loopback port (TCP and UDP)
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# profile LABEL TARGET: with PERF=1, records the server's CPU (server_pid)
# over the measured window, in the background, and summarises it.
profile_pid=""
profile() {
	profile_pid=""
	[[ $PERF == 1 ]] || return 0
	local out=$OUT/$1.$2
	(
		sleep "$WARMUP"
		perf record -q -e cpu-clock -F 999 -g -p "$server_pid" -o "$out.perf.data" -- sleep "$DURATION" >/dev/null 2>&1 || exit 0
		{
			echo "# $1 $2: share of samples by where they ran"
			perf report -i "$out.perf.data" --no-children --sort dso -g none 2>/dev/null | grep '%' | head -4
			echo "# top functions by self time"
			perf report -i "$out.perf.data" --no-children --sort sym -g none 2>/dev/null | grep '%' | head -40
		} >"$out.perf.txt"
		rm -f "$out.perf.data"
	) &
	profile_pid=$!
}

# run_chancery LABEL SFUBENCH-FLAGS...: a fresh server with the demo data,
# its media on one loopback UDP port, then the load.
run_chancery() {
	local label=$1
	shift
	local addr key data
	addr=127.0.0.1:$(port)
	key=$(head -c32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	data=$(mktemp -d "$tmp/chancery.XXXX")
	"${server_cpu[@]}" "$tmp/chancery" -demo -data "$data" -addr "$addr" -rtc-udp "127.0.0.1:$(port)" -rtc-tcp "" \
		-rtc-loopback -room-token-key "$key" -log-level warn >"$OUT/$label.chancery.server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 300); do curl -fs "http://$addr/readyz" >/dev/null && break; sleep 0.1; done
	curl -fs "http://$addr/readyz" >/dev/null || { echo "chancery did not become ready" >&2; cat "$OUT/$label.chancery.server.log" >&2; exit 1; }
	sleep 2 # let the demo's first administrator hash end before the baseline
	if [[ ${LIVE_ROOM:-} == demo ]]; then
		# The broadcast shape: the room of the demo's public session,
		# which -demo keeps live, as its live page names it.
		local room
		room=$(curl -fs "http://$addr/en/events/asean-digital-diplomacy-forum-2026/live" | grep -o '/whep/[a-z0-9-]*' | head -1 | cut -d/ -f3)
		[[ -n $room ]] || { echo "no live room on the demo's live page" >&2; stop_server; return 1; }
		set -- -room "$room" "$@"
	fi
	profile "$label" chancery
	"${load_cpu[@]}" "$tmp/sfubench" -target chancery -server "http://$addr" -key "$key" -pid "$server_pid" -label "$label" \
		-duration "$DURATION" -warmup "$WARMUP" "$@" 2>"$OUT/$label.chancery.bench.log" | tee -a "$OUT/report.txt"
	local rc=${PIPESTATUS[0]}
	[[ -z $profile_pid ]] || wait "$profile_pid"
	stop_server
	rm -rf "$data"
	return "$rc"
}

# run_livekit LABEL SFUBENCH-FLAGS...: a fresh livekit-server --dev on
# loopback, then the load.
run_livekit() {
	local label=$1
	shift
	local http udp
	http=$(port)
	udp=$(port)
	cat >"$tmp/livekit.yaml" <<EOF
port: $http
bind_addresses: ["127.0.0.1"]
rtc:
  udp_port: $udp
  tcp_port: 0
  use_external_ip: false
  node_ip: 127.0.0.1
  enable_loopback_candidate: true
logging:
  level: warn
EOF
	"${server_cpu[@]}" "$LIVEKIT_SERVER" --dev --config "$tmp/livekit.yaml" >"$OUT/$label.livekit.server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 300); do curl -fs "http://127.0.0.1:$http/" >/dev/null && break; sleep 0.1; done
	curl -fs "http://127.0.0.1:$http/" >/dev/null || { echo "livekit-server did not become ready" >&2; cat "$OUT/$label.livekit.server.log" >&2; exit 1; }
	sleep 2
	profile "$label" livekit
	"${load_cpu[@]}" "$tmp/sfubench" -target livekit -server "ws://127.0.0.1:$http" -room "bench-$label" -pid "$server_pid" -label "$label" \
		-duration "$DURATION" -warmup "$WARMUP" "$@" 2>"$OUT/$label.livekit.bench.log" | tee -a "$OUT/report.txt"
	local rc=${PIPESTATUS[0]}
	[[ -z $profile_pid ]] || wait "$profile_pid"
	stop_server
	return "$rc"
}

# both LABEL FLAGS...: ROUNDS rounds of Chancery then LiveKit.
both() {
	local label=$1
	shift
	for r in $(seq "$ROUNDS"); do
		echo "== $label, round $r of $ROUNDS; load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/report.txt"
		run_chancery "$label" "$@" || echo "RESULT label=$label target=chancery failed=1" >>"$OUT/report.txt"
		run_livekit "$label" "$@" || echo "RESULT label=$label target=livekit failed=1" >>"$OUT/report.txt"
	done
}

# summary LABEL: the means of the RESULT lines of LABEL for each server and
# the ratios Chancery/LiveKit.
summary() {
	grep "^RESULT label=$1 " "$OUT/report.txt" | awk -v label="$1" '
	{
		delete f
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		t = f["target"]
		if (f["failed"]) { failed[t]++; next }
		n[t]++; pps[t] += f["pps_per_cpu"]; mib[t] += f["mib_per_track"]; gaps[t] += f["gaps"]
		silent[t] += f["silent"]; short[t] += f["want_tracks"] - f["tracks"]; recv[t] += f["recv_pps"]; cpu[t] += f["cpu_cores"]
		subs = f["subs"]
	}
	END {
		for (t in failed) printf "%s: %s: %d failed runs\n", label, t, failed[t]
		if (!n["chancery"] || !n["livekit"]) { print label ": no result for one server"; exit }
		for (t in n) {
			printf "%-9s %-8s %d runs: %8.0f packets/s received, %.3f cores, %7.0f packets per CPU-second, %.1f us CPU per packet, %.3f MiB per subscribed track, gaps %d, missing subscriptions %d, silent %d, %.1f subscribers per core\n",
				label, t, n[t], recv[t]/n[t], cpu[t]/n[t], pps[t]/n[t], cpu[t]/recv[t]*1e6, mib[t]/n[t], gaps[t], short[t], silent[t], subs/(cpu[t]/n[t])
		}
		printf "%-9s ratio Chancery/LiveKit: packets per CPU-second %.2f, memory per subscribed track %.2f\n",
			label, (pps["chancery"]/n["chancery"])/(pps["livekit"]/n["livekit"]), (mib["chancery"]/n["chancery"])/(mib["livekit"]/n["livekit"])
	}' | tee -a "$OUT/summary.txt"
}

# curve: the plenary's points, one line per server and point (means of the
# rounds): cost per packet and subscribers per core.
curve() {
	grep '^RESULT label=plenary-' "$OUT/report.txt" | grep -v failed= | awk '
	{
		delete f
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		k = f["subs"] " " f["target"]
		if (!(k in n)) order[++m] = k
		n[k]++; recv[k] += f["recv_pps"]; cpu[k] += f["cpu_cores"]; loss[k] += f["loss_pct"]
		if (f["loss_pct"] > maxloss[k]) maxloss[k] = f["loss_pct"]
		bad[k] += f["silent"] + f["want_tracks"] - f["tracks"]
	}
	END {
		print "plenary curve (5 video + 50 audio publishers): subscribers, server, packets/s received, cores, us CPU per packet, mean loss %, worst run loss %, missing or silent subscriptions, subscribers per core"
		for (j = 1; j <= m; j++) {
			k = order[j]; split(k, a, " ")
			printf "  %4d %-8s %8.0f %6.3f %6.1f %7.3f %7.3f %4d %7.1f\n", a[1], a[2], recv[k]/n[k], cpu[k]/n[k], cpu[k]/recv[k]*1e6, loss[k]/n[k], maxloss[k], bad[k], a[1]/(cpu[k]/n[k])
		}
	}' | tee -a "$OUT/summary.txt"
}

# broadcast_summary: the broadcast points, one line per server and point
# (means of the rounds).
broadcast_summary() {
	grep '^RESULT label=broadcast-' "$OUT/report.txt" | grep -v failed= | awk '
	{
		delete f
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		k = f["viewers"] " " f["target"]
		if (!(k in n)) order[++m] = k
		n[k]++; cpu[k] += f["cpu_cores"]; mib[k] += f["mib_per_viewer"]; del[k] += f["delivery_pct"]; gaps[k] += f["gaps"]
		med[k] += f["ttff_median_ms"]; if (f["ttff_max_ms"] > worst[k]) worst[k] = f["ttff_max_ms"]
		bad[k] += f["silent"] + f["want_tracks"] - f["tracks"] + f["no_video"]; mbps[k] += f["recv_mbps"]
	}
	END {
		print "broadcast (1 publisher, VP8 1 Mbit/s + Opus): viewers, server, runs, Mbit/s received, cores, viewers per core, MiB per viewer, delivery %, gaps, missing/silent tracks or no video, TTFF median (mean of runs) / worst ms"
		for (j = 1; j <= m; j++) {
			k = order[j]; split(k, a, " ")
			printf "  %4d %-8s %d %7.1f %6.3f %7.1f %6.3f %7.2f %6d %4d %6.0f / %d\n", a[1], a[2], n[k], mbps[k]/n[k], cpu[k]/n[k], a[1]/(cpu[k]/n[k]), mib[k]/n[k], del[k]/n[k], gaps[k], bad[k], med[k]/n[k], worst[k]
		}
	}' | tee -a "$OUT/summary.txt"
}

echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')); $(go version | cut -d' ' -f3); Chancery $(git rev-parse --short HEAD); load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/summary.txt"
for shape in "${shapes[@]}"; do
	case $shape in
	audio)
		both audio -audio-pubs 10 -subs 60
		summary audio
		;;
	video)
		both video -video-pubs 3 -subs 30
		summary video
		;;
	plenary)
		for s in $PLENARY_SUBS; do
			both "plenary-$s" -video-pubs 5 -audio-pubs 50 -subs "$s"
			summary "plenary-$s"
			# Stop after the first point where both servers lost more than
			# LOSS_STOP % of the packets (sequence gaps) or a subscription
			# in some run.
			if grep "^RESULT label=plenary-$s " "$OUT/report.txt" | awk -v stop="$LOSS_STOP" '
				{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
				  if (f["failed"] || f["loss_pct"] > stop || f["silent"] > 0 || f["tracks"] < f["want_tracks"]) lost[f["target"]] = 1 }
				END { exit !(lost["chancery"] && lost["livekit"]) }'; then
				echo "plenary: both servers lost over $LOSS_STOP % of the packets or a subscription at $s subscribers; stopping the curve" | tee -a "$OUT/summary.txt"
				break
			fi
		done
		curve
		;;
	broadcast)
		for v in $BROADCAST_VIEWERS; do
			LIVE_ROOM=demo both "broadcast-$v" -viewers "$v"
		done
		broadcast_summary
		;;
	*)
		echo "unknown shape $shape (audio, video, plenary, broadcast)" >&2
		exit 2
		;;
	esac
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/summary.txt"
echo "logs and results in $OUT"
