#!/usr/bin/env bash
# Benchmark: patron predict against lifetimes (PyPI, in a throwaway venv), side by side.
#
#   Scripts/bench_predict.sh [--customers N] [--runs N] [--seed N] [--workdir DIR]
#                            [--build-dir DIR] [--venv DIR] [--keep]
#
# Every flag has an environment twin (flags win): CUSTOMERS (simulated summary size, default
# 1000000), RUNS (timed runs per side, alternating, default 3), SEED (default 1), WORKDIR,
# KEEP=1, BUILD_DIR (default .build), VENV (default $BUILD_DIR/bench-venv-lifetimes).
#
# Data: CDNOW_master (../shared/data/cdnow) imported into a fresh store and summarised by
# `patron predict summary --calibration-end 1997-09-30` (23,570 customers); and a summary of
# CUSTOMERS customers drawn from the BG/NBD and Gamma-Gamma processes with known parameters
# (Scripts/bench_lifetimes.py simulate). Both sides fit the same CSV files.
#
# Timed: the BG/NBD fit and the Gamma-Gamma fit on each summary, and the per-customer predictions
# (P(alive), expected purchases in 52 weeks, 12-month CLV at 1%/month) on the large one. The
# compared figure is the step itself on both sides: patron's own timing of the step (its
# `PATRON_LOG_LEVEL=info` log) against lifetimes timed inside Python around the same call. The
# whole patron process (reading the CSV, both fits, writing every row) is printed too.
# Sanity: the parameters of both sides, and the largest difference between their predictions.
#
# Exits 0 when targets are missed (a benchmark, not a test); non-zero only when a step fails.
set -euo pipefail
export LC_ALL=C

TARGET_SPEEDUP=10   # lifetimes step time / patron step time, at least

CUSTOMERS=${CUSTOMERS:-1000000}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
VENV=${VENV:-}

