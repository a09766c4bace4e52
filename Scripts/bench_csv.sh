#!/usr/bin/env bash
# Benchmark: CSV import — patron's reader and full import against DuckDB's read_csv, side by side.
#
#   Scripts/bench_csv.sh [--rows N] [--runs N] [--workdir DIR] [--build-dir DIR] [--venv DIR] [--keep]
#
# Environment twins (flags win): ROWS (default 10000000), RUNS (default 3), WORKDIR, KEEP=1,
# BUILD_DIR (default .build), VENV (default $BUILD_DIR/bench-venv, shared with bench.sh).
#
# Steps: build patron (release, static stdlib); generate an orders CSV of ROWS rows
# (Scripts/bench_csv.py: order_id, customer_id, email, placed_at, total, currency, status; some
# quoted fields); then RUNS times, alternating, `patron import scan` (the reader alone, one core:
# every record split into fields, nothing converted) and DuckDB's read_csv into a table (2
# threads); once `patron import orders --dry-run` (reader + values + events, no store); once the
# full `patron import orders` into a fresh store, and the same on the first tenth of the file to
# show that memory stays flat; the whole import again into the store holding it (every row a
# replay: nothing may change); and an import killed with SIGKILL half-way, then run again, which
# must leave the store the clean import left (counts and sums of every ingest table). Exits 0 when targets are missed; non-zero only when a step fails.
set -euo pipefail
export LC_ALL=C

TARGET_PARSE_MBS=200      # patron reader, MB/s on one core, at least
TARGET_IMPORT_RPS=250000  # full import, rows/s, at least
TARGET_VS_DUCKDB=10       # full import time / duckdb load time, at most
TARGET_REPLAY_RPS=500000  # the same import again into the store holding it, rows/s, at least
TARGET_IMPORT_RSS_MB=600  # full import peak RSS, at most

ROWS=${ROWS:-10000000}
RUNS=${RUNS:-3}
VENV=${VENV:-}

. "$(dirname "${BASH_SOURCE[0]}")/bench/lib.sh"
parse_options "keep" "rows runs workdir build-dir venv" "$@"
[[ $ROWS =~ ^[0-9]+$ ]] && [ "$ROWS" -ge 10 ] || die "ROWS must be an integer >= 10"
[[ $RUNS =~ ^[0-9]+$ ]] && [ "$RUNS" -gt 0 ] || die "RUNS must be a positive integer"

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)
VENV=${VENV:-$BUILD_DIR/bench-venv}
case $VENV in /*) ;; *) VENV=$REPO/$VENV ;; esac
if [ -z "$WORKDIR" ]; then WORKDIR=$(mktemp -d); else mkdir -p "$WORKDIR"; fi
WORKDIR=$(cd "$WORKDIR" && pwd)
[ "$KEEP" = 1 ] || trap 'rm -rf "$WORKDIR"' EXIT

section() { printf '\n== %s\n' "$*"; }
now() { echo "${EPOCHREALTIME:-$(date +%s.%N)}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
kv() { sed -n "s/.*\b$2=\([^ ]*\).*/\1/p" "$1" | tail -n 1; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.4f", v[(NR + 1) / 2]; else printf "%.4f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rss_mb() { awk '/Maximum resident set size/ { printf "%.1f", $NF / 1024 }' "$1"; }
verdict() { if [ "$1" = 1 ]; then echo "target met"; else echo "target missed"; fi; }

section "Tools"
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"
if ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
    echo "bench_csv: creating venv $VENV with duckdb"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check duckdb
fi
PY=$VENV/bin/python
echo "duckdb:  $("$PY" -c 'import duckdb; print(duckdb.__version__)')"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "patron:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (+ uncommitted changes)')"

section "Build (release)"
build=(swift build -c release --product patron --static-swift-stdlib)
[ "$BUILD_DIR" = .build ] || build+=(--scratch-path "$BUILD_DIR")
"${build[@]}" 2>&1 | tail -n 1
PATRON=$("${build[@]}" --show-bin-path 2>/dev/null | tail -n 1)/patron

