#!/usr/bin/env bash
# Benchmark: Web Push message building (RFC 8291 encryption + RFC 8292 VAPID) on one core.
#
#   Scripts/bench_push.sh [--messages N] [--build-dir DIR]
#
# Environment twins (flags win): MESSAGES (default 20000), BUILD_DIR (default .build).
#
# Both sides build N messages for one subscription, each with a fresh ECDH key and salt
# (aes128gcm, one record) and its own ES256 VAPID token, with no network: `patron push-bench`
# (release build, static Swift standard library) and the same work in Python with http_ece and
# py_vapid (pywebpush's libraries) in a throwaway venv. Target: patron >= 2,000 messages/s.
# Prints both rates and patron's ratio to Python. Exits 0 when the target is missed.
set -euo pipefail
export LC_ALL=C

MESSAGES=${MESSAGES:-20000}
BUILD_DIR=${BUILD_DIR:-.build}
TARGET=2000

while [ $# -gt 0 ]; do
    case $1 in
        --messages) MESSAGES=$2; shift 2 ;;
        --build-dir) BUILD_DIR=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench_push: unknown option '$1'" >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/.."
swift build -c release --build-path "$BUILD_DIR" --static-swift-stdlib --product patron >/dev/null
bin=$(swift build -c release --build-path "$BUILD_DIR" --show-bin-path)
venv="$BUILD_DIR/bench-push-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q http_ece py_vapid
fi

patron_line=$(taskset -c 0 "$bin/patron" push-bench --messages "$MESSAGES")
python_line=$(taskset -c 0 "$venv/bin/python" Scripts/bench_push.py "$MESSAGES")
echo "$patron_line"
echo "$python_line"
patron_rate=$(sed -n 's/.*: \([0-9]*\) messages\/s/\1/p' <<<"$patron_line")
python_rate=$(sed -n 's/.*: \([0-9]*\) messages\/s/\1/p' <<<"$python_line")
awk -v p="$patron_rate" -v q="$python_rate" -v t="$TARGET" 'BEGIN {
    printf "ratio patron/python: %.2f; target >= %d messages/s: %s\n", p / q, t, (p >= t ? "met" : "missed")
}'
