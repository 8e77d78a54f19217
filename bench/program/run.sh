#!/usr/bin/env bash
# Program benchmark (issue #5): eligibility preview and generating every PKH
# entitlement of a cycle, on SQLite and PostgreSQL, from a registry of
# FAMILIES synthetic families frozen as one snapshot.
#
#   bench/program/run.sh [FAMILIES] [ENGINES]   # default 1000000 "sqlite postgres"
#
# The registry is loaded once per size with `tepat import` and kept in
# $TEPAT_BENCH_DIR (default /tmp/tepat-bench-program) so later runs time
# only the program steps; delete the directory to start over. Uses
# TEPAT_TEST_POSTGRES if set, else starts a throwaway PostgreSQL (the
# PostgreSQL registry then does not survive the run).
set -euo pipefail
cd "$(dirname "$0")/../.."
families=${1:-1000000}
engines=${2:-sqlite postgres}
dir=${TEPAT_BENCH_DIR:-/tmp/tepat-bench-program}
mkdir -p "$dir"
started=""
trap 'if [ -n "$started" ]; then scripts/pgtest.sh stop "$started"; fi' EXIT
go build -o "$dir/tepat" ./cmd/tepat
t="$dir/tepat"

measure() { # name, command...
	local name=$1; shift
	/usr/bin/time -f "%e %M" -o "$dir/time" "$@" > "$dir/out"
	read -r secs rss < "$dir/time"
	printf '%-36s %8.2f s  max RSS %5d MiB\n' "$name" "$secs" $(( rss / 1024 ))
}

for engine in $engines; do
	case $engine in
	sqlite) url="sqlite:$dir/f$families.db" ;;
	postgres)
		if [ -z "${TEPAT_TEST_POSTGRES:-}" ]; then
			eval "$(scripts/pgtest.sh start)"
			started=$PGTEST_DIR
		fi
		db=bench_program_$families
		psql -q "$TEPAT_TEST_POSTGRES" -tc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
			psql -q "$TEPAT_TEST_POSTGRES" -c "CREATE DATABASE $db"
		url=$(echo "$TEPAT_TEST_POSTGRES" | sed "s|/postgres?|/$db?|") ;;
	esac
	export TEPAT_DB=$url
	if ! "$t" registry snapshots 2>/dev/null | grep -q '^bench '; then
		[ -f "$dir/h$families.csv" ] || "$t" gen households --families "$families" --seed 1 --out "$dir/h$families.csv" 2>/dev/null
		measure "$engine: import $families families" "$t" import households "$dir/h$families.csv"
		"$t" registry snapshot --label bench > /dev/null
	fi
	"$t" program apply programs/2019.yaml > /dev/null
	measure "$engine: preview PKH (makes the cube)" "$t" program preview PKH --year 2019 --snapshot bench
	grep -m1 '"eligible"' "$dir/out"
	measure "$engine: preview PKH again" "$t" program preview PKH --year 2019 --snapshot bench
	measure "$engine: preview PKH, another rule" "$t" program preview PKH --year 2019 --snapshot bench \
		--eligibility 'desil <= 2 && (components >= 2 || lansia > 0) && !in_region("32.01")'
	grep -m1 '"eligible"' "$dir/out"
	measure "$engine: preview PKH, district rule" "$t" program preview PKH --year 2019 --snapshot bench \
		--eligibility 'desil <= 4 && components > 0 && in_region("32.01.01")'
	measure "$engine: preview BPNT (makes its cube)" "$t" program preview BPNT --year 2019 --snapshot bench
	# A fresh cycle each run: cancel the live one of the period first.
	for id in $("$t" cycle list --program PKH --year 2019 | awk 'NR>1 && $6!="CANCELLED" {print $1}'); do
		"$t" cycle cancel "$id" > /dev/null
	done
	id=$("$t" cycle create --program PKH --year 2019 --period 1 --snapshot bench)
	measure "$engine: cycle generate PKH" "$t" cycle generate "$id"
	grep -m1 '"families"' "$dir/out"
	measure "$engine: cycle show" "$t" cycle show "$id"
	measure "$engine: cycle export" "$t" cycle export "$id" --out "$dir/export.csv"
done
