#!/usr/bin/env bash
# Benchmark: NDJSON ingest — `patron ingest` of a generated shop's events against DuckDB's
# read_json of the same file into a table, side by side.
#
#   Scripts/bench_ndjson.sh [--customers N] [--runs N] [--batch-size N] [--workdir DIR]
#                           [--build-dir DIR] [--venv DIR] [--keep]
#
# Environment twins (flags win): CUSTOMERS (default 100000: 1M orders, about 1.29M events),
# RUNS (default 3), BATCH_SIZE (default: patron's, one transaction for the file), WORKDIR,
# KEEP=1, BUILD_DIR (default .build), VENV (default $BUILD_DIR/bench-venv, shared with bench.sh).
#
# Steps: build patron (release, static stdlib); `patron generate --ndjson` writes the shop's
# events (customers, consent, orders, carts, refunds, cancellations, tickets, products); then RUNS
# times, alternating, `patron ingest` into a fresh store and DuckDB's read_json into a table (2
# threads, the whole file sampled for its schema); then the ingest again into the store holding
# it (every event a replay: nothing may change). Prints events/s against the target, the ratio to
# DuckDB and the peak RSS. Exits 0 when targets are missed; non-zero only when a step fails.
set -euo pipefail
export LC_ALL=C

TARGET_INGEST_EPS=150000  # patron ingest, events/s, at least

CUSTOMERS=${CUSTOMERS:-100000}
RUNS=${RUNS:-3}
BATCH_SIZE=${BATCH_SIZE:-}
VENV=${VENV:-}

cd "$(dirname "${BASH_SOURCE[0]}")/.."
. Scripts/bench/lib.sh
parse_options "keep" "customers runs batch-size workdir build-dir venv" "$@"
[[ $CUSTOMERS =~ ^[0-9]+$ ]] && [ "$CUSTOMERS" -gt 0 ] || die "CUSTOMERS must be a positive integer"
[[ $RUNS =~ ^[0-9]+$ ]] && [ "$RUNS" -gt 0 ] || die "RUNS must be a positive integer"
[ -z "$BATCH_SIZE" ] || { [[ $BATCH_SIZE =~ ^[0-9]+$ ]] && [ "$BATCH_SIZE" -gt 0 ]; } \
    || die "BATCH_SIZE must be a positive integer"
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"
bench_workdir ndjson

section() { printf '\n== %s\n' "$*"; }
now() { echo "${EPOCHREALTIME:-$(date +%s.%N)}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.4f", v[(NR + 1) / 2]; else printf "%.4f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rss_mb() { awk '/Maximum resident set size/ { printf "%.1f", $NF / 1024 }' "$1"; }
verdict() { if [ "$1" = 1 ]; then echo "target met"; else echo "target missed"; fi; }

section "Tools"
need_duckdb
PY=$VENV/bin/python
echo "duckdb:  $("$PY" -c 'import duckdb; print(duckdb.__version__)')"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "patron:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (+ uncommitted changes)')"

section "Build (release)"
release_build patron
PATRON=$bin/patron

section "Data"
EVENTS=$WORKDIR/events.ndjson
"$PATRON" generate --customers "$CUSTOMERS" --seed 1 --until 2026-06-30 --ndjson "$EVENTS" 2>&1 | tail -n 1
COUNT=$(wc -l <"$EVENTS")
BYTES=$(stat -c %s "$EVENTS")
echo "events.ndjson: $COUNT events, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f MB", b / 1e6 }')"

batch=()
[ -z "$BATCH_SIZE" ] || batch=(--batch-size "$BATCH_SIZE")
section "patron ingest vs DuckDB read_json, $RUNS runs each, alternating"
ingest_s=() duck_s=() rss=()
for ((i = 1; i <= RUNS; i++)); do
    rm -f "$WORKDIR"/store.sqlite*
    t0=$(now)
    /usr/bin/time -v -o "$WORKDIR/ingest.time" "$PATRON" ingest "$EVENTS" --db "$WORKDIR/store.sqlite" \
        ${batch[@]+"${batch[@]}"} 2>"$WORKDIR/ingest.err" || { cat "$WORKDIR/ingest.err" >&2; die "patron ingest failed"; }
    ingest_s+=("$(elapsed "$t0" "$(now)")")
    rss+=("$(rss_mb "$WORKDIR/ingest.time")")
    duck_s+=("$("$PY" - "$EVENTS" <<'EOF'
import sys, time, duckdb
con = duckdb.connect()
con.execute("SET threads = 2")
start = time.time()
con.execute("CREATE TABLE events AS SELECT * FROM read_json(?, format = 'newline_delimited', sample_size = -1)",
            [sys.argv[1]])
seconds = time.time() - start
rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
if rows == 0:
    sys.exit("duckdb read no rows")
print(f"{seconds:.4f}")
EOF
)")
    printf '  run %d: patron ingest %s s (peak RSS %s MB); duckdb read_json %s s\n' "$i" "${ingest_s[-1]}" \
        "${rss[-1]}" "${duck_s[-1]}"
done
tail -n 1 "$WORKDIR/ingest.err"
INGEST=$(median "${ingest_s[@]}")
DUCK=$(median "${duck_s[@]}")

section "The same ingest again into the store holding it (every event a replay)"
CLEAN=$(store_fingerprint "$WORKDIR/store.sqlite")
t0=$(now)
"$PATRON" ingest "$EVENTS" --db "$WORKDIR/store.sqlite" ${batch[@]+"${batch[@]}"} 2>"$WORKDIR/replay.err" \
    || { cat "$WORKDIR/replay.err" >&2; die "the replay failed"; }
REPLAY_S=$(elapsed "$t0" "$(now)")
tail -n 1 "$WORKDIR/replay.err"
if [ "$(store_fingerprint "$WORKDIR/store.sqlite")" = "$CLEAN" ]; then REPLAY_SAME=1; else REPLAY_SAME=0; fi

section "Summary ($COUNT events, $(awk -v b="$BYTES" 'BEGIN { printf "%.0f MB", b / 1e6 }'); medians of $RUNS)"
EPS=$(awk -v n="$COUNT" -v s="$INGEST" 'BEGIN { printf "%d", n / s }')
eps_ok=$(awk -v a="$EPS" -v t="$TARGET_INGEST_EPS" 'BEGIN { print (a >= t) ? 1 : 0 }')
printf '  %-44s %12s   %s\n' "patron ingest, whole process" "$INGEST s" \
    "$EPS events/s, target >= $TARGET_INGEST_EPS: $(verdict "$eps_ok")"
printf '  %-44s %12s\n' "duckdb read_json into a table (2 threads)" "$DUCK s"
printf '  %-44s %12s\n' "patron ingest / duckdb load" "$(awk -v a="$INGEST" -v b="$DUCK" 'BEGIN { printf "%.1fx", a / b }')"
printf '  %-44s %12s\n' "peak RSS of patron ingest" "$(printf '%s\n' "${rss[@]}" | sort -g | tail -n 1) MB"
printf '  %-44s %12s   %s\n' "the ingest again (all replays)" "$REPLAY_S s" \
    "$(awk -v n="$COUNT" -v s="$REPLAY_S" 'BEGIN { printf "%d", n / s }') events/s; store unchanged: $([ "$REPLAY_SAME" = 1 ] && echo yes || echo NO)"
[ "$REPLAY_SAME" = 1 ] || die "a replay changed the store"
