#!/usr/bin/env bash
# test-deps.sh installs what `make test` needs and is missing: Debian's
# Chromium and Noto fonts for internal/browsertest, a C compiler for -race, a
# PostgreSQL server on 127.0.0.1:5432 with trust auth and a database `test`,
# axe-core from package-lock.json, and a pinned golangci-lint and staticcheck in
# bin/.
#
# It is idempotent and quick when everything is present. It prints one line per
# thing it does, and nothing else unless a step fails. It runs on Debian 12,
# as root (CI) or as a user with sudo.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# STATICCHECK_VERSION is the newest staticcheck release that supports Go 1.26
# (honnef.co/go/tools v0.8.2 requires go 1.26.0). Change it together with the
# Go version in go.mod.
STATICCHECK_VERSION=v0.8.2

# GOLANGCI_LINT_VERSION is the golangci-lint that `make lint` runs with
# .golangci.yml. v2.15.0 builds with Go 1.26 and carries staticcheck
# v0.8.2, the STATICCHECK_VERSION above, so bin/staticcheck (kept for quick
# runs on one package) and `make lint` agree. Change them together.
GOLANGCI_LINT_VERSION=v2.15.0

# The PostgreSQL server that the tests use. The overrides exist to try this
# script against a scratch cluster; CI uses the defaults.
PG_HOST=127.0.0.1
PG_PORT=${TEST_DEPS_PG_PORT:-5432}
PG_DB=test

export DEBIAN_FRONTEND=noninteractive

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
	SUDO=(sudo)
fi

say() { printf 'deps: %s\n' "$*"; }
die() {
	printf 'deps: error: %s\n' "$*" >&2
	exit 1
}

# quiet runs a command with its output hidden, and shows the output only when
# the command fails, so that a normal run stays one line per step.
quiet() {
	local log
	log=$(mktemp)
	if ! "$@" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "failed: $*"
	fi
	rm -f "$log"
}