. "$(dirname "${BASH_SOURCE[0]}")/bench/lib.sh"
parse_options "keep" "customers runs seed workdir build-dir venv" "$@"
[[ $CUSTOMERS =~ ^[0-9]+$ ]] && [ "$CUSTOMERS" -gt 0 ] || die "CUSTOMERS must be a positive integer"
[[ $RUNS =~ ^[0-9]+$ ]] && [ "$RUNS" -gt 0 ] || die "RUNS must be a positive integer"
[[ $SEED =~ ^[0-9]+$ ]] || die "SEED must be a non-negative integer"

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)
SCRIPTS=$REPO/Scripts
CDNOW=$REPO/../shared/data/cdnow/CDNOW_master.txt
[ -f "$CDNOW" ] || die "missing $CDNOW (../shared beside the repo)"
VENV=${VENV:-$BUILD_DIR/bench-venv-lifetimes}
case $VENV in /*) ;; *) VENV=$REPO/$VENV ;; esac
if [ -z "$WORKDIR" ]; then WORKDIR=$(mktemp -d); else mkdir -p "$WORKDIR"; fi
WORKDIR=$(cd "$WORKDIR" && pwd)
[ "$KEEP" = 1 ] || trap 'rm -rf "$WORKDIR"' EXIT

section() { printf '\n== %s\n' "$*"; }
now() { echo "${EPOCHREALTIME:-$(date +%s.%N)}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
kv() { sed -n "s/^$2=//p" "$1" | tail -n 1; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.4f", v[(NR + 1) / 2]; else printf "%.4f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }
# step_seconds FILE STEP [MODEL]: patron's logged seconds for a step.
step_seconds() {
    local line
    if [ $# -ge 3 ]; then
        line=$(grep " model=$3 " "$1" | grep " $2\$" | tail -n 1)
    else
        line=$(grep " $2\$" "$1" | tail -n 1)
    fi
    sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$line"
}

section "Tools"
command -v python3 >/dev/null || die "python3 is needed"
if ! "$VENV/bin/python" -c 'import lifetimes' 2>/dev/null; then
    echo "bench_predict: creating venv $VENV with lifetimes"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check lifetimes
fi
PY=$VENV/bin/python
echo "lifetimes: $("$PY" -c 'import lifetimes; print(lifetimes.__version__)') (numpy $("$PY" -c 'import numpy; print(numpy.__version__)'), scipy $("$PY" -c 'import scipy; print(scipy.__version__)'))"
echo "machine:   $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "patron:    $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (+ uncommitted changes)')"

section "Build (release)"
build=(swift build -c release --product patron --static-swift-stdlib)
[ "$BUILD_DIR" = .build ] || build+=(--scratch-path "$BUILD_DIR")
"${build[@]}" 2>&1 | tail -n 1
PATRON=$("${build[@]}" --show-bin-path 2>/dev/null | tail -n 1)/patron

section "Data"
"$PATRON" import cdnow "$CDNOW" --db "$WORKDIR/cdnow.sqlite" 2>&1 | tail -n 1
"$PATRON" predict summary --db "$WORKDIR/cdnow.sqlite" --calibration-end 1997-09-30 -o "$WORKDIR/master.csv"
echo "master.csv: $(($(wc -l <"$WORKDIR/master.csv") - 1)) customers"
"$PY" "$SCRIPTS/bench_lifetimes.py" simulate --customers "$CUSTOMERS" --seed "$SEED" --out "$WORKDIR/big.csv" \
    >"$WORKDIR/simulate.out"
echo "big.csv: $(kv "$WORKDIR/simulate.out" customers) customers ($(kv "$WORKDIR/simulate.out" repeat_customers) repeat), true parameters $(kv "$WORKDIR/simulate.out" true_params)"

declare -A P_STEP P_WHOLE L_STEP P_PARAMS L_PARAMS
# bench_fit NAME DATA MODEL
bench_fit() {
    local name=$1 data=$2 model=$3 i t0 t1
    local -a p_step=() p_whole=() l_step=()
    section "Fit $model on $name, $RUNS runs each, alternating"
    for ((i = 1; i <= RUNS; i++)); do
        t0=$(now)
        PATRON_LOG_LEVEL=info "$PATRON" predict fit --summary "$WORKDIR/$data" --model "$model" --format json \
            >"$WORKDIR/p.json" 2>"$WORKDIR/p.log"
        t1=$(now)
        p_whole+=("$(elapsed "$t0" "$t1")")
        p_step+=("$(step_seconds "$WORKDIR/p.log" fit "$model")")
        "$PY" "$SCRIPTS/bench_lifetimes.py" fit --model "$model" --summary "$WORKDIR/$data" >"$WORKDIR/l.out"
        l_step+=("$(kv "$WORKDIR/l.out" seconds)")
        printf '  run %d: patron fit %s s (whole process %s s), lifetimes fit %s s\n' "$i" "${p_step[-1]}" \
            "${p_whole[-1]}" "${l_step[-1]}"
    done
    P_STEP[$name.$model]=$(median "${p_step[@]}")
    P_WHOLE[$name.$model]=$(median "${p_whole[@]}")
    L_STEP[$name.$model]=$(median "${l_step[@]}")
    P_PARAMS[$name.$model]=$("$PY" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))[0]["parameters"]))' "$WORKDIR/p.json")
    L_PARAMS[$name.$model]=$(kv "$WORKDIR/l.out" params)
}

bench_fit master master.csv bgnbd
bench_fit master master.csv gg
bench_fit big big.csv bgnbd
bench_fit big big.csv gg

section "Predictions for every customer of big.csv, $RUNS runs each, alternating"
p_step=() p_whole=() l_step=()
for ((i = 1; i <= RUNS; i++)); do
    t0=$(now)
    PATRON_LOG_LEVEL=info "$PATRON" predict customers --summary "$WORKDIR/big.csv" -o "$WORKDIR/patron-pred.csv" \
        2>"$WORKDIR/p.log"
    t1=$(now)
    p_whole+=("$(elapsed "$t0" "$t1")")
    p_step+=("$(step_seconds "$WORKDIR/p.log" predictions)")
    "$PY" "$SCRIPTS/bench_lifetimes.py" predict --summary "$WORKDIR/big.csv" --out "$WORKDIR/lifetimes-pred.csv" \
        >"$WORKDIR/l.out"
    l_step+=("$(kv "$WORKDIR/l.out" seconds)")
    printf '  run %d: patron predictions %s s (whole process %s s), lifetimes predictions %s s\n' "$i" \
        "${p_step[-1]}" "${p_whole[-1]}" "${l_step[-1]}"
done
PRED_P=$(median "${p_step[@]}")
PRED_WHOLE=$(median "${p_whole[@]}")
PRED_L=$(median "${l_step[@]}")
"$PY" "$SCRIPTS/bench_lifetimes.py" compare --patron "$WORKDIR/patron-pred.csv" \
    --lifetimes "$WORKDIR/lifetimes-pred.csv" >"$WORKDIR/compare.out"

section "Summary (median of $RUNS; speed-up = lifetimes step / patron step, target >= $TARGET_SPEEDUP)"
line() {
    local speedup verdict
    speedup=$(ratio "$3" "$2")
    verdict=$(awk -v s="$speedup" -v t="$TARGET_SPEEDUP" 'BEGIN { print (s >= t) ? "target met" : "target missed" }')
    printf '  %-34s patron %8s s  lifetimes %8s s  speed-up %6sx  %s;  patron whole process %s s\n' \
        "$1" "$2" "$3" "$speedup" "$verdict" "$4"
}
line "BG/NBD fit, CDNOW master" "${P_STEP[master.bgnbd]}" "${L_STEP[master.bgnbd]}" "${P_WHOLE[master.bgnbd]}"
line "Gamma-Gamma fit, CDNOW master" "${P_STEP[master.gg]}" "${L_STEP[master.gg]}" "${P_WHOLE[master.gg]}"
line "BG/NBD fit, $CUSTOMERS simulated" "${P_STEP[big.bgnbd]}" "${L_STEP[big.bgnbd]}" "${P_WHOLE[big.bgnbd]}"
line "Gamma-Gamma fit, $CUSTOMERS simulated" "${P_STEP[big.gg]}" "${L_STEP[big.gg]}" "${P_WHOLE[big.gg]}"
line "predictions, $CUSTOMERS customers" "$PRED_P" "$PRED_L" "$PRED_WHOLE"
echo "  sanity: parameters (patron | lifetimes)"
for key in master.bgnbd master.gg big.bgnbd big.gg; do
    printf '    %-13s %s | %s\n' "$key" "${P_PARAMS[$key]}" "${L_PARAMS[$key]}"
done
echo "  sanity: predictions, $(kv "$WORKDIR/compare.out" rows) rows, largest relative difference $(kv "$WORKDIR/compare.out" max_rel_diff)"
