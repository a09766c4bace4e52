#!/usr/bin/env bash
# Benchmark: patron (release) against DuckDB on the same RFM, side by side.
#
#   Scripts/bench.sh [--customers N] [--orders N] [--runs N] [--seed N] [--until YYYY-MM-DD]
#                    [--workdir DIR] [--build-dir DIR] [--venv DIR] [--store FILE] [--keep] [--postgres]
#
# With --postgres (POSTGRES=1), the same shop is also generated into a PostgreSQL server started
# for the run (Scripts/postgres/start.sh, in WORKDIR/pg, stopped at the end), and every patron
# command runs against it too, in the same loop: the PostgreSQL figures are printed beside the
# SQLite and DuckDB ones, with their own targets (ingest >= 200,000 orders/s, RFM <= 2x DuckDB,
# the rules count <= 100 ms, the export of every customer <= 3 s) and the check that both stores
# gave the same answers.
#
# Every flag has an environment twin (flags win):
#   CUSTOMERS  customers to generate                  (default 1000000)
#   ORDERS     orders to generate                     (default 10 x CUSTOMERS)
#   RUNS       timed runs of each side, alternating   (default 5)
#   SEED       generator seed                         (default 1)
#   UNTIL      last day of history, and the RFM as-of (default 2026-06-30)
#   WORKDIR    where the store, CSVs and logs go      (default: a new temp dir)
#   KEEP=1     keep WORKDIR's files at the end        (default: remove them)
#   BUILD_DIR  SwiftPM scratch path                   (default .build; another value is passed
#              as --scratch-path, relative paths are from the repo root)
#   VENV       Python venv with duckdb                (default $BUILD_DIR/bench-venv, reused)
#   STORE      a store generated before with the same CUSTOMERS/ORDERS/SEED/UNTIL, used as it is
#              instead of generating one (no ingest figures then; the file is only read)
#
# Steps: build patron in release; generate the shop into a fresh SQLite store (ingest rate, peak
# RSS); export the orders with the sqlite3 CLI to CSV and load them once into a DuckDB file; then
# RUNS times, alternating, `patron rfm --method ntile --format csv` (whole process) and the same RFM
# as one DuckDB SQL query written with COPY (timed inside Python, around the COPY); finally the
# medians, the ratio, the peak RSS, the ingest rate against their targets, and a sanity check that
# both CSVs have the same rows and per-segment counts.
#
# Then, on the same store, the segments: the customers (some columns) and order lines (order id,
# SKU) are exported with the sqlite3 CLI and loaded once into the same DuckDB file; then RUNS times
# each, alternating, three `patron segment` commands (whole process) against the equivalent DuckDB
# SQL (timed inside Python, around the query): a count on customer rules, an export of every
# customer to CSV, and a count of `bought(sku:, within:)`; finally the medians, the ratios, patron's
# time against its target, and whether both sides found the same count (or the same export rows).
#
# Exits 0 when targets are missed (it is a benchmark, not a test); non-zero only when a step fails.
set -euo pipefail
export LC_ALL=C

# Targets.
TARGET_RATIO=1.0          # patron median / duckdb median, at most
TARGET_RSS_MB=400         # patron rfm peak RSS, at most
TARGET_INGEST=250000      # generate ingest rate, orders/s, at least
TARGET_SEG_RULES=0.050    # patron segment count on customer rules, seconds, at most
TARGET_SEG_EXPORT=2.0     # patron segment export of every customer, seconds, at most
TARGET_SEG_BOUGHT=0.500   # patron segment count bought(sku:, within:), seconds, at most

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

CUSTOMERS=${CUSTOMERS:-1000000}
ORDERS=${ORDERS:-}
RUNS=${RUNS:-5}
SEED=${SEED:-1}
UNTIL=${UNTIL:-2026-06-30}
WORKDIR=${WORKDIR:-}
KEEP=${KEEP:-0}
BUILD_DIR=${BUILD_DIR:-.build}
VENV=${VENV:-}
STORE=${STORE:-}
POSTGRES=${POSTGRES:-0}
TARGET_PG_INGEST=200000   # --postgres: generate into PostgreSQL, orders/s, at least
TARGET_PG_RATIO=2.0       # --postgres: patron rfm on PostgreSQL / duckdb, at most
TARGET_PG_RULES=0.100     # --postgres: segment count on customer rules, seconds, at most
TARGET_PG_EXPORT=3.0      # --postgres: segment export of every customer, seconds, at most

die() { echo "bench: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
    arg=$1
    case $arg in
        --*=*) set -- "${arg%%=*}" "${arg#*=}" "${@:2}"; continue ;;
    esac
    case $arg in
        -h|--help) usage; exit 0 ;;
        --keep) KEEP=1; shift; continue ;;
        --postgres) POSTGRES=1; shift; continue ;;
    esac
    case $arg in
        --customers|--orders|--runs|--seed|--until|--workdir|--build-dir|--venv|--store)
            [ $# -ge 2 ] || die "$arg needs a value (see --help)" ;;
        *) die "unknown option '$arg' (see --help)" ;;
    esac
    case $arg in
        --customers) CUSTOMERS=$2 ;;
        --orders) ORDERS=$2 ;;
        --runs) RUNS=$2 ;;
        --seed) SEED=$2 ;;
        --until) UNTIL=$2 ;;
        --workdir) WORKDIR=$2 ;;
        --build-dir) BUILD_DIR=$2 ;;
        --venv) VENV=$2 ;;
        --store) STORE=$2 ;;
    esac
    shift 2
