#!/usr/bin/env bash
# Benchmark: patron-api under wrk (Debian), on loopback.
#
#   Scripts/bench_api.sh [--duration S] [--threads N] [--connections N] [--customers N]
#                        [--workdir DIR] [--build-dir DIR] [--keep]
#
# Environment twins (flags win): DURATION (seconds per run, default 10), THREADS (wrk threads,
# default 1), CONNECTIONS (default 64), CUSTOMERS (the generated shop, default 10000), WORKDIR,
# BUILD_DIR (default .build), KEEP=1.
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

DURATION=${DURATION:-10}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-64}
CUSTOMERS=${CUSTOMERS:-10000}
WORKDIR=${WORKDIR:-}
KEEP=${KEEP:-0}
BUILD_DIR=${BUILD_DIR:-.build}

die() { echo "bench_api: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    arg=$1
    case $arg in
        --*=*) set -- "${arg%%=*}" "${arg#*=}" "${@:2}"; continue ;;
        -h|--help) usage; exit 0 ;;
        --keep) KEEP=1; shift; continue ;;
        --duration|--threads|--connections|--customers|--workdir|--build-dir) [ $# -ge 2 ] || die "$arg needs a value" ;;
        *) die "unknown option '$arg' (see --help)" ;;
    esac
    case $arg in
        --duration) DURATION=$2 ;;
        --threads) THREADS=$2 ;;
        --connections) CONNECTIONS=$2 ;;
        --customers) CUSTOMERS=$2 ;;
        --workdir) WORKDIR=$2 ;;
        --build-dir) BUILD_DIR=$2 ;;
    esac
    shift 2
done

cd "$(dirname "$0")/.."
root=$PWD
command -v wrk >/dev/null || {
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
}
command -v sqlite3 >/dev/null || die "needs sqlite3 (apt install sqlite3)"

swift build -c release --build-path "$BUILD_DIR" --static-swift-stdlib --product patron >/dev/null
swift build -c release --build-path "$BUILD_DIR" --static-swift-stdlib --product patron-api >/dev/null
bin=$(swift build -c release --build-path "$BUILD_DIR" --show-bin-path)

