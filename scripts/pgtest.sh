#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 for the test suite, from the machine's
# Debian packages, on a unix socket in a temporary directory, as the
# postgres user. Prints the URL for TEPAT_TEST_POSTGRES on stdout.
#
#   eval "$(scripts/pgtest.sh start)"   # exports TEPAT_TEST_POSTGRES and PGTEST_DIR
#   scripts/pgtest.sh stop "$PGTEST_DIR"
#
# Tests run without fsync (fast, not durable). PGTEST_DURABLE=1 starts a
# server that is durable like production (fsync, synchronous_commit and
# full_page_writes on), for benchmarks whose answers must be on disk.
set -euo pipefail

start() {
	if ! command -v pg_config >/dev/null || [ ! -x "$(pg_config --bindir)/initdb" ]; then
		echo "installing postgresql from Debian packages" >&2
		apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
	fi
	local bin dir
	bin=$(pg_config --bindir)
	dir=$(mktemp -d /tmp/tepat-pg.XXXXXX)
	chmod 755 "$dir"
	local run=""
	if [ "$(id -u)" = 0 ]; then
		chown postgres:postgres "$dir"
		run="runuser -u postgres --"
	fi
	$run "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	if [ "${PGTEST_DURABLE:-}" = 1 ]; then
		durability="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
	fi
	$run "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-k $dir -c listen_addresses='' $durability -c max_connections=200 -c shared_buffers=256MB" start >&2 ||
		{ cat "$dir/server.log" >&2; exit 1; }
	echo "export PGTEST_DIR=$dir"
	echo "export TEPAT_TEST_POSTGRES='postgres://postgres@/postgres?host=$dir&sslmode=disable'"
}

stop() {
	local dir=$1
	local run=""
	[ "$(id -u)" = 0 ] && run="runuser -u postgres --"
	$run "$(pg_config --bindir)/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}

case "${1:-}" in
start) start ;;
stop) stop "${2:?directory}" ;;
*) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