done

ORDERS=${ORDERS:-$((CUSTOMERS * 10))}
is_count() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ]; }
is_count "$CUSTOMERS" || die "CUSTOMERS must be a positive integer (got '$CUSTOMERS')"
is_count "$ORDERS" || die "ORDERS must be a positive integer (got '$ORDERS')"
is_count "$RUNS" || die "RUNS must be a positive integer (got '$RUNS')"
[[ $SEED =~ ^[0-9]+$ ]] || die "SEED must be a non-negative integer (got '$SEED')"
[[ $UNTIL =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || die "UNTIL must be YYYY-MM-DD (got '$UNTIL')"

# Work from the repo root (where Package.swift is), wherever the script is called from.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -f Package.swift ] || die "cannot find Package.swift next to Scripts/"
REPO=$(pwd)
SCRIPTS=$REPO/Scripts
VENV=${VENV:-$BUILD_DIR/bench-venv}
case $VENV in /*) ;; *) VENV=$REPO/$VENV ;; esac

# ---------------------------------------------------------------------------------------------
# Helpers

section() { printf '\n== %s\n' "$*"; }
now() { echo "${EPOCHREALTIME:-$(date +%s.%N)}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
# kv FILE KEY: the value of a `key=value` line.
kv() { sed -n "s/^$2=//p" "$1" | tail -n 1; }
# timefield FILE LABEL: a field of `/usr/bin/time -v` output.
timefield() { awk -v label="$2" 'index($0, label) { sub(/^.*: /, ""); print; exit }' "$1"; }
kb_to_mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.4f", v[(NR + 1) / 2]; else printf "%.4f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maxof() { printf '%s\n' "$@" | sort -g | tail -n 1; }
thousands() { sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta' <<<"$1"; }
verdict() { if [ "$1" = 1 ]; then echo "target met"; else echo "target missed"; fi; }

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null || die "need to install $* but there is no apt-get"
    local sudo=
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || die "need to install $* but not root and no sudo"
        sudo=sudo
    fi
    if [ "$APT_UPDATED" = 0 ]; then
        echo "bench: apt-get update"
        $sudo apt-get update -qq
        APT_UPDATED=1
    fi
    echo "bench: apt-get install -y $*"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# run_timed NAME COMMAND...: runs COMMAND under /usr/bin/time -v with stdout/stderr in
# $WORKDIR/NAME.{out,err}; sets WALL (seconds, measured around the process), RSS_KB and CPU_PCT.
run_timed() {
    local name=$1
    shift
    local t0 t1
    t0=$(now)
    if ! /usr/bin/time -v -o "$WORKDIR/$name.time" "$@" >"$WORKDIR/$name.out" 2>"$WORKDIR/$name.err"; then
        t1=$(now)
        echo "bench: failed: $*" >&2
        tail -n 20 "$WORKDIR/$name.err" >&2
        exit 1
    fi
    t1=$(now)
    WALL=$(elapsed "$t0" "$t1")
    RSS_KB=$(timefield "$WORKDIR/$name.time" "Maximum resident set size")
    CPU_PCT=$(timefield "$WORKDIR/$name.time" "Percent of CPU this job got")
}

# ---------------------------------------------------------------------------------------------
# Tools

section "Tools"
missing=()
command -v sqlite3 >/dev/null || missing+=(sqlite3)
[ -x /usr/bin/time ] || missing+=(time)
command -v python3 >/dev/null || missing+=(python3 python3-venv)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
command -v swift >/dev/null || die "swift is not on PATH"

if ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
    echo "bench: creating venv $VENV with duckdb"
    rm -rf "$VENV"
    if ! python3 -m venv "$VENV" 2>/dev/null; then
        rm -rf "$VENV"
        apt_install python3-venv
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check duckdb
fi
PY=$VENV/bin/python
DUCKDB_VERSION=$("$PY" -c 'import duckdb; print(duckdb.__version__)')
echo "swift:   $(swift --version 2>/dev/null | head -n 1)"
echo "sqlite3: $(sqlite3 --version | cut -d' ' -f1)"
echo "duckdb:  $DUCKDB_VERSION (python $("$PY" -c 'import platform; print(platform.python_version())'), venv $VENV)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "patron:  $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo ' (+ uncommitted changes)')"

# ---------------------------------------------------------------------------------------------
# Build

section "Build (release)"
build=(swift build -c release --product patron --static-swift-stdlib)
[ "$BUILD_DIR" = .build ] || build+=(--scratch-path "$BUILD_DIR")
echo "\$ ${build[*]}"
t0=$(now)
BUILD_LOG=$(mktemp)
if ! "${build[@]}" >"$BUILD_LOG" 2>&1; then
    tail -n 40 "$BUILD_LOG" >&2
    rm -f "$BUILD_LOG"
    die "the build failed"
fi
grep -v "^warning: " "$BUILD_LOG" | tail -n 2 || true
rm -f "$BUILD_LOG"
echo "build: $(elapsed "$t0" "$(now)") s"
BIN_DIR=$("${build[@]}" --show-bin-path 2>/dev/null | tail -n 1)
PATRON=$BIN_DIR/patron
[ -x "$PATRON" ] || die "no patron binary at $PATRON"

# ---------------------------------------------------------------------------------------------
# Work directory

CREATED_WORKDIR=0
if [ -z "$WORKDIR" ]; then
    WORKDIR=$(mktemp -d)
    CREATED_WORKDIR=1
else
    mkdir -p "$WORKDIR"
    WORKDIR=$(cd "$WORKDIR" && pwd)
fi
cleanup() {
    [ -z "${PG_DIR:-}" ] || "$SCRIPTS/postgres/stop.sh" "$PG_DIR" >/dev/null 2>&1 || true
    if [ "$KEEP" = 1 ]; then
        echo "bench: kept $WORKDIR"
    elif [ "$CREATED_WORKDIR" = 1 ]; then
        rm -rf "$WORKDIR"
    else
        # A WORKDIR we were given: remove only what we wrote into it.
        rm -f "$WORKDIR"/bench.sqlite "$WORKDIR"/bench.sqlite-* "$WORKDIR"/orders.csv "$WORKDIR"/orders.duckdb \
            "$WORKDIR"/orders.duckdb.wal "$WORKDIR"/patron.csv "$WORKDIR"/duckdb.csv "$WORKDIR"/*.time \
            "$WORKDIR"/*.out "$WORKDIR"/*.err "$WORKDIR"/customers.csv "$WORKDIR"/order_lines.csv \
            "$WORKDIR"/patron-segment.csv "$WORKDIR"/duckdb-segment.csv
    fi
}
trap cleanup EXIT
DB=$WORKDIR/bench.sqlite
rm -f "$DB" "$DB"-* "$WORKDIR"/orders.duckdb "$WORKDIR"/orders.duckdb.wal
if [ -n "$STORE" ]; then
    [ -f "$STORE" ] || die "--store: no file $STORE"
    DB=$(cd "$(dirname "$STORE")" && pwd)/$(basename "$STORE")
fi
PG_DB=
if [ "$POSTGRES" = 1 ]; then
    chmod 755 "$WORKDIR"
    PG_DIR=$WORKDIR/pg
    eval "$("$SCRIPTS/postgres/start.sh" "$PG_DIR")"
    PG_DB=$PATRON_PG_URL
    echo "postgres: $PG_DB (server in $PG_DIR)"
fi
echo
echo "workdir: $WORKDIR"
echo "shop:    $CUSTOMERS customers, $ORDERS orders, seed $SEED, until $UNTIL; $RUNS runs each"

# ---------------------------------------------------------------------------------------------
# Generate

if [ -n "$STORE" ]; then
    section "Store: $DB (reused; generated before with the same parameters, only read here)"
    GEN_WALL=- GEN_RSS_KB=0 GEN_SECONDS=- INGEST_RATE=0 PROCESS_RATE=0 INGEST_SOURCE="not measured: reused store"
else
    section "Generate into a fresh SQLite store"
    echo "\$ /usr/bin/time -v $PATRON generate --customers $CUSTOMERS --orders $ORDERS --seed $SEED --until $UNTIL --db $DB"
    run_timed generate "$PATRON" generate --customers "$CUSTOMERS" --orders "$ORDERS" --seed "$SEED" \
        --until "$UNTIL" --db "$DB"
    GEN_WALL=$WALL
    GEN_RSS_KB=$RSS_KB
    GEN_LINE=$(grep '^generate: ' "$WORKDIR/generate.err" | tail -n 1 || true)
    echo "$GEN_LINE"
    GEN_ORDERS=$(sed -n 's/.*(\([0-9][0-9]*\) orders).*/\1/p' <<<"$GEN_LINE")
    GEN_SECONDS=$(sed -n 's/.* in \([0-9.][0-9.]*\) s (.*/\1/p' <<<"$GEN_LINE")
    INGEST_RATE=$(sed -n 's/.*(\([0-9][0-9]*\) orders\/s).*/\1/p' <<<"$GEN_LINE")
    GEN_ORDERS=${GEN_ORDERS:-$ORDERS}
    PROCESS_RATE=$(awk -v n="$GEN_ORDERS" -v s="$GEN_WALL" 'BEGIN { printf "%d", n / s }')
    if [ -z "$INGEST_RATE" ]; then
        echo "bench: could not parse the generate summary line; the ingest rate is from the process wall time"
        INGEST_RATE=$PROCESS_RATE
        INGEST_SOURCE="process wall"
    else
        INGEST_SOURCE="patron's summary"
    fi
    echo "generate: process wall $GEN_WALL s, peak RSS $(kb_to_mb "$GEN_RSS_KB") MB, store $(du -h "$DB" | cut -f1)"
fi

if [ -n "$PG_DB" ]; then
    section "Generate into a fresh PostgreSQL store"
    echo "\$ /usr/bin/time -v $PATRON generate --customers $CUSTOMERS --orders $ORDERS --seed $SEED --until $UNTIL --db $PG_DB"
    run_timed pg-generate "$PATRON" generate --customers "$CUSTOMERS" --orders "$ORDERS" --seed "$SEED" \
        --until "$UNTIL" --db "$PG_DB"
    PG_GEN_WALL=$WALL PG_GEN_RSS_KB=$RSS_KB
    PG_GEN_LINE=$(grep '^generate: ' "$WORKDIR/pg-generate.err" | tail -n 1 || true)
    echo "$PG_GEN_LINE"
    PG_INGEST_RATE=$(sed -n 's/.*(\([0-9][0-9]*\) orders\/s).*/\1/p' <<<"$PG_GEN_LINE")
    PG_INGEST_RATE=${PG_INGEST_RATE:-0}
    echo "generate: process wall $PG_GEN_WALL s, peak RSS $(kb_to_mb "$PG_GEN_RSS_KB") MB"
fi

# ---------------------------------------------------------------------------------------------
# Export and load into DuckDB (not part of the comparison)

section "Export orders (sqlite3 CLI) and load them into DuckDB once"
EXPORT_SQL="SELECT id, customer_id, placed_at, total_minor - refunded_minor AS net_minor, status FROM orders"
echo "\$ sqlite3 -csv -header $DB \"$EXPORT_SQL\" > $WORKDIR/orders.csv"
t0=$(now)
sqlite3 -batch -csv -header "$DB" "$EXPORT_SQL" >"$WORKDIR/orders.csv"
EXPORT_SECONDS=$(elapsed "$t0" "$(now)")
echo "export: $EXPORT_SECONDS s, $(du -h "$WORKDIR/orders.csv" | cut -f1)"
"$PY" "$SCRIPTS/bench_duckdb.py" load --duckdb "$WORKDIR/orders.duckdb" --csv "$WORKDIR/orders.csv" \
    >"$WORKDIR/load.out"
LOAD_SECONDS=$(kv "$WORKDIR/load.out" load_seconds)
LOAD_ROWS=$(kv "$WORKDIR/load.out" load_rows)
echo "duckdb load: $LOAD_SECONDS s, $LOAD_ROWS orders into $WORKDIR/orders.duckdb ($(du -h "$WORKDIR/orders.duckdb" | cut -f1))"
rm -f "$WORKDIR/orders.csv"

# ---------------------------------------------------------------------------------------------
# Timed runs

section "RFM, $RUNS runs each, alternating"
echo "patron: \$ /usr/bin/time -v $PATRON rfm --db $DB --as-of $UNTIL --method ntile --format csv -o $WORKDIR/patron.csv"
echo "duckdb: \$ $PY Scripts/bench_duckdb.py rfm --duckdb $WORKDIR/orders.duckdb --as-of $UNTIL --out $WORKDIR/duckdb.csv"
P_TIMES=() P_RSS=() P_CPU=() D_TIMES=() D_PROC=() D_RSS=() D_PAR=() PG_RFM_TIMES=()
printf '  %-4s %12s %12s %9s   %12s %12s %12s %9s\n' run "patron s" "peak RSS MB" "CPU" "duckdb s" "CPU/wall" "python s" "RSS MB"
for ((i = 1; i <= RUNS; i++)); do
    run_timed "patron-rfm-$i" "$PATRON" rfm --db "$DB" --as-of "$UNTIL" --method ntile --format csv \
        -o "$WORKDIR/patron.csv"
    P_TIMES+=("$WALL") P_RSS+=("$RSS_KB") P_CPU+=("$CPU_PCT")
    p_line=$(printf '%12s %12s %9s' "$WALL" "$(kb_to_mb "$RSS_KB")" "$CPU_PCT")

    rm -f "$WORKDIR/duckdb.csv"
    run_timed "duckdb-rfm-$i" "$PY" "$SCRIPTS/bench_duckdb.py" rfm --duckdb "$WORKDIR/orders.duckdb" \
        --as-of "$UNTIL" --out "$WORKDIR/duckdb.csv"
    d_seconds=$(kv "$WORKDIR/duckdb-rfm-$i.out" seconds)
    d_cpu=$(kv "$WORKDIR/duckdb-rfm-$i.out" cpu_seconds)
    d_par=$(awk -v c="$d_cpu" -v s="$d_seconds" 'BEGIN { printf "%.2f", (s > 0 ? c / s : 0) }')
    D_TIMES+=("$d_seconds") D_PROC+=("$WALL") D_RSS+=("$RSS_KB") D_PAR+=("$d_par")
    printf '  %-4s %s   %12s %12s %12s %9s\n' "$i" "$p_line" "$d_seconds" "${d_par}x" "$WALL" "$(kb_to_mb "$RSS_KB")"
    if [ -n "$PG_DB" ]; then
        run_timed "pg-rfm-$i" "$PATRON" rfm --db "$PG_DB" --as-of "$UNTIL" --method ntile --format csv \
            -o "$WORKDIR/pg.csv"
        PG_RFM_TIMES+=("$WALL")
        printf '  %-4s postgres %12s s, peak RSS %s MB\n' "$i" "$WALL" "$(kb_to_mb "$RSS_KB")"
    fi
done
D_THREADS=$(kv "$WORKDIR/duckdb-rfm-1.out" threads)

# ---------------------------------------------------------------------------------------------
# Sanity check

section "Sanity check: rows and customers per segment"
"$PY" "$SCRIPTS/bench_duckdb.py" compare --patron "$WORKDIR/patron.csv" --duckdb-csv "$WORKDIR/duckdb.csv" \
    >"$WORKDIR/compare.out"
grep -v '^SANITY ' "$WORKDIR/compare.out"
SANITY=$(grep '^SANITY ' "$WORKDIR/compare.out")

# ---------------------------------------------------------------------------------------------
# Summary

P_MED=$(median "${P_TIMES[@]}")
D_MED=$(median "${D_TIMES[@]}")
D_PROC_MED=$(median "${D_PROC[@]}")
D_PAR_MED=$(median "${D_PAR[@]}")
RATIO=$(awk -v p="$P_MED" -v d="$D_MED" 'BEGIN { printf "%.2f", (d > 0 ? p / d : 999) }')
P_RSS_MAX_MB=$(kb_to_mb "$(maxof "${P_RSS[@]}")")
D_RSS_MAX_MB=$(kb_to_mb "$(maxof "${D_RSS[@]}")")
ratio_ok=$(awk -v r="$RATIO" -v t="$TARGET_RATIO" 'BEGIN { print ((r <= t) ? 1 : 0) }')
rss_ok=$(awk -v r="$P_RSS_MAX_MB" -v t="$TARGET_RSS_MB" 'BEGIN { print ((r <= t) ? 1 : 0) }')
ingest_ok=$(awk -v r="$INGEST_RATE" -v t="$TARGET_INGEST" 'BEGIN { print ((r >= t) ? 1 : 0) }')
if [[ $SANITY == *"rows=same segments=same"* ]]; then sanity_ok=1; else sanity_ok=0; fi

section "Summary ($CUSTOMERS customers, $ORDERS orders, seed $SEED, as of $UNTIL, median of $RUNS)"
printf '  %-44s %14s   %s\n' "patron rfm, whole process (median)" "$P_MED s" ""
printf '  %-44s %14s   %s\n' "duckdb RFM query + COPY (median)" "$D_MED s" \
    "threads=$D_THREADS of $(nproc) cores, CPU/wall $(printf %.2f "$D_PAR_MED")x"
printf '  %-44s %14s   %s\n' "ratio patron/duckdb" "$RATIO" "target <= $TARGET_RATIO: $(verdict "$ratio_ok")"
printf '  %-44s %14s   %s\n' "patron rfm peak RSS (max of runs)" "$P_RSS_MAX_MB MB" \
    "target <= $TARGET_RSS_MB MB: $(verdict "$rss_ok")"
printf '  %-44s %14s   %s\n' "generate ingest rate ($INGEST_SOURCE)" "$(thousands "$INGEST_RATE") orders/s" \
    "target >= $(thousands "$TARGET_INGEST"): $(verdict "$ingest_ok")"
printf '  %-44s %14s   %s\n' "sanity: same rows, same segment counts" "$([ $sanity_ok = 1 ] && echo yes || echo NO)" \
    "$([ $sanity_ok = 1 ] && echo "check passed" || echo "check FAILED") (${SANITY#SANITY })"
echo "  for information:"
printf '    %-42s %14s\n' "generate, whole process" "$GEN_WALL s" \
    "generate, ingest loop (patron's summary)" "${GEN_SECONDS:-?} s" \
    "generate rate over the whole process" "$(thousands "$PROCESS_RATE") orders/s" \
    "generate peak RSS" "$(kb_to_mb "$GEN_RSS_KB") MB" \
    "sqlite3 export to CSV" "$EXPORT_SECONDS s" \
    "duckdb load (once, not compared)" "$LOAD_SECONDS s" \
    "duckdb python process, whole (median)" "$D_PROC_MED s" \
    "duckdb python process peak RSS (max)" "$D_RSS_MAX_MB MB"

# ---------------------------------------------------------------------------------------------
# Segments: export customers and order lines and load them into DuckDB (not part of the comparison)

section "Segments: export customers and order lines (sqlite3 CLI) and load them into DuckDB once"
CUSTOMERS_SQL="SELECT id, primary_ref, email, country, order_count, revenue_minor, last_order_at, coalesce(json_extract(consent, '$.email.status'), 'unknown') AS consent_email FROM customers"
LINES_SQL="SELECT order_id, sku FROM order_lines"
echo "\$ sqlite3 -csv -header $DB \"$CUSTOMERS_SQL\" > $WORKDIR/customers.csv"
t0=$(now)
sqlite3 -batch -csv -header "$DB" "$CUSTOMERS_SQL" >"$WORKDIR/customers.csv"
CUST_EXPORT_SECONDS=$(elapsed "$t0" "$(now)")
echo "export: $CUST_EXPORT_SECONDS s, $(du -h "$WORKDIR/customers.csv" | cut -f1)"
echo "\$ sqlite3 -csv -header $DB \"$LINES_SQL\" > $WORKDIR/order_lines.csv"
t0=$(now)
sqlite3 -batch -csv -header "$DB" "$LINES_SQL" >"$WORKDIR/order_lines.csv"
LINES_EXPORT_SECONDS=$(elapsed "$t0" "$(now)")
echo "export: $LINES_EXPORT_SECONDS s, $(du -h "$WORKDIR/order_lines.csv" | cut -f1)"
"$PY" "$SCRIPTS/bench_duckdb.py" load-segments --duckdb "$WORKDIR/orders.duckdb" \
    --customers-csv "$WORKDIR/customers.csv" --lines-csv "$WORKDIR/order_lines.csv" >"$WORKDIR/load-segments.out"
CUST_LOAD_SECONDS=$(kv "$WORKDIR/load-segments.out" customers_load_seconds)
CUST_LOAD_ROWS=$(kv "$WORKDIR/load-segments.out" customers_load_rows)
LINES_LOAD_SECONDS=$(kv "$WORKDIR/load-segments.out" lines_load_seconds)
LINES_LOAD_ROWS=$(kv "$WORKDIR/load-segments.out" lines_load_rows)
echo "duckdb load: customers $CUST_LOAD_SECONDS s ($CUST_LOAD_ROWS rows), order lines $LINES_LOAD_SECONDS s" \
    "($LINES_LOAD_ROWS rows) into $WORKDIR/orders.duckdb ($(du -h "$WORKDIR/orders.duckdb" | cut -f1))"
rm -f "$WORKDIR/customers.csv" "$WORKDIR/order_lines.csv"

# ---------------------------------------------------------------------------------------------
# Segments: timed runs

SEG_QUERIES=(rules export bought)
declare -A SEG_PG_MED SEG_PG_SAME
declare -A SEG_EXPR SEG_TARGET SEG_P_MED SEG_D_MED SEG_D_PROC_MED SEG_P_RSS_MAX SEG_P_RESULT SEG_D_RESULT SEG_SAME
SEG_EXPR[rules]='orders.count >= 2 and orders.last_at < 90 days ago and consent.email = "granted"'
SEG_EXPR[export]='orders.count >= 0'
SEG_EXPR[bought]='bought(sku: "MUG-003", within: 30 days)'
SEG_TARGET[rules]=$TARGET_SEG_RULES
SEG_TARGET[export]=$TARGET_SEG_EXPORT
SEG_TARGET[bought]=$TARGET_SEG_BOUGHT
SEG_FIELDS=email,country,orders.count,orders.total,orders.last_at

# seg_patron_args QUERY: the patron command line of one segment benchmark, into SEG_ARGS.
seg_patron_args() {
    case $1 in
        export) SEG_ARGS=("$PATRON" segment export --db "$DB" --as-of "$UNTIL" "${SEG_EXPR[$1]}" \
                    --fields "$SEG_FIELDS" -o "$WORKDIR/patron-segment.csv") ;;
        *) SEG_ARGS=("$PATRON" segment count --db "$DB" --as-of "$UNTIL" "${SEG_EXPR[$1]}") ;;
    esac
}

