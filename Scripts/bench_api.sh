#!/usr/bin/env bash
# Benchmark: patron-api under wrk (Debian), on loopback.
#
#   Scripts/bench_api.sh [--duration S] [--threads N] [--connections N] [--customers N]
#                        [--workdir DIR] [--build-dir DIR] [--keep] [--postgres]
#
# Environment twins (flags win): DURATION (seconds per run, default 10), THREADS (wrk threads,
# default 1), CONNECTIONS (default 64), CUSTOMERS (the generated shop, default 10000), WORKDIR,
# BUILD_DIR (default .build), KEEP=1, POSTGRES=1.
#
# With --postgres, both benchmarks run again on a PostgreSQL server started for the run
# (Scripts/postgres/start.sh in WORKDIR/pg, stopped at the end), printed beside the SQLite
# figures with the ratio PostgreSQL / SQLite.
#
# 1. Webhooks: wrk posts correctly signed Shopify orders/create deliveries (Scripts/bench/
#    shopify_orders.lua), every one a distinct order with an id above 2^53. Afterwards the store
#    is counted: every delivery answered 200 must be exactly one stored order.
#    Targets: >= 5,000 requests/s, p99 <= 50 ms.
# 2. GET /v1/customers/patron:N with a read key, N cycling over the shop's customers
#    (Scripts/bench/get_customer.lua). Target: >= 15,000 requests/s.
# wrk and the server share this machine's cores: by default wrk runs one thread (64
# connections), leaving the other core to the server; --threads 2 measures with wrk on both. The
# server is a release build with the static Swift standard library, rate limit off.
#
# Exits 0 when targets are missed (a benchmark, not a test); non-zero only when a step fails.
set -euo pipefail
export LC_ALL=C

CONNECTIONS=${CONNECTIONS:-64}
CUSTOMERS=${CUSTOMERS:-10000}
POSTGRES=${POSTGRES:-0}

cd "$(dirname "$0")/.."
root=$PWD
. Scripts/bench/lib.sh
parse_options "keep postgres" "duration threads connections customers workdir build-dir" "$@"
need_wrk
command -v sqlite3 >/dev/null || die "needs sqlite3 (apt install sqlite3)"

release_build patron patron-api