section "Data"
CSV=$WORKDIR/orders.csv
"$PY" Scripts/bench_csv.py generate --rows "$ROWS" --out "$CSV" >/dev/null
TENTH=$WORKDIR/orders-tenth.csv
head -n $((ROWS / 10 + 1)) "$CSV" >"$TENTH"
BYTES=$(stat -c %s "$CSV")
echo "orders.csv: $ROWS rows, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f MB", b / 1e6 }')"

section "Reader alone vs DuckDB read_csv, $RUNS runs each, alternating"
scan_mbs=() duck_s=() scan_rss=()
for ((i = 1; i <= RUNS; i++)); do
    /usr/bin/time -v -o "$WORKDIR/scan.time" "$PATRON" import scan "$CSV" >"$WORKDIR/scan.out"
    scan_mbs+=("$(kv "$WORKDIR/scan.out" mb_per_s)")
    scan_rss+=("$(rss_mb "$WORKDIR/scan.time")")
    "$PY" Scripts/bench_csv.py load --csv "$CSV" >"$WORKDIR/duck.out"
    duck_s+=("$(kv "$WORKDIR/duck.out" seconds)")
    printf '  run %d: patron reader %s MB/s (%s s, peak RSS %s MB); duckdb read_csv %s s\n' "$i" "${scan_mbs[-1]}" \
        "$(kv "$WORKDIR/scan.out" seconds)" "${scan_rss[-1]}" "${duck_s[-1]}"
done
SCAN=$(median "${scan_mbs[@]}")
DUCK=$(median "${duck_s[@]}")

section "patron import orders --dry-run (reader + values + events, no store)"
t0=$(now)
/usr/bin/time -v -o "$WORKDIR/dry.time" "$PATRON" import orders "$CSV" --currency EUR --dry-run \
    --db "$WORKDIR/none.sqlite" 2>"$WORKDIR/dry.err"
DRY_S=$(elapsed "$t0" "$(now)")
cat "$WORKDIR/dry.err"
DRY_RPS=$(awk -v r="$ROWS" -v s="$DRY_S" 'BEGIN { printf "%d", r / s }')

section "Full import: the first tenth, then the whole file, each into a fresh store"
t0=$(now)
/usr/bin/time -v -o "$WORKDIR/tenth.time" "$PATRON" import orders "$TENTH" --currency EUR \
    --db "$WORKDIR/tenth.sqlite" 2>"$WORKDIR/tenth.err"
TENTH_S=$(elapsed "$t0" "$(now)")
tail -n 2 "$WORKDIR/tenth.err"
t0=$(now)
/usr/bin/time -v -o "$WORKDIR/full.time" "$PATRON" import orders "$CSV" --currency EUR \
    --db "$WORKDIR/full.sqlite" 2>"$WORKDIR/full.err"
FULL_S=$(elapsed "$t0" "$(now)")
tail -n 2 "$WORKDIR/full.err"
FULL_RPS=$(awk -v r="$ROWS" -v s="$FULL_S" 'BEGIN { printf "%d", r / s }')

section "The same import again into the store holding it (every row a replay)"
CLEAN=$(store_fingerprint "$WORKDIR/full.sqlite")
t0=$(now)
"$PATRON" import orders "$CSV" --currency EUR --db "$WORKDIR/full.sqlite" 2>"$WORKDIR/replay.err"
REPLAY_S=$(elapsed "$t0" "$(now)")
tail -n 1 "$WORKDIR/replay.err"
REPLAY_RPS=$(awk -v r="$ROWS" -v s="$REPLAY_S" 'BEGIN { printf "%d", r / s }')
if [ "$(store_fingerprint "$WORKDIR/full.sqlite")" = "$CLEAN" ]; then REPLAY_SAME=1; else REPLAY_SAME=0; fi

section "kill -9 half-way, then the same command again"
"$PATRON" import orders "$CSV" --currency EUR --db "$WORKDIR/killed.sqlite" 2>/dev/null &
victim=$!
sleep "$(awk -v s="$FULL_S" 'BEGIN { printf "%.1f", s / 2 }')"
kill -9 "$victim" 2>/dev/null || true
wait "$victim" 2>/dev/null || true
echo "killed after $(awk -v s="$FULL_S" 'BEGIN { printf "%.1f", s / 2 }') s: $(sqlite3 "$WORKDIR/killed.sqlite" 'SELECT count(*) FROM orders') orders kept"
"$PATRON" import orders "$CSV" --currency EUR --db "$WORKDIR/killed.sqlite" 2>"$WORKDIR/rerun.err"
tail -n 1 "$WORKDIR/rerun.err"
if [ "$(store_fingerprint "$WORKDIR/killed.sqlite")" = "$CLEAN" ] \
    && [ "$(sqlite3 "$WORKDIR/killed.sqlite" 'PRAGMA integrity_check')" = ok ]; then KILL_SAME=1; else KILL_SAME=0; fi

