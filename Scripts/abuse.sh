#!/usr/bin/env bash
# The API under abuse (issue 23): hostile requests against a live patron-api on loopback, with a
# table of outcomes and the server's memory (Scripts/abuse.py does the requests).
#
#   Scripts/abuse.sh [--debug] [--burst N] [--slow N] [--customers N] [--workdir DIR] [--keep]
#                    [--build-dir DIR]
#
# Starts patron-api (a release build with the static standard library; --debug uses the debug
# build instead, quicker to make) on a generated shop of --customers (default 1,000) with an idle
# timeout of 2 s and a request timeout of 4 s, rate limits off, then sends: oversize and too
# many headers, a 1 MB request line, JSON and NDJSON nested 10,000 deep, a number of 10^400, a
# quantity of 1e308, names of 10^5 and 10^6 characters, invalid UTF-8 (JSON, NDJSON, a query),
# segments of 100 kB and of 10,000 nested parentheses, ?limit=10^12, a garbage cursor, a body
# over the limit, a Content-Length of 10^15, a forged key; then --slow (default 200) connections
# trickling heads and a quarter as many trickling bodies while others ask /health; then a burst
# of --burst (default 10,000) connections at once.
# Expected: each a 4xx or a refusal, never a 5xx or a crash; slow clients cut at their timeout
# while others are served; peak memory at most 512 MB. Exits 1 when a case fails.
set -euo pipefail
export LC_ALL=C
BURST=${BURST:-10000}
SLOW=${SLOW:-200}
CUSTOMERS=${CUSTOMERS:-1000}
DEBUG=${DEBUG:-0}

cd "$(dirname "$0")/.."
. Scripts/bench/lib.sh
parse_options "keep debug" "burst slow customers workdir build-dir" "$@"

if [ "$DEBUG" = 1 ]; then
    swift build --product patron >/dev/null && swift build --product patron-api >/dev/null
    bin=$(swift build --show-bin-path)
else
    release_build patron patron-api
fi
bench_workdir abuse
db=$WORKDIR/shop.sqlite
"$bin/patron" generate --db "$db" --customers "$CUSTOMERS" --seed 7 >/dev/null
key() { "$bin/patron" apikey create --db "$db" "abuse-$1" --scope "$1" | grep -oE '[A-Za-z0-9_]{24,}' | tail -1; }
read_key=$(key read)
write_key=$(key write)
[ -n "$read_key" ] && [ -n "$write_key" ] || die "could not create API keys"
# The server and this script each hold thousands of connections in the burst: both get the
# hard limit of descriptors (the soft one is 1,024 on many machines).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
start_api "$WORKDIR/server.log" PATRON_DB="$db" PATRON_IDLE_TIMEOUT=2 PATRON_REQUEST_TIMEOUT=4 PATRON_TRACK_RATE_LIMIT=0
status=0
python3 Scripts/abuse.py "$url" "$server" "$read_key" "$write_key" 2 4 --burst "$BURST" --slow "$SLOW" || status=$?
if ! kill -0 "$server" 2>/dev/null; then
    echo "abuse: patron-api died; its log:" >&2
    tail -n 30 "$WORKDIR/server.log" >&2
    status=1
fi
exit $status