for q in "${SEG_QUERIES[@]}"; do
    section "Segments: $q, $RUNS runs each, alternating"
    seg_patron_args "$q"
    printf -v shown '%q ' "${SEG_ARGS[@]}"
    echo "patron: \$ /usr/bin/time -v ${shown% }"
    d_args=("$SCRIPTS/bench_duckdb.py" segment --duckdb "$WORKDIR/orders.duckdb" --as-of "$UNTIL" --query "$q")
    [ "$q" = export ] && d_args+=(--out "$WORKDIR/duckdb-segment.csv")
    echo "duckdb: \$ $PY Scripts/bench_duckdb.py ${d_args[*]:1}"
    rm -f "$WORKDIR"/patron-seg-"$q"-*.out "$WORKDIR"/duckdb-seg-"$q"-*.out
    P_TIMES=() P_RSS=() D_TIMES=() D_PROC=() PG_TIMES=()
    printf '  %-4s %12s %12s %9s   %12s %12s %12s %9s\n' run "patron s" "peak RSS MB" "CPU" "duckdb s" "CPU/wall" "python s" "RSS MB"
    for ((i = 1; i <= RUNS; i++)); do
        [ "$q" = export ] && rm -f "$WORKDIR/patron-segment.csv"
        run_timed "patron-seg-$q-$i" "${SEG_ARGS[@]}"
        P_TIMES+=("$WALL") P_RSS+=("$RSS_KB")
        p_line=$(printf '%12s %12s %9s' "$WALL" "$(kb_to_mb "$RSS_KB")" "$CPU_PCT")

        [ "$q" = export ] && rm -f "$WORKDIR/duckdb-segment.csv"
        run_timed "duckdb-seg-$q-$i" "$PY" "${d_args[@]}"
        d_seconds=$(kv "$WORKDIR/duckdb-seg-$q-$i.out" seconds)
        d_cpu=$(kv "$WORKDIR/duckdb-seg-$q-$i.out" cpu_seconds)
        d_par=$(awk -v c="$d_cpu" -v s="$d_seconds" 'BEGIN { printf "%.2f", (s > 0 ? c / s : 0) }')
        D_TIMES+=("$d_seconds") D_PROC+=("$WALL")
        printf '  %-4s %s   %12s %12s %12s %9s\n' "$i" "$p_line" "$d_seconds" "${d_par}x" "$WALL" "$(kb_to_mb "$RSS_KB")"
        if [ -n "$PG_DB" ]; then
            pg_args=("${SEG_ARGS[@]/#$DB/$PG_DB}")
            pg_args=("${pg_args[@]/#$WORKDIR\/patron-segment.csv/$WORKDIR/pg-segment.csv}")
            rm -f "$WORKDIR/pg-segment.csv"
            run_timed "pg-seg-$q-$i" "${pg_args[@]}"
            PG_TIMES+=("$WALL")
            printf '  %-4s postgres %12s s, peak RSS %s MB\n' "$i" "$WALL" "$(kb_to_mb "$RSS_KB")"
        fi
    done
    if [ -n "$PG_DB" ]; then
        SEG_PG_MED[$q]=$(median "${PG_TIMES[@]}")
        if [ "$q" = export ]; then
            cmp -s "$WORKDIR/patron-segment.csv" "$WORKDIR/pg-segment.csv" && SEG_PG_SAME[$q]=1 || SEG_PG_SAME[$q]=0
        else
            pg_result=$(cat "$WORKDIR"/pg-seg-"$q"-*.out | tr -d ' \r' | sort -u | paste -sd/ -)
            [ "$pg_result" = "$(cat "$WORKDIR"/patron-seg-"$q"-*.out | tr -d ' \r' | sort -u | paste -sd/ -)" ] \
                && SEG_PG_SAME[$q]=1 || SEG_PG_SAME[$q]=0
        fi
    fi
    SEG_P_MED[$q]=$(median "${P_TIMES[@]}")
    SEG_D_MED[$q]=$(median "${D_TIMES[@]}")
    SEG_D_PROC_MED[$q]=$(median "${D_PROC[@]}")
    SEG_P_RSS_MAX[$q]=$(kb_to_mb "$(maxof "${P_RSS[@]}")")
    if [ "$q" = export ]; then
        "$PY" "$SCRIPTS/bench_duckdb.py" count-rows "$WORKDIR/patron-segment.csv" "$WORKDIR/duckdb-segment.csv" \
            >"$WORKDIR/count-rows.out"
        SEG_P_RESULT[$q]=$(sed -n 's/^rows=//p' "$WORKDIR/count-rows.out" | sed -n 1p)
        SEG_D_RESULT[$q]=$(sed -n 's/^rows=//p' "$WORKDIR/count-rows.out" | sed -n 2p)
        if cmp -s "$WORKDIR/patron-segment.csv" "$WORKDIR/duckdb-segment.csv"; then
            SEG_IDENTICAL="byte-identical files"
        else
            SEG_IDENTICAL="files differ in content"
        fi
    else
        # Every run's answer, not only the last one's, must agree.
        SEG_P_RESULT[$q]=$(cat "$WORKDIR"/patron-seg-"$q"-*.out | tr -d ' \r' | sort -u | paste -sd/ -)
        SEG_D_RESULT[$q]=$(cat "$WORKDIR"/duckdb-seg-"$q"-*.out | sed -n 's/^count=//p' | sort -u | paste -sd/ -)
    fi
    if [ -n "${SEG_P_RESULT[$q]}" ] && [ "${SEG_P_RESULT[$q]}" = "${SEG_D_RESULT[$q]}" ]; then
        SEG_SAME[$q]=1
    else
        SEG_SAME[$q]=0
    fi
    echo "  result: patron ${SEG_P_RESULT[$q]:-?}, duckdb ${SEG_D_RESULT[$q]:-?}$([ "$q" = export ] && echo " rows")"
