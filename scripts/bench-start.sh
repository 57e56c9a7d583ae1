#!/usr/bin/env bash
# Measures a light server (issue 22, item 5): the time from exec to the
# first 200 from GET /healthz with an empty data directory, and the
# resident size (VmRSS) once idle. Builds the server, starts it RUNS times
# on a free loopback port (conference media on a free UDP port, ICE over
# TCP off) with a fresh data directory each time, polls
# /healthz every 2 ms, then waits until the server has printed the first
# administrator's one-time password (hashed after the listener answers)
# and IDLE seconds more, reads /proc/PID/status, stops it, and prints
# each run and the medians.
# Usage: bash scripts/bench-start.sh [RUNS=7] [IDLE=5] [BINARY=path, else built]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs=${RUNS:-7}
idle=${IDLE:-5}
command -v python3 >/dev/null || { echo "bench: python3 is missing"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
binary=${BINARY:-}
if [[ -z $binary ]]; then
	go build -o "$tmp/chancery" ./cmd/server
	binary=$tmp/chancery
fi

echo "runs=$runs idle=${idle}s cpus=$(nproc) $(go version | cut -d' ' -f3) load=$(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$binary" "$runs" "$idle" "$tmp" <<'EOF'
import os, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request

binary, runs, idle, tmp = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
starts, rsss = [], []
for i in range(runs):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    data = tempfile.mkdtemp(prefix="data-", dir=tmp)
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "-addr", f"127.0.0.1:{port}", "-data", data, "-rtc-udp", "127.0.0.1:0", "-rtc-tcp", ""],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    admin = threading.Event()
    def read():
        for line in p.stdout:
            if "First start" in line:
                admin.set()
    threading.Thread(target=read, daemon=True).start()
    try:
        while True:
            if p.poll() is not None:
                sys.exit(f"bench: the server exited with status {p.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.002)
        ms = (time.monotonic() - t0) * 1000
        if not admin.wait(120):
            sys.exit("bench: no first administrator within 120 s")
        time.sleep(idle)
        with open(f"/proc/{p.pid}/status") as f:
            kib = int(next(l for l in f if l.startswith("VmRSS")).split()[1])
    finally:
        p.terminate(); p.wait()
    load = open("/proc/loadavg").read().split()[0]
    starts.append(ms); rsss.append(kib / 1024)
    print(f"run {i+1}: start to healthy {ms:6.0f} ms, idle VmRSS {kib/1024:5.1f} MiB (load {load})")
print(f"median: start to healthy {statistics.median(starts):.0f} ms, idle VmRSS {statistics.median(rsss):.1f} MiB")
EOF