installed() {
	[[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

apt_updated=0
apt_install() {
	if [[ $apt_updated -eq 0 ]]; then
		say "apt-get update"
		quiet "${SUDO[@]}" apt-get update -q
		apt_updated=1
	fi
	say "apt-get install $*"
	quiet "${SUDO[@]}" apt-get install -y -q --no-install-recommends "$@"
}

# ensure_packages installs the Debian packages among its arguments that are
# not installed yet, in one apt-get call.
ensure_packages() {
	local missing=() p
	for p in "$@"; do
		installed "$p" || missing+=("$p")
	done
	if [[ ${#missing[@]} -gt 0 ]]; then
		apt_install "${missing[@]}"
	fi
}

# as_postgres runs a command as the postgres OS user, from / so that psql does
# not complain about a working directory it cannot read.
as_postgres() {
	if [[ $(id -u) -eq 0 ]]; then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && sudo -u postgres -- "$@")
	fi
}

pg_listening() {
	timeout 2 bash -c "exec 3<>/dev/tcp/$PG_HOST/$PG_PORT" 2>/dev/null
}

# pg_tcp runs psql over TCP as the database user postgres, never prompting for
# a password, so that it succeeds only when trust auth works.
pg_tcp() {
	env -u PGPASSWORD PGPASSFILE=/nonexistent/.pgpass PGCONNECT_TIMEOUT=5 psql -X -w -q -h "$PG_HOST" -p "$PG_PORT" -U postgres "$@"
}

# pg_cluster prints "version name" of the installed cluster on PG_PORT, or
# nothing.
pg_cluster() {
	command -v pg_lsclusters >/dev/null || return 0
	pg_lsclusters -h 2>/dev/null | awk -v port="$PG_PORT" '$3 == port { print $1, $2; exit }'
}

wait_for_pg() {
	local deadline=$((SECONDS + 60))
	until pg_listening; do
		((SECONDS < deadline)) || die "PostgreSQL did not accept connections on $PG_HOST:$PG_PORT within 60s"
		sleep 0.5
	done
}

ensure_postgres() {
	if ! pg_listening; then
		local cluster
		cluster=$(pg_cluster)
		if [[ -z $cluster ]] && ! installed postgresql; then
			apt_install postgresql
			cluster=$(pg_cluster)
		fi
		if [[ -z $cluster ]]; then
			# The server is installed but has no cluster on our port, for
			# example after pg_dropcluster: make one with the newest version.
			local version
			version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
			[[ -n $version ]] || die "postgresql is installed but /usr/lib/postgresql is empty"
			local name=main
			[[ ! -e /etc/postgresql/$version/$name ]] || name=chancery
			say "pg_createcluster $version $name on port $PG_PORT"
			quiet "${SUDO[@]}" pg_createcluster -p "$PG_PORT" "$version" "$name"
			cluster="$version $name"
		fi
		# Re-check: installing the package may have started the server.
		if ! pg_listening; then
			say "start PostgreSQL cluster $cluster"
			# shellcheck disable=SC2086 # cluster is "version name"
			quiet "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect $cluster start
		fi
		wait_for_pg
	fi

	command -v psql >/dev/null || ensure_packages postgresql-client

	if ! pg_tcp -d postgres -tAc 'select 1' >/dev/null 2>&1; then
		# Only a local cluster can be fixed: its pg_hba.conf is readable
		# through the Unix socket with peer auth as the postgres OS user.
		id postgres >/dev/null 2>&1 ||
			die "PostgreSQL on $PG_HOST:$PG_PORT refuses user postgres without a password, and it is not a local cluster"
		local hba
		hba=$(as_postgres psql -X -p "$PG_PORT" -tAc 'show hba_file') ||
			die "PostgreSQL on $PG_HOST:$PG_PORT refuses user postgres without a password, and its pg_hba.conf cannot be read"
		say "enable trust auth over loopback in $hba"
		# pg_hba.conf is read top down and the first match wins, so the
		# trust lines go first.
		local tmp
		tmp=$(mktemp)
		{
			echo '# Added by scripts/test-deps.sh: tests connect over loopback without a password.'
			echo "host all all 127.0.0.1/32 trust"
			echo "host all all ::1/128 trust"
			"${SUDO[@]}" cat "$hba"
		} >"$tmp"
		"${SUDO[@]}" cp "$tmp" "$hba"
		rm -f "$tmp"
		quiet as_postgres psql -X -p "$PG_PORT" -tAc 'select pg_reload_conf()'
		pg_tcp -d postgres -tAc 'select 1' >/dev/null ||
			die "trust auth for user postgres over $PG_HOST still fails after editing $hba"
	fi

	if [[ $(pg_tcp -d postgres -tAc "select 1 from pg_database where datname = '$PG_DB'") != 1 ]]; then
		say "createdb $PG_DB"
		if id postgres >/dev/null 2>&1; then
			quiet as_postgres createdb -h "$PG_HOST" -p "$PG_PORT" -U postgres -w "$PG_DB"
		else
			quiet createdb -h "$PG_HOST" -p "$PG_PORT" -U postgres -w "$PG_DB"
		fi
	fi
}

# ensure_axe runs `npm ci` unless node_modules/axe-core has the version that
# package-lock.json pins.
ensure_axe() {
	if ! command -v npm >/dev/null; then
		ensure_packages nodejs npm
	fi
	local want have=""
	want=$(node -p "require('./package-lock.json').packages['node_modules/axe-core'].version")
	if [[ -f node_modules/axe-core/package.json ]]; then
		have=$(node -p "require('./node_modules/axe-core/package.json').version")
	fi
	if [[ $have != "$want" || ! -f node_modules/axe-core/axe.min.js ]]; then
		say "npm ci (axe-core ${have:-missing} -> $want)"
		quiet npm ci --no-audit --no-fund --loglevel=error
	fi
}

ensure_staticcheck() {
	local bin=bin/staticcheck
	if [[ -x $bin ]] && "$bin" -version 2>/dev/null | grep -qF "(${STATICCHECK_VERSION#v})"; then
		return
	fi
	say "go install staticcheck@$STATICCHECK_VERSION into bin/"
	quiet env GOBIN="$PWD/bin" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
}

ensure_golangci_lint() {
	local bin=bin/golangci-lint
	if [[ -x $bin ]] && "$bin" version 2>/dev/null | grep -qF "version ${GOLANGCI_LINT_VERSION#v} "; then
		return
	fi
	say "go install golangci-lint@$GOLANGCI_LINT_VERSION into bin/"
	quiet env GOBIN="$PWD/bin" go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_LINT_VERSION"
}

command -v go >/dev/null || die "go is not on PATH (expected /usr/local/go/bin)"

# gcc and libc6-dev: `go test -race` needs cgo, which Go turns off when no C
# compiler is found.
ensure_packages chromium fonts-noto-core fonts-noto-cjk gcc libc6-dev
ensure_postgres
ensure_axe
ensure_staticcheck
ensure_golangci_lint

# Portal feeds and signatures: xmllint validates Atom feeds and sitemaps
# against their schemas (internal/feed); the openssl CLI checks that the
# README's recipe verifies a statement signature (internal/signing).
ensure_packages libxml2-utils openssl

# Events: Debian's python3-icalendar is the independent iCalendar parser the
# .ics tests run (internal/events), with /usr/bin/python3.
ensure_packages python3-icalendar

# Recordings: Debian's ffprobe and ffmpeg are the independent decoder that
# checks the Ogg and IVF files a recorded room leaves (internal/recording).
ensure_packages ffmpeg
