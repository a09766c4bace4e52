#!/usr/bin/env bash
# Benchmark: POST /v1/track (a storefront's product views, batched) under wrk (Debian), on
# loopback, beside GET /v1/customers/{id} on the same server.
#
#   Scripts/bench_track.sh [--duration S] [--threads N] [--connections N] [--batch N]
#                          [--customers N] [--workdir DIR] [--build-dir DIR] [--keep]
#
# Generates a shop (CUSTOMERS, default 10000), creates a track key restricted to the shop's
# origin, then has wrk post batches of BATCH (default 50) views of consenting anonymous visitors
# (Scripts/bench/track.lua: every call a new messageId, visitors cycling over 100,000) for
# DURATION seconds. Targets (issue 21): >= 10,000 events/s with p99 <= 20 ms. The server is a
# release build with the static Swift standard library; wrk runs one thread by default.
#
# Exits 0 when a target is missed (a benchmark, not a test); non-zero only when a step fails.
set -euo pipefail
export LC_ALL=C

CONNECTIONS=${CONNECTIONS:-4}
BATCH=${BATCH:-50}
CUSTOMERS=${CUSTOMERS:-10000}

cd "$(dirname "$0")/.."
. Scripts/bench/lib.sh
parse_options "keep" "duration threads connections batch customers workdir build-dir" "$@"
need_wrk
release_build patron patron-api

bench_workdir track

db=$WORKDIR/shop.sqlite
rm -f "$db"*
"$bin/patron" generate --db "$db" --customers "$CUSTOMERS" --seed 1 >/dev/null
track=$("$bin/patron" apikey create storefront --scope track --origin https://demo-shop.example --db "$db" 2>/dev/null)
read=$("$bin/patron" apikey create bench --scope read --db "$db" 2>/dev/null)
skus=$("$bin/patron" recommend --sku TEA-001 --n 20 --format json --db "$db" 2>/dev/null |
    sed 's/"sku":"\([^"]*\)"/\n\1\n/g' | grep -E '^[A-Z]+-[0-9]+$' | paste -sd, -) || true
[ -n "$skus" ] || skus=TEA-001
start_api "$WORKDIR/server.log" PATRON_DB="$db" PATRON_TRACK_RATE_LIMIT=0
curl -fsS -X POST -H "Origin: https://demo-shop.example" \
    --data '{"consent":true,"batch":[{"type":"track","event":"Product Viewed","anonymousId":"warm","properties":{"sku":"TEA-001"}}]}' \
    "$url/v1/track?key=$track" >/dev/null || die "POST /v1/track failed"

TRACK_KEY=$track BATCH=$BATCH SKUS_LIST=$skus wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    -s Scripts/bench/track.lua "$url" >"$WORKDIR/track.txt"
non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$WORKDIR/track.txt")
[ -z "$non2xx" ] || die "track: $non2xx answers were not 2xx (see $WORKDIR/track.txt)"
API_KEY=$read CUSTOMERS=$CUSTOMERS wrk -t"$THREADS" -c64 -d"${DURATION}s" --latency \
    -s Scripts/bench/get_customer.lua "$url" >"$WORKDIR/customer.txt"
stop_api
stored=$(sqlite3 "$db" "SELECT count(*) FROM product_views" 2>/dev/null || echo "?")

requests=$(rps "$WORKDIR/track.txt")
events=$(awk -v r="$requests" -v b="$BATCH" 'BEGIN { printf "%.0f", r * b }')
p99=$(field p99_ms "$WORKDIR/track.txt")
echo "patron-api under wrk: $DURATION s per run, $THREADS wrk thread(s), $CONNECTIONS connections, $(nproc) cores," \
    "batches of $BATCH views"
printf '%-44s %12s %12s %10s %10s\n' "" "requests/s" "events/s" "p50 ms" "p99 ms"
printf '%-44s %12s %12s %10s %10s\n' "POST /v1/track" "$requests" "$events" "$(field p50_ms "$WORKDIR/track.txt")" "$p99"
printf '%-44s %12s %12s %10s %10s\n' "GET /v1/customers/{id} (beside it)" "$(rps "$WORKDIR/customer.txt")" "" \
    "$(field p50_ms "$WORKDIR/customer.txt")" "$(field p99_ms "$WORKDIR/customer.txt")"
echo "views stored: $stored"
echo "target >= 10000 events/s: $(awk -v a="$events" 'BEGIN { print (a >= 10000) ? "met" : "MISSED" }')" \
    "(ratio $(awk -v a="$events" 'BEGIN { printf "%.2f", a / 10000 }'))"
echo "target p99 <= 20 ms: $(awk -v a="$p99" 'BEGIN { print (a <= 20) ? "met" : "MISSED" }')"