done
SEG_D_THREADS=$(kv "$WORKDIR/duckdb-seg-rules-1.out" threads)

# ---------------------------------------------------------------------------------------------
# Segments: summary

section "Summary, segments ($CUSTOMERS customers, $ORDERS orders, seed $SEED, as of $UNTIL, median of $RUNS)"
echo "  duckdb: threads=$SEG_D_THREADS of $(nproc) cores; its times are the query alone, inside Python"
for q in "${SEG_QUERIES[@]}"; do
    case $q in
        rules) title="1. segment count '${SEG_EXPR[$q]}'" what=count ;;
        export) title="2. segment export '${SEG_EXPR[$q]}' --fields $SEG_FIELDS (CSV)" what=rows ;;
        bought) title="3. segment count '${SEG_EXPR[$q]}'" what=count ;;
    esac
    p_med=${SEG_P_MED[$q]} d_med=${SEG_D_MED[$q]}
    ratio=$(awk -v p="$p_med" -v d="$d_med" 'BEGIN { printf "%.2f", (d > 0 ? p / d : 999) }')
    ok=$(awk -v p="$p_med" -v t="${SEG_TARGET[$q]}" 'BEGIN { print ((p <= t) ? 1 : 0) }')
    target_ms=$(awk -v t="${SEG_TARGET[$q]}" 'BEGIN { printf "%g", t * 1000 }')
    echo "  $title"
    printf '  %-44s %14s   %s\n' "patron segment $([ "$q" = export ] && echo export || echo count), whole process (median)" "$p_med s" \
        "target <= $target_ms ms: $(verdict "$ok")"
    printf '  %-44s %14s   %s\n' "duckdb $([ "$q" = export ] && echo "query + COPY" || echo "count query") (median)" "$d_med s" ""
    printf '  %-44s %14s   %s\n' "ratio patron/duckdb" "$ratio" "(no target)"
    if [ "${SEG_SAME[$q]}" = 1 ]; then
        printf '  %-44s %14s   %s\n' "sanity: same $what" "same" "${SEG_P_RESULT[$q]} $([ "$q" = export ] && echo "rows on both sides, $SEG_IDENTICAL" || echo customers on both sides)"
    else
        printf '  %-44s %14s   %s\n' "sanity: same $what" "MISMATCH" \
            "patron ${SEG_P_RESULT[$q]:-?}, duckdb ${SEG_D_RESULT[$q]:-?}"
    fi
    printf '  %-44s %14s\n' "patron peak RSS (max of runs)" "${SEG_P_RSS_MAX[$q]} MB"
