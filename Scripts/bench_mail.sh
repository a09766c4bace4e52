#!/usr/bin/env bash
# Benchmark: support mail into tickets.
#
#   Scripts/bench_mail.sh [--messages N] [--build-dir DIR]
#
# 1. Fetch, parse and store: a local Dovecot (Scripts/mail/start_dovecot.sh) gets N messages
#    (default 5000) built from the fixture corpus with distinct Message-IDs; `patron mail fetch
#    --once` (release build) reads them into a fresh store. Target: >= 200 messages/s.
# 2. Parse alone: `patron mail parse-bench` parses the fixture corpus over and over (200 MB).
#    Target: >= 20 MB/s.
# Exits 0 when targets are missed (a benchmark, not a test); non-zero when a step fails.
set -euo pipefail
export LC_ALL=C
MESSAGES=${MESSAGES:-5000}
BUILD_DIR=${BUILD_DIR:-.build}
while [ $# -gt 0 ]; do
    case $1 in
        --messages) MESSAGES=$2; shift 2 ;;
        --build-dir) BUILD_DIR=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench_mail: unknown option '$1'" >&2; exit 2 ;;
    esac
done
cd "$(dirname "$0")/.."
fixtures=../shared/fixtures/email
[ -d "$fixtures" ] || { echo "bench_mail: needs $fixtures" >&2; exit 2; }
swift build -c release --build-path "$BUILD_DIR" --static-swift-stdlib --product patron >/dev/null
bin=$(swift build -c release --build-path "$BUILD_DIR" --show-bin-path)

work=$(mktemp -d /tmp/patron-bench-mail.XXXXXX)
chmod 755 "$work"
trap 'Scripts/mail/stop_dovecot.sh "$work/dovecot" >/dev/null 2>&1; rm -rf "$work"' EXIT
port=$(Scripts/mail/start_dovecot.sh "$work/dovecot" patron bench-password)
python3 Scripts/bench/make_mail.py "$port" patron bench-password Bench "$MESSAGES" "$fixtures"

start=$(date +%s.%N)
PATRON_IMAP_PASSWORD=bench-password "$bin/patron" mail fetch --once --db "$work/mail.sqlite" \
    --url "imap://127.0.0.1:$port" --user patron --mailbox Bench 2>"$work/fetch.log"
end=$(date +%s.%N)
cat "$work/fetch.log"
stored=$(sqlite3 "$work/mail.sqlite" "SELECT count(*) FROM messages")
tickets=$(sqlite3 "$work/mail.sqlite" "SELECT count(*) FROM tickets")
rate=$(awk -v n="$stored" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }')
seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')

parse=$("$bin/patron" mail parse-bench $(find "$fixtures" -name '*.eml' | sort))
mbps=$(echo "$parse" | sed -n 's/.*: \([0-9.]*\) MB\/s.*/\1/p')

verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? "met" : "MISSED" }'; }
echo
echo "fetch, parse, store: $stored messages ($tickets tickets) in $seconds s = $rate messages/s" \
    "(target >= 200: $(verdict "$rate" 200))"
echo "parse alone: $parse (target >= 20 MB/s: $(verdict "$mbps" 20))"
[ "$stored" = "$MESSAGES" ] || { echo "bench_mail: $stored of $MESSAGES messages stored" >&2; exit 1; }