[ -n "$WORKDIR" ] || WORKDIR=$(mktemp -d /tmp/patron-bench-api.XXXXXX)
mkdir -p "$WORKDIR"
server=""
cleanup() {
    [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    [ -z "${PG_DIR:-}" ] || Scripts/postgres/stop.sh "$PG_DIR" >/dev/null 2>&1 || true
    [ "$KEEP" = 1 ] || rm -rf "$WORKDIR"
}
trap cleanup EXIT

start_server() { start_api "$WORKDIR/server.log" PATRON_DB="$1" PATRON_SHOPIFY_SECRETS=bench-secret; }
stop_server() { stop_api; }

echo "patron-api under wrk: $DURATION s per run, $THREADS wrk thread(s), $CONNECTIONS connections, $(nproc) cores"

# One store's run: the webhooks into a fresh store, then GET customer on a generated shop.
# $1: the label; $2, $3: the stores (paths or postgres:// URLs); $4: a command that runs one SQL
# query on store $2. Sets the figures under the label's prefix.
bench_store() {
    local label=$1 webhooks_db=$2 shop_db=$3 query=$4
    "$bin/patron" init --db "$webhooks_db" >/dev/null
    start_server "$webhooks_db"
    BODIES="$WORKDIR/bodies.tsv" THREADS=$THREADS wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
        -s Scripts/bench/shopify_orders.lua "$url" >"$WORKDIR/$label-webhooks.txt"
    stop_server
    local out=$WORKDIR/$label-webhooks.txt
    completed=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$out")
    non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$out"); non2xx=${non2xx:-0}
    orders=$($query "SELECT count(*) FROM orders")
    distinct=$($query "SELECT count(DISTINCT ref) FROM orders")
    # Ids are 2^53 + 1 + 7k: one decoded through Double would round to an even number and break this.
    inexact=$($query "SELECT count(*) FROM orders WHERE (CAST(ref AS BIGINT) - 9007199254740993) % 7 != 0")
    printf -v "${label}_w_rps" '%s' "$(rps "$out")"
    printf -v "${label}_w_p99" '%s' "$(field p99_ms "$out")"
    printf -v "${label}_w_p50" '%s' "$(field p50_ms "$out")"
    echo "$label webhooks: $completed answered by wrk's end, $non2xx not 2xx; the store holds $orders orders," \
        "$distinct distinct ids, $inexact with an id not exactly as sent (ids are 2^53 + 1 + 7k)"
    [ "$non2xx" = 0 ] || echo "bench_api: some deliveries were refused (see $out)" >&2
    [ "$orders" = "$distinct" ] || die "$label: an order was stored twice"
    [ "$inexact" = 0 ] || die "$label: an order id did not survive exactly"

    "$bin/patron" generate --db "$shop_db" --customers "$CUSTOMERS" --seed 1 >/dev/null
    key=$("$bin/patron" apikey create bench --scope read --db "$shop_db" 2>/dev/null)
    start_server "$shop_db"
    curl -fsS -H "Authorization: Bearer $key" "$url/v1/customers/patron:1" >/dev/null || die "GET customer failed"
    # The anchor: the same server's GET /health (the framework's ceiling with little store work:
    # the store monitor's answer, checked at most every 5 s), so that rates measured on machines
    # 2-3x apart compare as ratios.
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url/health" >"$WORKDIR/$label-health.txt"
    printf -v "${label}_h_rps" '%s' "$(rps "$WORKDIR/$label-health.txt")"
    printf -v "${label}_h_p50" '%s' "$(sed -n 's/^ *50% *//p' "$WORKDIR/$label-health.txt" | head -1)"
    printf -v "${label}_h_p99" '%s' "$(sed -n 's/^ *99% *//p' "$WORKDIR/$label-health.txt" | head -1)"
    API_KEY=$key CUSTOMERS=$CUSTOMERS wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
        -s Scripts/bench/get_customer.lua "$url" >"$WORKDIR/$label-get.txt"
    stop_server
    printf -v "${label}_g_rps" '%s' "$(rps "$WORKDIR/$label-get.txt")"
    printf -v "${label}_g_p99" '%s' "$(field p99_ms "$WORKDIR/$label-get.txt")"
    printf -v "${label}_g_p50" '%s' "$(field p50_ms "$WORKDIR/$label-get.txt")"
    local g_non2xx
    g_non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$WORKDIR/$label-get.txt")
    echo "$label GET: ${g_non2xx:-0} not 2xx"
}

bodies=$((DURATION * 15000 + 20000))
python3 Scripts/bench/shopify_bodies.py "$bodies" bench-secret "$WORKDIR/bodies.tsv"
sqlite_query() { sqlite3 "$WORKDIR/webhooks.sqlite" "$1"; }
bench_store sqlite "$WORKDIR/webhooks.sqlite" "$WORKDIR/shop.sqlite" sqlite_query
if [ "$POSTGRES" = 1 ]; then
    PG_DIR=$WORKDIR/pg
    chmod o+x "$WORKDIR"   # the server runs as the postgres user (mktemp makes the folder 0700)
    eval "$(Scripts/postgres/start.sh "$PG_DIR")"
    [ -n "${PATRON_PG_URL:-}" ] || die "no PostgreSQL server started (see $PG_DIR)"
    echo "postgres: $PATRON_PG_URL (server in $PG_DIR)"
    createdb -h 127.0.0.1 -p "$PATRON_PG_PORT" -U postgres webhooks
    createdb -h 127.0.0.1 -p "$PATRON_PG_PORT" -U postgres shop
    pg_webhooks="postgres://postgres@127.0.0.1:$PATRON_PG_PORT/webhooks"
    pg_query() { psql -X -q -A -t "$pg_webhooks" -c "$1"; }
    bench_store postgres "$pg_webhooks" "postgres://postgres@127.0.0.1:$PATRON_PG_PORT/shop" pg_query
fi

verdict() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { ok = (op == ">=") ? a >= b : a <= b; print ok ? "met" : "MISSED" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
report() {
    local label=$1 h_rps h_p50 h_p99 w_rps w_p50 w_p99 g_rps g_p50 g_p99
    h_rps=${label}_h_rps h_p50=${label}_h_p50 h_p99=${label}_h_p99
    w_rps=${label}_w_rps w_p50=${label}_w_p50 w_p99=${label}_w_p99
    g_rps=${label}_g_rps g_p50=${label}_g_p50 g_p99=${label}_g_p99
    printf '%-56s %12s %10s %10s  %s\n' "$label: GET /health (the anchor)" "${!h_rps}" "${!h_p50:--}" "${!h_p99:--}" \
        "ratio 1.00"
    printf '%-56s %12s %10s %10s  %s\n' "$label: POST /webhooks/shopify (signed orders/create)" "${!w_rps}" \
        "${!w_p50}" "${!w_p99}" ">= 5000/s $(verdict "${!w_rps}" ">=" 5000), p99 <= 50 ms" \
        "$(verdict "${!w_p99}" "<=" 50); ratio to /health $(ratio "${!w_rps}" "${!h_rps}")"
    printf '%-56s %12s %10s %10s  %s\n' "$label: GET /v1/customers/{id}" "${!g_rps}" "${!g_p50}" "${!g_p99}" \
        ">= $2/s $(verdict "${!g_rps}" ">=" "$2"); ratio to /health $(ratio "${!g_rps}" "${!h_rps}")"
}
echo
printf '%-56s %12s %10s %10s  %s\n' "benchmark" "requests/s" "p50 ms" "p99 ms" "targets"
report sqlite 15000
if [ "$POSTGRES" = 1 ]; then
    # The PostgreSQL store's targets (issue 18): webhooks >= 5,000/s, GET customer >= 10,000/s.
    report postgres 10000
    echo
    echo "postgres / sqlite: webhooks $(ratio "$postgres_w_rps" "$sqlite_w_rps")," \
        "GET customer $(ratio "$postgres_g_rps" "$sqlite_g_rps")"
fi
