#!/usr/bin/env bash
# Benchmark: the dashboard's pages under wrk (Debian), on loopback, on a generated shop.
#
#   Scripts/bench_dashboard.sh [--customers N] [--db FILE] [--duration S] [--connections N]
#                              [--workdir DIR] [--build-dir DIR] [--keep]
#
# Generates a shop of --customers (default 1,000,000, with 10 orders each) unless --db names one,
# starts patron-api (release build, static standard library, rate limit off), signs in through
# the form, and reports:
#   - start: how long after start the kept figures (retention metrics, RFM run) are ready, i.e.
#     what the first visitor would wait without the warm-up;
#   - each page's requests/s and p50/p99 under wrk (overview, RFM, cohorts, an RFM cell, flows,
#     the customer page cycling over customers); target: every page <= 300 ms;
#   - the live count (/app/segments/count) beside the API's count (GET /v1/segment-count) of the
#     same expression, median of 20 each; target: the live count within the API's + 20 ms.
# Exits 0 when targets are missed (a benchmark, not a test); non-zero only when a step fails.
set -euo pipefail
export LC_ALL=C
CUSTOMERS=${CUSTOMERS:-1000000}
CONNECTIONS=${CONNECTIONS:-8}
DB=${DB:-}

cd "$(dirname "$0")/.."
. Scripts/bench/lib.sh
parse_options "keep" "customers db duration connections workdir build-dir" "$@"
need_wrk
release_build patron patron-api
bench_workdir dashboard

if [ -z "$DB" ]; then
    DB=$WORKDIR/shop.sqlite
    echo "generating $CUSTOMERS customers into $DB"
    "$bin/patron" generate --db "$DB" --customers "$CUSTOMERS" --seed 7 >/dev/null
fi
"$bin/patron" rfm --db "$DB" --save >/dev/null
"$bin/patron" campaigns activate --db "$DB" flows/welcome.yaml >/dev/null 2>&1 || true
key=$("$bin/patron" apikey create --db "$DB" "bench-dashboard-$$" --scope read 2>/dev/null)

started=$(date +%s.%N)
start_api "$WORKDIR/server.log" PATRON_DB="$DB"
jar=$WORKDIR/cookies
page=$(curl -s -c "$jar" "$url/app/login")
token=$(printf '%s' "$page" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "key=$key" --data-urlencode "csrf=$token" \
    --data-urlencode "next=/app" "$url/app/login"
session=$(awk '$6 == "patron_session" { print $7 }' "$jar")
[ -n "$session" ] || die "could not sign in"

# The first overview waits for the warm-up's figures (or computes them).
curl -s -o /dev/null -b "patron_session=$session" "$url/app"
curl -s -o /dev/null -b "patron_session=$session" "$url/app/rfm"
ready=$(awk -v a="$(date +%s.%N)" -v b="$started" 'BEGIN { print a - b }')
printf 'dashboard on %s customers: figures ready %.1f s after start\n\n' "$CUSTOMERS" "$ready"

printf '%-26s %12s %10s %10s %8s\n' page requests/s p50_ms p99_ms "<=300ms"
for entry in "overview /app" "rfm /app/rfm" "cohorts /app/cohorts" "rfm-cell /app/rfm/cell?r=1&f=1" \
    "flows /app/flows" "customer /app/customers/{n}"; do
    name=${entry%% *}
    path=${entry#* }
    out=$WORKDIR/$name.txt
    SESSION=$session PAGE=$path CUSTOMERS=$CUSTOMERS wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" \
        -s Scripts/bench/dashboard.lua "$url" >"$out" 2>"$WORKDIR/$name.err"
    p99=$(field p99_ms "$out")
    verdict=$(awk -v p="$p99" 'BEGIN { print (p <= 300) ? 1 : 0 }')
    printf '%-26s %12s %10s %10s %8s\n' "$name" "$(rps "$out")" "$(field p50_ms "$out")" "$p99" \
        "$([ "$verdict" = 1 ] && echo yes || echo MISSED)"
    if [ -s "$WORKDIR/$name.err" ]; then sort "$WORKDIR/$name.err" | uniq -c | head -3; fi
done

# The live count beside the API's count.
expression='orders.count >= 3 and rfm.recency_days < 180'
query=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$expression")
apikey=$("$bin/patron" apikey create --db "$DB" "bench-api-$$" --scope read 2>/dev/null)
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
live=$(for _ in $(seq 1 20); do
    curl -s -o /dev/null -w '%{time_total}\n' -b "patron_session=$session" "$url/app/segments/count?expression=$query"
done | median)
api=$(for _ in $(seq 1 20); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $apikey" "$url/v1/segment-count?segment=$query"
done | median)
awk -v live="$live" -v api="$api" 'BEGIN {
    printf "\nlive count %.1f ms, API segment count %.1f ms (median of 20): %s\n", live * 1000, api * 1000,
        (live <= api + 0.020) ? "within +20 ms" : "MISSED (+20 ms)" }' 