[ -n "$WORKDIR" ] || WORKDIR=$(mktemp -d /tmp/patron-bench-api.XXXXXX)
mkdir -p "$WORKDIR"
server=""
cleanup() {
    [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    [ "$KEEP" = 1 ] || rm -rf "$WORKDIR"
}
trap cleanup EXIT

start_server() {
    PATRON_DB=$1 PATRON_PORT=0 PATRON_RATE_LIMIT=0 PATRON_LOG_LEVEL=warning PATRON_SHOPIFY_SECRETS=bench-secret \
        "$bin/patron-api" 2>"$WORKDIR/server.log" &
    server=$!
    for _ in $(seq 1 100); do grep -q "listening on" "$WORKDIR/server.log" 2>/dev/null && break; sleep 0.1; done
    url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORKDIR/server.log" | head -1)
    [ -n "$url" ] || { cat "$WORKDIR/server.log" >&2; die "patron-api did not start"; }
}
stop_server() { kill -TERM "$server"; wait "$server" || true; server=""; }
field() { sed -n "s/^$1 *//p" "$2" | head -1; }
rps() { sed -n 's/^Requests\/sec: *//p' "$1"; }

echo "patron-api under wrk: $DURATION s per run, $THREADS wrk thread(s), $CONNECTIONS connections, $(nproc) cores"

# 1. Signed Shopify orders/create.
bodies=$((DURATION * 15000 + 20000))
python3 Scripts/bench/shopify_bodies.py "$bodies" bench-secret "$WORKDIR/bodies.tsv"
"$bin/patron" init --db "$WORKDIR/webhooks.sqlite" >/dev/null
start_server "$WORKDIR/webhooks.sqlite"
BODIES="$WORKDIR/bodies.tsv" THREADS=$THREADS wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    -s Scripts/bench/shopify_orders.lua "$url" >"$WORKDIR/webhooks.txt"
stop_server
completed=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$WORKDIR/webhooks.txt")
non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$WORKDIR/webhooks.txt"); non2xx=${non2xx:-0}
errors=$(sed -n 's/^ *Socket errors:.*//p' "$WORKDIR/webhooks.txt" | wc -l)
orders=$(sqlite3 "$WORKDIR/webhooks.sqlite" "SELECT count(*) FROM orders")
distinct=$(sqlite3 "$WORKDIR/webhooks.sqlite" "SELECT count(DISTINCT ref) FROM orders")
# Ids are 2^53 + 1 + 7k: one decoded through Double would round to an even number and break this.
inexact=$(sqlite3 "$WORKDIR/webhooks.sqlite" \
    "SELECT count(*) FROM orders WHERE (CAST(ref AS INTEGER) - 9007199254740993) % 7 != 0")
w_rps=$(rps "$WORKDIR/webhooks.txt"); w_p99=$(field p99_ms "$WORKDIR/webhooks.txt"); w_p50=$(field p50_ms "$WORKDIR/webhooks.txt")

# 2. GET /v1/customers/{id}.
"$bin/patron" generate --db "$WORKDIR/shop.sqlite" --customers "$CUSTOMERS" --seed 1 >/dev/null
key=$("$bin/patron" apikey create bench --scope read --db "$WORKDIR/shop.sqlite" 2>/dev/null)
start_server "$WORKDIR/shop.sqlite"
curl -fsS -H "Authorization: Bearer $key" "$url/v1/customers/patron:1" >/dev/null || die "GET customer failed"
# The anchor: the same server's GET /health (the framework's ceiling with no store work), so
# that rates measured on machines 2-3x apart compare as ratios.
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url/health" >"$WORKDIR/health.txt"
h_rps=$(rps "$WORKDIR/health.txt")
h_p50=$(sed -n 's/^ *50% *//p' "$WORKDIR/health.txt" | head -1); h_p99=$(sed -n 's/^ *99% *//p' "$WORKDIR/health.txt" | head -1)
API_KEY=$key CUSTOMERS=$CUSTOMERS wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    -s Scripts/bench/get_customer.lua "$url" >"$WORKDIR/get.txt"
stop_server
g_rps=$(rps "$WORKDIR/get.txt"); g_p99=$(field p99_ms "$WORKDIR/get.txt"); g_p50=$(field p50_ms "$WORKDIR/get.txt")
g_non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$WORKDIR/get.txt"); g_non2xx=${g_non2xx:-0}

verdict() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { ok = (op == ">=") ? a >= b : a <= b; print ok ? "met" : "MISSED" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
echo
printf '%-44s %12s %10s %10s  %s\n' "benchmark" "requests/s" "p50 ms" "p99 ms" "targets"
printf '%-44s %12s %10s %10s  %s\n' "GET /health (the anchor)" "$h_rps" "${h_p50:--}" "${h_p99:--}" "ratio 1.00"
printf '%-44s %12s %10s %10s  %s\n' "POST /webhooks/shopify (signed orders/create)" "$w_rps" "$w_p50" "$w_p99" \
    ">= 5000/s $(verdict "$w_rps" ">=" 5000), p99 <= 50 ms $(verdict "$w_p99" "<=" 50); ratio to /health $(ratio "$w_rps" "$h_rps")"
printf '%-44s %12s %10s %10s  %s\n' "GET /v1/customers/{id}" "$g_rps" "$g_p50" "$g_p99" \
    ">= 15000/s $(verdict "$g_rps" ">=" 15000); ratio to /health $(ratio "$g_rps" "$h_rps")"
echo
echo "webhooks: $completed answered by wrk's end, $non2xx not 2xx; the store holds $orders orders," \
    "$distinct distinct ids, $inexact with an id not exactly as sent (ids are 2^53 + 1 + 7k)"
echo "GET: $g_non2xx not 2xx"
[ "$non2xx" = 0 ] || echo "bench_api: some deliveries were refused (see $WORKDIR/webhooks.txt)" >&2
[ "$orders" = "$distinct" ] || die "an order was stored twice"
[ "$inexact" = 0 ] || die "an order id did not survive exactly"
