#!/usr/bin/env bash
# Benchmark: GET /v1/customers/{id}/recommendations under wrk (Debian), on loopback, beside
# GET /v1/customers/{id} on the same server.
#
#   Scripts/bench_recommendations.sh [--duration S] [--threads N] [--connections N]
#                                    [--customers N] [--workdir DIR] [--build-dir DIR] [--keep]
#
# Generates a shop (CUSTOMERS, default 10000, ten orders each), stores its recommendation model
# (`patron recommend rebuild`), then has wrk ask each customer's ten recommendations in turn
# (Scripts/bench/get_customer.lua with SUFFIX=/recommendations), and the same customers' records.
# Target (issue 21): >= 10,000 requests/s. wrk runs one thread by default, leaving the other core
# to the server; the server is a release build with the static Swift standard library.
#
# Exits 0 when the target is missed (a benchmark, not a test); non-zero only when a step fails.
set -euo pipefail
export LC_ALL=C

CONNECTIONS=${CONNECTIONS:-64}
CUSTOMERS=${CUSTOMERS:-10000}

cd "$(dirname "$0")/.."
. Scripts/bench/lib.sh
parse_options "keep" "duration threads connections customers workdir build-dir" "$@"
need_wrk
release_build patron patron-api

bench_workdir recommendations

db=$WORKDIR/shop.sqlite
rm -f "$db"*
"$bin/patron" generate --db "$db" --customers "$CUSTOMERS" --seed 1 >/dev/null
"$bin/patron" recommend rebuild --db "$db"
key=$("$bin/patron" apikey create bench --scope read --db "$db" 2>/dev/null)
start_api "$WORKDIR/server.log" PATRON_DB="$db"
curl -fsS -H "Authorization: Bearer $key" "$url/v1/customers/patron:1/recommendations" >/dev/null ||
    die "GET recommendations failed"

run() {
    API_KEY=$key CUSTOMERS=$CUSTOMERS SUFFIX=$2 wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
        -s Scripts/bench/get_customer.lua "$url" >"$WORKDIR/$1.txt"
    local non2xx
    non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$WORKDIR/$1.txt")
    [ -z "$non2xx" ] || die "$1: $non2xx answers were not 2xx (see $WORKDIR/$1.txt)"
}
run recommendations /recommendations
run customer ""
stop_api

echo "patron-api under wrk: $DURATION s per run, $THREADS wrk thread(s), $CONNECTIONS connections, $(nproc) cores," \
    "$CUSTOMERS customers"
printf '%-44s %12s %10s %10s\n' "" "requests/s" "p50 ms" "p99 ms"
printf '%-44s %12s %10s %10s  %s\n' "GET /v1/customers/{id}/recommendations" "$(rps "$WORKDIR/recommendations.txt")" \
    "$(field p50_ms "$WORKDIR/recommendations.txt")" "$(field p99_ms "$WORKDIR/recommendations.txt")" \
    "target >= 10000/s: $(awk -v a="$(rps "$WORKDIR/recommendations.txt")" 'BEGIN { print (a >= 10000) ? "met" : "MISSED" }')"
printf '%-44s %12s %10s %10s\n' "GET /v1/customers/{id} (beside it)" "$(rps "$WORKDIR/customer.txt")" \
    "$(field p50_ms "$WORKDIR/customer.txt")" "$(field p99_ms "$WORKDIR/customer.txt")"
printf 'ratio recommendations / customer: %s\n' \
    "$(awk -v a="$(rps "$WORKDIR/recommendations.txt")" -v b="$(rps "$WORKDIR/customer.txt")" 'BEGIN { printf "%.2f", a / b }')"