done
echo "  for information:"
printf '    %-42s %14s\n' "sqlite3 export customers to CSV" "$CUST_EXPORT_SECONDS s" \
    "sqlite3 export order lines to CSV" "$LINES_EXPORT_SECONDS s" \
    "duckdb load customers (once)" "$CUST_LOAD_SECONDS s" \
    "duckdb load order lines (once)" "$LINES_LOAD_SECONDS s" \
    "customers / order lines loaded" "$CUST_LOAD_ROWS / $LINES_LOAD_ROWS"
for q in "${SEG_QUERIES[@]}"; do
    printf '    %-42s %14s\n' "duckdb python process, $q (median)" "${SEG_D_PROC_MED[$q]} s"
done

if [ -n "$PG_DB" ]; then
    PG_RFM_MED=$(median "${PG_RFM_TIMES[@]}")
    PG_RATIO=$(awk -v p="$PG_RFM_MED" -v d="$D_MED" 'BEGIN { printf "%.2f", (d > 0 ? p / d : 999) }')
    cmp -s "$WORKDIR/patron.csv" "$WORKDIR/pg.csv" && pg_rfm_same=yes || pg_rfm_same=NO
    at_least() { awk -v a="$1" -v b="$2" 'BEGIN { print ((a >= b) ? 1 : 0) }'; }
    at_most() { awk -v a="$1" -v b="$2" 'BEGIN { print ((a <= b) ? 1 : 0) }'; }
    section "Summary, PostgreSQL beside SQLite and DuckDB ($CUSTOMERS customers, $ORDERS orders, median of $RUNS)"
    printf '  %-40s %16s %16s   %s\n' "" "postgresql" "sqlite" "target (postgresql)"
    printf '  %-40s %16s %16s   %s\n' "generate ingest, orders/s" "$(thousands "$PG_INGEST_RATE")" \
        "$(thousands "$INGEST_RATE")" ">= $(thousands "$TARGET_PG_INGEST"): $(verdict "$(at_least "$PG_INGEST_RATE" "$TARGET_PG_INGEST")")"
    printf '  %-40s %16s %16s   %s\n' "rfm, whole process, s (duckdb $D_MED s)" "$PG_RFM_MED" "$P_MED" \
        "<= ${TARGET_PG_RATIO}x duckdb: ${PG_RATIO}x, $(verdict "$(at_most "$PG_RATIO" "$TARGET_PG_RATIO")")"
    printf '  %-40s %16s %16s   %s\n' "segment count, rules, s" "${SEG_PG_MED[rules]}" "${SEG_P_MED[rules]}" \
        "<= $TARGET_PG_RULES s: $(verdict "$(at_most "${SEG_PG_MED[rules]}" "$TARGET_PG_RULES")")"
    printf '  %-40s %16s %16s   %s\n' "segment export, every customer, s" "${SEG_PG_MED[export]}" "${SEG_P_MED[export]}" \
        "<= $TARGET_PG_EXPORT s: $(verdict "$(at_most "${SEG_PG_MED[export]}" "$TARGET_PG_EXPORT")")"
    printf '  %-40s %16s %16s\n' "segment count, bought, s" "${SEG_PG_MED[bought]}" "${SEG_P_MED[bought]}"
    printf '  %-40s %16s\n' "same rfm CSV as sqlite" "$pg_rfm_same"
    for q in "${SEG_QUERIES[@]}"; do
        printf '  %-40s %16s\n' "same $q answer as sqlite" "$([ "${SEG_PG_SAME[$q]}" = 1 ] && echo yes || echo NO)"
    done
fi
exit 0
