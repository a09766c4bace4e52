#!/usr/bin/env bash
# Benchmark: loyalty rules during ingest, and the nightly expiry.
#
#   Scripts/bench_loyalty.sh [--customers N] [--orders M] [--db-url postgres://…] [--workdir DIR]
#                            [--build-dir DIR] [--keep]
#
# Every flag has an environment twin (flags win): CUSTOMERS (default 100000), ORDERS (default
# 10 per customer), DB_URL (a PostgreSQL server's URL: its databases patron_bench_a and
# patron_bench_b are dropped and made again; default: SQLite files in WORKDIR), WORKDIR,
# BUILD_DIR (default .build), KEEP=1; PATRON (a patron binary to use instead of building one).
#
# Steps, with a release build of patron:
#   1. `patron generate` of the same shop (seed 7, history up to 2026-06-30) into two stores: one
#      with no loyalty rules, one after `patron loyalty rules activate` of a programme with SKU
#      and tag multipliers, a sign-up action, a return window and expiry after 365 days — every
#      order earns as it is ingested. Target: with rules at least 80% of the speed without.
#   2. `patron loyalty expire --as-of 2026-07-01` on the store with rules: the catch-up run that
#      writes off every award older than a year (the worst night), then the same night again
#      (nothing due: what a nightly run costs when the job ran the night before);
#   3. `patron loyalty tiers --update`: every customer's tier (Silver/Gold on points earned over
#      365 days, 30 days' grace). Target: the nightly expiry and tier run <= 10 s.
#
# There is no peer tool run side by side: the figures are compared with the issue's targets.
# Exits 0 when targets are missed (a benchmark, not a test); non-zero only when a step fails.
set -euo pipefail
export LC_ALL=C

CUSTOMERS=${CUSTOMERS:-100000}
ORDERS=${ORDERS:-}
DB_URL=${DB_URL:-}

. "$(dirname "${BASH_SOURCE[0]}")/bench/lib.sh"
parse_options "keep" "customers orders db-url workdir build-dir" "$@"
ORDERS=${ORDERS:-$((CUSTOMERS * 10))}

cd "$(dirname "$0")/.."
if [ -z "${PATRON:-}" ]; then
    swift build -c release --build-path "$BUILD_DIR" --static-swift-stdlib --product patron >/dev/null
    PATRON=$(swift build -c release --build-path "$BUILD_DIR" --show-bin-path)/patron
fi
if [ -z "$WORKDIR" ]; then
    WORKDIR=$(mktemp -d)
    [ "$KEEP" = 1 ] || trap 'rm -rf "$WORKDIR"' EXIT
fi
mkdir -p "$WORKDIR"

cat >"$WORKDIR/loyalty.yaml" <<'YAML'
earn:
  points: 1
  per: "1.00"
  max_per_order: 5000
  multipliers:
    skus: { SKU-0001: 2, SKU-0002: 1.5 }
    tags: { vip: 1.5 }
actions:
  signup: 50
expiry: { after_days: 365 }
return_window: 30d
tiers:
  window: 365d
  grace: 30d
  levels:
    - { name: Silver, from: 500 }
    - { name: Gold, from: 2000 }
YAML

store() {
    if [ -n "$DB_URL" ]; then
        local base=${DB_URL%/*}
        psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS patron_bench_$1" -c "CREATE DATABASE patron_bench_$1" >/dev/null
        echo "$base/patron_bench_$1"
    else
        rm -f "$WORKDIR/$1.sqlite"*
        echo "$WORKDIR/$1.sqlite"
    fi
}
seconds() { # command… → wall seconds on stdout, its output to the log
    local start end
    start=$(date +%s.%N)
    "$@" >>"$WORKDIR/log" 2>&1 || { tail -5 "$WORKDIR/log" >&2; die "failed: $*"; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l | xargs printf '%.2f'
}
generate() { seconds "$PATRON" generate --customers "$CUSTOMERS" --orders "$ORDERS" --seed 7 --until 2026-06-30 --db "$1"; }

A=$(store a)
B=$(store b)
echo "loyalty bench: $CUSTOMERS customers, $ORDERS orders, ${DB_URL:+PostgreSQL}${DB_URL:-SQLite}"
plain=$(generate "$A")
"$PATRON" loyalty rules activate "$WORKDIR/loyalty.yaml" --db "$B" >>"$WORKDIR/log"
earning=$(generate "$B")
ratio=$(echo "$plain / $earning" | bc -l | xargs printf '%.2f')
echo "ingest without rules   ${plain} s  ($(echo "$ORDERS / $plain" | bc) orders/s)"
echo "ingest with rules      ${earning} s  ($(echo "$ORDERS / $earning" | bc) orders/s)"
echo "speed with rules       ${ratio} of without (target >= 0.80)"
catchup=$(seconds "$PATRON" loyalty expire --as-of 2026-07-01 --db "$B")
echo "expiry, catch-up run   ${catchup} s  ($(tail -1 "$WORKDIR/log"))"
again=$(seconds "$PATRON" loyalty expire --as-of 2026-07-01 --db "$B")
echo "expiry, next run       ${again} s"
tiers=$(seconds "$PATRON" loyalty tiers --update --as-of 2026-07-01 --db "$B")
echo "tier run               ${tiers} s  ($(grep -m1 'customers:' "$WORKDIR/log" | tail -1))"
nightly=$(echo "$again + $tiers" | bc -l | xargs printf '%.2f')
echo "nightly (expiry+tiers) ${nightly} s  (target <= 10 s at 1M customers / 10M orders)"
