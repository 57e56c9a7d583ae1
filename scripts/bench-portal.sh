#!/usr/bin/env bash
# bench-portal.sh load-tests the public portal beside nginx serving the same
# HTML as static files, in the same run on the same machine: it builds the
# server, starts it with -demo on the embedded store, saves the home page and
# an article page as files, starts an unprivileged nginx on loopback from a
# temporary directory, and runs wrk against all four at CONNS connections.
#
# Usage: bash scripts/bench-portal.sh
#   DURATION=10s CONNS=64 THREADS=1   wrk settings
#   ARTICLE=/en/news/<slug>           the article page (default: the first
#                                     /en/news/ link on /en/, if any)
#   SHARED=1                          let wrk share every CPU with the servers
# It installs wrk and nginx from Debian when they are missing.
#
# By default wrk gets a CPU of its own: it runs on the last CPU (taskset),
# Chancery and nginx on the others, with as many workers (GOMAXPROCS,
# worker_processes) as they have CPUs. A load generator that shares the
# server's CPUs takes CPU time from the server it measures, and on a machine
# with few cores the latency it reports is then mostly the operating
# system's scheduling of the two. SHARED=1 (and a one-CPU machine) measures
# that layout instead, as on a developer's laptop; THREADS defaults to 2
# there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

duration=${DURATION:-10s}
conns=${CONNS:-64}
isolate=1
if [[ -n ${SHARED:-} ]] || (($(nproc) < 2)); then
	isolate=""
fi
threads=${THREADS:-2}
server_cpus="" wrk_cpu="" workers=auto
if [[ -n $isolate ]]; then
	ncpu=$(nproc)
	threads=${THREADS:-1}
	wrk_cpu=$((ncpu - 1))
	server_cpus=0-$((ncpu - 2))
	workers=$((ncpu - 1))
fi
# on starts a server, in the background (on ... &), on the server's CPUs
# when isolating; exec keeps $! the server's own PID for cleanup. loadgen
# runs wrk on its own CPU.
on() {
	if [[ -n $isolate ]]; then
		exec taskset -c "$server_cpus" "$@"
	else
		exec "$@"
	fi
}
loadgen() {
	if [[ -n $isolate ]]; then
		taskset -c "$wrk_cpu" wrk "$@"
	else
		wrk "$@"
	fi
}
app_addr=127.0.0.1:18199
nginx_addr=127.0.0.1:18198

say() { printf 'bench: %s\n' "$*" >&2; }

SUDO=()
[[ $(id -u) -eq 0 ]] || SUDO=(sudo)
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
if [[ ${#missing[@]} -gt 0 ]]; then
	say "apt-get install ${missing[*]}"
	"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d)
app_pid="" nginx_pid=""
cleanup() {
	[[ -n $app_pid ]] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
	[[ -n $nginx_pid ]] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/chancery" ./cmd/server
if [[ -n $isolate ]]; then
	export GOMAXPROCS=$workers
fi
on "$tmp/chancery" -demo -data "$tmp/data" -addr "$app_addr" -rtc-udp 127.0.0.1:0 -rtc-tcp "" -log-level warn >/dev/null 2>&1 &
app_pid=$!
for _ in $(seq 100); do curl -fs "http://$app_addr/readyz" >/dev/null && break; sleep 0.1; done
curl -fs "http://$app_addr/readyz" >/dev/null || { say "the server did not become ready"; exit 1; }

article=${ARTICLE:-$(curl -fs "http://$app_addr/en/" | grep -o 'href="/en/news/[^"]*"' | head -n 1 | cut -d'"' -f2 || true)}

# The static copies: exactly the bytes Chancery sends an anonymous visitor.
www=$tmp/www
mkdir -p "$www/en" "$tmp/nginx/logs"
curl -fs -H 'Accept-Encoding: identity' "http://$app_addr/en/" >"$www/en/index.html"
pages=("/en/")
if [[ -n $article ]]; then
	mkdir -p "$www$(dirname "$article")"
	curl -fs -H 'Accept-Encoding: identity' "http://$app_addr$article" >"$www$article.html"
	pages+=("$article")
else
	say "no article page on this build (no /en/news/ link on /en/): benchmarking the home page only; set ARTICLE=… to choose one"
fi
# nginx's workers run as nobody when started by root: let them read.
chmod -R a+rX "$tmp"

cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes $workers;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	types { text/html html; }
	default_type text/html;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 100000;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	server {
		listen $nginx_addr;
		root $www;
		location / { try_files \$uri \$uri.html \$uri/index.html =404; }
	}
}
CONF
on "$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 &
nginx_pid=$!
for _ in $(seq 50); do curl -fs "http://$nginx_addr/en/" >/dev/null && break; sleep 0.1; done
for p in "${pages[@]}"; do
	cmp -s <(curl -fs "http://$nginx_addr$p") <(curl -fs -H 'Accept-Encoding: identity' "http://$app_addr$p") ||
		{ say "nginx and Chancery do not serve the same bytes for $p"; exit 1; }
done

run() {
	local out
	loadgen -t"$threads" -c"$conns" -d2s "$1" >/dev/null # warm up
	out=$(loadgen -t"$threads" -c"$conns" -d"$duration" --latency "$1")
	printf '%s %s %s\n' "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
		"$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
}

mode="wrk, Chancery and nginx share every CPU"
[[ -n $isolate ]] && mode="wrk alone on CPU $wrk_cpu; Chancery (GOMAXPROCS=$workers) and nginx ($workers workers) on CPUs $server_cpus"
echo "$mode"
echo "wrk -t$threads -c$conns -d$duration --latency; $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')); $(go version | cut -d' ' -f3); $("$nginx_bin" -v 2>&1 | cut -d' ' -f3)"
printf '%-28s %8s %12s %10s %10s %8s\n' page server req/s p50 p99 ratio
for p in "${pages[@]}"; do
	read -r app_rps app_p50 app_p99 < <(run "http://$app_addr$p")
	read -r ngx_rps ngx_p50 ngx_p99 < <(run "http://$nginx_addr$p")
	ratio=$(awk -v a="$app_rps" -v n="$ngx_rps" 'BEGIN { printf "%.2f", a / n }')
	printf '%-28s %8s %12s %10s %10s %8s\n' "$p" chancery "$app_rps" "$app_p50" "$app_p99" "$ratio"
	printf '%-28s %8s %12s %10s %10s %8s\n' "$p" nginx "$ngx_rps" "$ngx_p50" "$ngx_p99" ""
done