section "Summary ($ROWS rows, $(awk -v b="$BYTES" 'BEGIN { printf "%.0f MB", b / 1e6 }'); medians of $RUNS)"
parse_ok=$(awk -v a="$SCAN" -v t="$TARGET_PARSE_MBS" 'BEGIN { print (a >= t) ? 1 : 0 }')
rps_ok=$(awk -v a="$FULL_RPS" -v t="$TARGET_IMPORT_RPS" 'BEGIN { print (a >= t) ? 1 : 0 }')
VS=$(awk -v a="$FULL_S" -v b="$DUCK" 'BEGIN { printf "%.1f", a / b }')
vs_ok=$(awk -v a="$VS" -v t="$TARGET_VS_DUCKDB" 'BEGIN { print (a <= t) ? 1 : 0 }')
printf '  %-46s %14s   %s\n' "patron reader alone (1 core)" "$SCAN MB/s" \
    "target >= $TARGET_PARSE_MBS MB/s: $(verdict "$parse_ok")"
printf '  %-46s %14s   %s\n' "duckdb read_csv into a table (2 threads)" "$DUCK s" \
    "$(awk -v b="$BYTES" -v s="$DUCK" 'BEGIN { printf "%.0f MB/s", b / 1e6 / s }')"
printf '  %-46s %14s   %s\n' "patron import --dry-run (values, events)" "$DRY_S s" "$DRY_RPS rows/s"
printf '  %-46s %14s   %s\n' "patron full import, whole process" "$FULL_S s" \
    "$FULL_RPS rows/s, target >= $TARGET_IMPORT_RPS: $(verdict "$rps_ok")"
printf '  %-46s %14s   %s\n' "full import / duckdb load" "${VS}x" "target <= ${TARGET_VS_DUCKDB}x: $(verdict "$vs_ok")"
printf '  %-46s %14s\n' "peak RSS: reader alone" "$(printf '%s\n' "${scan_rss[@]}" | sort -g | tail -n 1) MB" \
    "peak RSS: dry run" "$(rss_mb "$WORKDIR/dry.time") MB" \
    "peak RSS: import of a tenth ($((ROWS / 10)) rows)" "$(rss_mb "$WORKDIR/tenth.time") MB" \
    "peak RSS: import of the whole file" "$(rss_mb "$WORKDIR/full.time") MB" \
    "import of a tenth, whole process" "$TENTH_S s"
rss_ok=$(awk -v a="$(rss_mb "$WORKDIR/full.time")" -v t="$TARGET_IMPORT_RSS_MB" 'BEGIN { print (a <= t) ? 1 : 0 }')
replay_ok=$(awk -v a="$REPLAY_RPS" -v t="$TARGET_REPLAY_RPS" 'BEGIN { print (a >= t) ? 1 : 0 }')
printf '  %-46s %14s   %s\n' "peak RSS of the whole import" "$(rss_mb "$WORKDIR/full.time") MB" \
    "target <= $TARGET_IMPORT_RSS_MB MB: $(verdict "$rss_ok")"
printf '  %-46s %14s   %s\n' "the import again (all replays)" "$REPLAY_S s" \
    "$REPLAY_RPS rows/s, target >= $TARGET_REPLAY_RPS: $(verdict "$replay_ok"); store unchanged: $([ "$REPLAY_SAME" = 1 ] && echo yes || echo NO)"
printf '  %-46s %14s\n' "killed half-way, run again: equals clean" "$([ "$KILL_SAME" = 1 ] && echo yes || echo NO)"
[ "$REPLAY_SAME" = 1 ] && [ "$KILL_SAME" = 1 ] || die "a replay or a killed import changed the answers"
