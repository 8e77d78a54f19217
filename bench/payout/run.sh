#!/usr/bin/env bash
# Payout benchmark (issue #6): a bank's crediting report of one line per
# entitlement, loaded and reconciled by Tepat on SQLite and PostgreSQL,
# beside PostgreSQL doing the core of the same job in plain SQL (COPY the
# report into a table, UPDATE the entitlements from a join).
#
#   bench/payout/run.sh [FAMILIES]   # default 300000; every family is entitled
#
# Uses TEPAT_TEST_POSTGRES if set, else starts a throwaway PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
families=${1:-300000}
work=$(mktemp -d /tmp/tepat-bench-payout.XXXXXX)
started=""
trap 'rm -rf "$work"; if [ -n "$started" ]; then scripts/pgtest.sh stop "$started"; fi' EXIT
if [ -z "${TEPAT_TEST_POSTGRES:-}" ]; then
	eval "$(scripts/pgtest.sh start)"
	started=$PGTEST_DIR
fi
go build -o "$work/tepat" ./cmd/tepat
t="$work/tepat"
"$t" gen households --families "$families" --seed 7 --region 32.01 --out "$work/h.csv" 2>/dev/null
cat > "$work/catalog.yaml" <<'YAML'
programs:
  - code: BANTU
    year: 2019
    unit: family
    periods_per_year: 12
    eligibility: "desil <= 10"
    benefit: {kind: flat, yearly: 1320000}
YAML

measure() { # name, command...
	local name=$1; shift
	/usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out"
	read -r secs rss < "$work/time"
	printf '%-44s %8.2f s  max RSS %5d MiB\n' "$name" "$secs" $(( rss / 1024 ))
}

db=bench_payout_$$
psql -q "$TEPAT_TEST_POSTGRES" -c "CREATE DATABASE $db"
pgurl=$(echo "$TEPAT_TEST_POSTGRES" | sed "s|/postgres?|/$db?|")
for engine in sqlite postgres; do
	case $engine in
	sqlite) export TEPAT_DB="sqlite:$work/t.db" ;;
	postgres) export TEPAT_DB="$pgurl" ;;
	esac
	export_cycle BANTU "$work/catalog.yaml" "$work/out-$engine"
	# The bank's report: every line credited, one in 50 failed.
	bank_report "$work/out-$engine/$id-BRI.csv" 50 > "$work/report.csv"
	lines=$(( $(wc -l < "$work/report.csv") - 1 ))
	echo "$engine: $lines report lines, $lines entitlements"
	measure "$engine: payout report (load $lines lines)" "$t" payout report "$work/report.csv" --bank BRI
	measure "$engine: reconcile" "$t" reconcile --cycle "$id"
	measure "$engine: reconcile --out (CSV + XLSX)" "$t" reconcile --cycle "$id" --out "$work/exc-$engine"
done

# The peer: PostgreSQL alone, the core of the job in SQL.
psql -q "$pgurl" -c "CREATE TABLE peer_ent AS SELECT reference, nomor_rekening, amount, ''::text AS outcome FROM payout" \
	-c "CREATE UNIQUE INDEX ON peer_ent (reference)" \
	-c "CREATE TABLE peer_rep (reference text, nomor_rekening text, amount bigint, status text, reason text, credited_at timestamptz)"
measure "postgres SQL: COPY report" psql -q "$pgurl" -c "\\copy peer_rep FROM '$work/report.csv' CSV HEADER"
measure "postgres SQL: UPDATE entitlements from join" psql -q "$pgurl" -c "UPDATE peer_ent e SET outcome = CASE
	WHEN r.status = 'GAGAL' THEN 'FAILED' WHEN r.amount = e.amount AND r.nomor_rekening = e.nomor_rekening THEN 'PAID' ELSE 'AMOUNT_MISMATCH' END
	FROM peer_rep r WHERE r.reference = e.reference"
psql -q "$TEPAT_TEST_POSTGRES" -c "DROP DATABASE $db"
