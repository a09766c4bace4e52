# What the benchmark scripts share; sourced by them (`. Scripts/bench/lib.sh` after `cd` to the
# package root). A script's header comment (from line 2 to `set -euo`) is its --help.

BENCH=$(basename "$0" .sh)

# The settings every benchmark has, with their defaults (the environment or an option sets them):
# the run's length and wrk threads, the work folder (new when empty), whether to keep it, and
# where release builds go.
: "${DURATION:=10}" "${THREADS:=1}" "${WORKDIR:=}" "${KEEP:=0}" "${BUILD_DIR:=.build}"

die() { echo "$BENCH: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

# parse_options "FLAGS" "VALUED" "$@": `--name VALUE` or `--name=VALUE` for each name in VALUED
# sets the variable NAME (upper case, `-` as `_`); each `--name` in FLAGS sets NAME=1; -h/--help
# prints the header. Anything else is an error naming it.
parse_options() {
    local flags=" $1 " valued=" $2 " arg name var
    shift 2
    while [ $# -gt 0 ]; do
        arg=$1
        case $arg in
            --*=*) set -- "${arg%%=*}" "${arg#*=}" "${@:2}"; continue ;;
            -h|--help) usage; exit 0 ;;
        esac
        name=${arg#--}
        var=$(printf '%s' "$name" | tr 'a-z-' 'A-Z_')
        if [[ $arg == --* && $flags == *" $name "* ]]; then
            printf -v "$var" 1
            shift
        elif [[ $arg == --* && $valued == *" $name "* ]]; then
            [ $# -ge 2 ] || die "$arg needs a value"
            printf -v "$var" '%s' "$2"
            shift 2
        else
            die "unknown option '$arg' (see --help)"
        fi
    done
}

# Installs wrk (Debian) when it is missing.
need_wrk() {
    command -v wrk >/dev/null && return
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
}

# release_build PRODUCT…: release builds with the static Swift standard library into BUILD_DIR;
# sets `bin` to their folder.
release_build() {
    local product
    for product in "$@"; do
        swift build -c release --build-path "$BUILD_DIR" --static-swift-stdlib --product "$product" >/dev/null
    done
    bin=$(swift build -c release --build-path "$BUILD_DIR" --show-bin-path)
}

# start_api LOG [VAR=VALUE…]: starts `$bin/patron-api` on a free loopback port with the settings
# given (and rate limits off, warnings only), waits until it listens; sets `server` (its pid)
# and `url`.
start_api() {
    local log=$1
    shift
    env PATRON_PORT=0 PATRON_RATE_LIMIT=0 PATRON_LOG_LEVEL=warning "$@" "$bin/patron-api" 2>"$log" &
    server=$!
    for _ in $(seq 1 100); do grep -q "listening on" "$log" 2>/dev/null && break; sleep 0.1; done
    url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$log" | head -1)
    [ -n "$url" ] || { cat "$log" >&2; die "patron-api did not start"; }
}

# Stops the server start_api started.
stop_api() { kill -TERM "$server"; wait "$server" || true; server=""; }

# wrk's figures: requests per second, and the p50_ms / p99_ms lines a script's done() prints.
rps() { sed -n 's/^Requests\/sec: *//p' "$1"; }
field() { sed -n "s/^$1 *//p" "$2" | head -1; }

# need_duckdb: a venv with the duckdb module at $VENV (default $BUILD_DIR/bench-venv), created
# when missing; DuckDB is the peer the benchmarks compare with.
need_duckdb() {
    VENV=${VENV:-$BUILD_DIR/bench-venv}
    if ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
        echo "$BENCH: creating venv $VENV with duckdb"
        rm -rf "$VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check duckdb
    fi
}

# bench_workdir NAME: WORKDIR (a new folder in $TMPDIR or /tmp, ending -patron-bench-NAME, unless given), and a trap that stops
# the server start_api started and removes WORKDIR (unless KEEP=1) when the script exits.
bench_workdir() {
    [ -n "$WORKDIR" ] || WORKDIR=$(mktemp -d --tmpdir --suffix "-patron-bench-$1")
    mkdir -p "$WORKDIR"
    server=""
    trap bench_cleanup EXIT
}
bench_cleanup() {
    [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    [ "$KEEP" = 1 ] || rm -rf "$WORKDIR"
}

# store_fingerprint FILE: counts and sums over what an ingest writes to a SQLite store, its
# indexes and whether it owes any: equal for equal stores (a long load defers the read-only
# indexes and builds them at its end).
store_fingerprint() {
    sqlite3 "$1" "SELECT count(*), sum(total_minor), sum(customer_id), sum(placed_at) FROM orders;
        SELECT count(*), sum(quantity * unit_price_minor) FROM order_lines;
        SELECT count(*), sum(order_count), sum(revenue_minor), sum(coalesce(last_order_at, 0)) FROM customers;
        SELECT count(*) FROM customer_refs; SELECT count(*) FROM applied_events;
        SELECT count(*) FROM carts; SELECT count(*) FROM tickets; SELECT count(*) FROM consent_events;
        SELECT count(*), sum(length(name)) FROM products;
        SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY name);
        SELECT count(*) FROM meta WHERE key = 'deferred_indexes';" | tr '\n' ' '
}
