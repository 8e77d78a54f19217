#!/usr/bin/env bash
# The peer of the payout benchmark alone, at any size: PostgreSQL doing the
# core of reconciliation in plain SQL — \copy a bank report of N lines into a
# table, UPDATE N entitlements from a join — without Tepat, so that it can be
# measured at 10 M lines without building a 10 M-family cycle first.
#
#   bench/payout/peer.sh [LINES]   # default 10000000
#
# Uses TEPAT_TEST_POSTGRES if set, else starts a throwaway PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10000000}
work=$(mktemp -d /tmp/tepat-bench-peer.XXXXXX)
started=""
trap 'rm -rf "$work"; if [ -n "$started" ]; then scripts/pgtest.sh stop "$started"; fi' EXIT
if [ -z "${TEPAT_TEST_POSTGRES:-}" ]; then
	eval "$(scripts/pgtest.sh start)"
	started=$PGTEST_DIR
fi
db=bench_peer_$$
psql -q "$TEPAT_TEST_POSTGRES" -c "CREATE DATABASE $db"
url=$(echo "$TEPAT_TEST_POSTGRES" | sed "s|/postgres?|/$db?|")
psql -q "$url" \
	-c "CREATE TABLE peer_ent AS SELECT '1-' || (3200000000 + g) AS reference, lpad(g::text, 12, '0') AS nomor_rekening,
		110000::bigint AS amount, ''::text AS outcome FROM generate_series(1, $n) g" \
	-c "CREATE UNIQUE INDEX ON peer_ent (reference)" \
	-c "CREATE TABLE peer_rep (reference text, nomor_rekening text, amount bigint, status text, reason text, credited_at timestamptz)"
# The report: one line per entitlement, one in 50 failed (as bench/lib.sh's bank_report).
awk -v n="$n" 'BEGIN {print "reference,nomor_rekening,amount,status,reason,credited_at"
	for (g = 1; g <= n; g++) {
		if (g % 50 == 0) printf "1-%d,%012d,110000,GAGAL,REKENING_TIDAK_AKTIF,2019-01-20T03:00:00Z\n", 3200000000 + g, g
		else printf "1-%d,%012d,110000,BERHASIL,,2019-01-20T03:00:00Z\n", 3200000000 + g, g
	}}' > "$work/report.csv"
seconds() { /usr/bin/time -f "%e" -o "$work/time" "$@" > /dev/null; cat "$work/time"; }
copy=$(seconds psql -q "$url" -c "\\copy peer_rep FROM '$work/report.csv' CSV HEADER")
update=$(seconds psql -q "$url" -c "UPDATE peer_ent e SET outcome = CASE
	WHEN r.status = 'GAGAL' THEN 'FAILED' WHEN r.amount = e.amount AND r.nomor_rekening = e.nomor_rekening THEN 'PAID' ELSE 'AMOUNT_MISMATCH' END
	FROM peer_rep r WHERE r.reference = e.reference")
echo "peer, $n lines: \\copy $copy s + UPDATE $update s = $(echo "$copy + $update" | bc) s"
psql -q "$TEPAT_TEST_POSTGRES" -c "DROP DATABASE $db"
