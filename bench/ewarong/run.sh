#!/usr/bin/env bash
# e-Warong purchase benchmark (issue #7): signed purchases over HTTP from
# the load generator to `tepat serve`, every acknowledged purchase durable
# before its answer (SQLite synchronous=FULL; PostgreSQL fsync and
# synchronous_commit on), on SQLite and PostgreSQL, beside pgbench's
# TPC-B-like transfer on the same PostgreSQL.
#
#   bench/ewarong/run.sh [FAMILIES] [TX] [CONCURRENCY]
#       FAMILIES  funded wallets (default 20000), in Kabupaten Bogor
#       TX        purchases per run (default 60000)
#       CONCURRENCY in-flight requests (default 64)
#
# Each engine gets: a maximum-throughput run, and a run paced at 1,000/s
# for latency. The wallets are funded the way production does it (a
# wallet-program cycle, accounts, payout export, bank report, reconcile).
# Always starts its own durable PostgreSQL (PGTEST_DURABLE=1).
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
families=${1:-20000}
tx=${2:-60000}
conc=${3:-64}
work=$(mktemp -d /tmp/tepat-bench-ewarong.XXXXXX)
started=""
server=""
cleanup() {
	if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	if [ -n "$started" ]; then scripts/pgtest.sh stop "$started"; fi
	rm -rf "$work"
}
trap cleanup EXIT
eval "$(PGTEST_DURABLE=1 scripts/pgtest.sh start)"
started=$PGTEST_DIR
pgbin=$(pg_config --bindir)
go build -o "$work/tepat" ./cmd/tepat
t="$work/tepat"
"$t" gen households --families "$families" --seed 7 --region 32.01 --out "$work/h.csv" 2>/dev/null
cat > "$work/catalog.yaml" <<'YAML'
programs:
  - code: PANGAN
    year: 2019
    unit: family
    periods_per_year: 12
    eligibility: "desil <= 10"
    benefit: {kind: flat, yearly: 1320000}
    foods: [beras, telur]
YAML

fund() { # funded wallets, 20 merchants, 50 terminals (keys in $work/keys-$engine)
	export_cycle PANGAN "$work/catalog.yaml" "$work/out"
	bank_report "$work/out/$id-BRI.csv" > "$work/report.csv"
	"$t" payout report "$work/report.csv" --bank BRI > /dev/null
	"$t" reconcile --cycle "$id" > /dev/null 2>&1
	mkdir -p "$work/keys-$engine"
	local villages m i
	villages=$(for dc in 32.01.01 32.01.02; do "$t" region children $dc; done | awk -F'"' '/"code"/ {print $4}' | head -20)
	i=0
	for v in $villages; do
		m=$("$t" merchant add --name "e-Warong $v" --village "$v" --bank BRI | awk -F'"' '/"id"/ {print $4; exit}')
		for k in 1 2 3; do
			if [ $i -lt 50 ]; then
				"$t" terminal register --merchant "$m" --key-out "$work/keys-$engine/$(printf '%03d' $i).key" > /dev/null 2>&1
				i=$((i + 1))
			fi
		done
	done
	"$t" ledger cards --program PANGAN --min 1000 --limit "$families" --out "$work/cards-$engine.txt"
}

serve() {
	local addr=127.0.0.1:18$((RANDOM % 900 + 100))
	"$t" serve --addr "$addr" --log-level error > "$work/serve.log" 2>&1 &
	server=$!
	for _ in $(seq 1 200); do
		curl -sf "http://$addr/healthz" > /dev/null 2>&1 && break
		sleep 0.1
	done
	url="http://$addr"
}

load() { # label, extra flags...
	local label=$1; shift
	"$t" terminal load --server "$url" --keys "$work/keys-$engine" --card-file "$work/cards-$engine.txt" \
		--terminals 50 --cards "$(wc -l < "$work/cards-$engine.txt")" --program PANGAN --item beras:1:kg:1000 "$@" > "$work/load.json"
	printf '%-34s %s\n' "$engine $label" "$(tr -d '\n ' < "$work/load.json")"
}

db=bench_ewarong_$$
psql -q "$TEPAT_TEST_POSTGRES" -c "CREATE DATABASE $db"
pgurl=$(echo "$TEPAT_TEST_POSTGRES" | sed "s|/postgres?|/$db?|")
for engine in sqlite postgres; do
	case $engine in
	sqlite) export TEPAT_DB="sqlite:$work/t.db" ;;
	postgres) export TEPAT_DB="$pgurl" ;;
	esac
	fund
	echo "$engine: $(wc -l < "$work/cards-$engine.txt") funded cards, 50 terminals"
	serve
	load "warm-up" --tx 2000 --concurrency 8
	load "max throughput" --tx "$tx" --concurrency "$conc"
	load "paced 1000/s" --tx 20000 --concurrency "$conc" --rate 1000
	kill "$server"; wait "$server" 2>/dev/null || true; server=""
	"$t" ledger check > /dev/null && echo "$engine: ledger check ok"
done

# The peer: pgbench's TPC-B-like transfer, 8 clients, on the same server.
psql -q "$TEPAT_TEST_POSTGRES" -c "CREATE DATABASE pgb_$$"
pgb=$(echo "$TEPAT_TEST_POSTGRES" | sed "s|/postgres?|/pgb_$$?|")
"$pgbin/pgbench" -q -i -s 10 "$pgb" > /dev/null 2>&1
echo "pgbench TPC-B-like, 8 clients, 30 s:"
"$pgbin/pgbench" -c 8 -j 2 -T 30 "$pgb" 2>/dev/null | grep -E "^(tps|latency average)"
