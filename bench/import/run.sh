#!/usr/bin/env bash
# Import benchmark: `tepat import households` on SQLite and on PostgreSQL,
# side by side with PostgreSQL's own \copy of the same CSV into a plain table
# with the same indexes (unique NIK, KK, birth date + name) and no validation.
#
#   bench/import/run.sh [PERSONS]        # default 1000000
#
# Uses TEPAT_TEST_POSTGRES if set, else starts a throwaway PostgreSQL with
# scripts/pgtest.sh. Prints wall time, persons/s and max RSS per run.
set -euo pipefail
cd "$(dirname "$0")/../.."
persons=${1:-1000000}
families=$(( persons * 100 / 349 ))
work=$(mktemp -d /tmp/tepat-bench.XXXXXX)
started=""
trap 'rm -rf "$work"; if [ -n "$started" ]; then scripts/pgtest.sh stop "$started"; fi' EXIT
if [ -z "${TEPAT_TEST_POSTGRES:-}" ]; then
	eval "$(scripts/pgtest.sh start)"
	started=$PGTEST_DIR
fi
go build -o "$work/tepat" ./cmd/tepat
"$work/tepat" gen households --families "$families" --seed 1 --out "$work/h.csv" 2>/dev/null
rows=$(( $(wc -l < "$work/h.csv") - 1 ))
echo "file: $rows persons, $families families, $(du -h "$work/h.csv" | cut -f1)"

measure() { # name, command...
	local name=$1; shift
	/usr/bin/time -f "%e %M" -o "$work/time" "$@" > /dev/null
	read -r secs rss < "$work/time"
	printf '%-28s %7.2f s  %9.0f persons/s  max RSS %5d MiB\n' "$name" "$secs" "$(echo "$rows / $secs" | bc -l)" $(( rss / 1024 ))
}

db=bench_$$
psql -q "$TEPAT_TEST_POSTGRES" -c "CREATE DATABASE $db"
pgurl=$(echo "$TEPAT_TEST_POSTGRES" | sed "s|/postgres?|/$db?|")
psql -q "$pgurl" -c "CREATE TABLE plain (no_kk bigint, nik bigint, nama text, jenis_kelamin text, tanggal_lahir date,
	hubungan text, kode_wilayah text, alamat text, hamil int, disabilitas_berat int, sekolah text, desil int, status text)" \
	-c "CREATE UNIQUE INDEX ON plain (nik)" -c "CREATE INDEX ON plain (no_kk)" -c "CREATE INDEX ON plain (tanggal_lahir, nama)"
measure "postgres \\copy (no checks)" psql -q "$pgurl" -c "\\copy plain FROM '$work/h.csv' CSV HEADER"
measure "tepat import, postgres" "$work/tepat" import households "$work/h.csv" --db "$pgurl"
measure "tepat import, sqlite" "$work/tepat" import households "$work/h.csv" --db "sqlite:$work/t.db"
measure "tepat import again, sqlite" "$work/tepat" import households "$work/h.csv" --db "sqlite:$work/t.db"
measure "tepat registry snapshot, sqlite" "$work/tepat" registry snapshot --label bench --db "sqlite:$work/t.db"
psql -q "$TEPAT_TEST_POSTGRES" -c "DROP DATABASE $db"
