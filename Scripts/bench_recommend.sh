#!/usr/bin/env bash
# The recommendation model's rebuild, beside DuckDB counting the same pairs by hand.
#
#   Scripts/bench_recommend.sh [--customers N] [--orders N] [--workdir DIR] [--keep]
#
# Generates a shop (release build), then times `patron recommend --sku` — which learns the whole
# model from every order line — with plain co-occurrence settings (so both sides count the same
# pairs), its peak memory, and DuckDB building every pair count from the same lines in memory.
# Checks that both give the same also-bought list for the best-selling SKU. Target (issue 21):
# 10,000,000 order lines in <= 30 s and <= 1 GB.
set -euo pipefail
export LC_ALL=C

CUSTOMERS=${CUSTOMERS:-100000}
ORDERS=${ORDERS:-1000000}
VENV=${VENV:-}

. "$(dirname "${BASH_SOURCE[0]}")/bench/lib.sh"
parse_options "keep" "customers orders workdir build-dir venv" "$@"
[[ $CUSTOMERS =~ ^[1-9][0-9]*$ ]] || die "--customers must be a whole number above 0"
[[ $ORDERS =~ ^[1-9][0-9]*$ ]] || die "--orders must be a whole number above 0"

cd "$(dirname "$0")/.."
command -v sqlite3 >/dev/null || die "needs the sqlite3 CLI (apt-get install sqlite3)"
[ -x /usr/bin/time ] || die "needs /usr/bin/time (apt-get install time)"
if [ -z "${PATRON:-}" ]; then
    swift build -c release --build-path "$BUILD_DIR" --product patron >/dev/null
    PATRON=$(swift build -c release --build-path "$BUILD_DIR" --show-bin-path)/patron
fi
need_duckdb
if [ -z "$WORKDIR" ]; then
    WORKDIR=$(mktemp -d)
    [ "$KEEP" = 1 ] || trap 'rm -rf "$WORKDIR"' EXIT
fi
mkdir -p "$WORKDIR"
DB=$WORKDIR/shop.sqlite
if [ ! -s "$DB" ]; then
    echo "recommend bench: generating $CUSTOMERS customers, $ORDERS orders"
    "$PATRON" generate --customers "$CUSTOMERS" --orders "$ORDERS" --seed 7 --until 2026-06-30 --db "$DB" >/dev/null
fi
lines=$(sqlite3 "$DB" "SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.status != 'cancelled'")
sku=$(sqlite3 "$DB" "SELECT sku FROM order_lines GROUP BY sku ORDER BY count(*) DESC, sku LIMIT 1")
plain=(--half-life 0 --source-weight 0 --damping=0 --shrinkage 0)

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
runs=()
peaks=()
for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$WORKDIR/time.txt" \
        "$PATRON" recommend --sku "$sku" --n 10 --format json --db "$DB" "${plain[@]}" >"$WORKDIR/patron.json"
    read -r seconds kb <"$WORKDIR/time.txt"
    runs+=("$seconds")
    peaks+=("$kb")
done
patron=$(median "${runs[@]}")
peak=$(median "${peaks[@]}")

sqlite3 -csv "$DB" "SELECT DISTINCT o.customer_id, l.sku FROM orders o JOIN order_lines l ON l.order_id = o.id
    WHERE o.status != 'cancelled'" >"$WORKDIR/pairs.csv"
duck_out=$("$VENV/bin/python" - "$WORKDIR" "$sku" <<'PY'
import duckdb, json, statistics, sys, time
work, sku = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute(f"CREATE TABLE p AS SELECT * FROM read_csv('{work}/pairs.csv', header=false, columns={{'customer': 'BIGINT', 'sku': 'VARCHAR'}})")
times = []
for _ in range(3):
    con.execute("DROP TABLE IF EXISTS pairs")
    start = time.perf_counter()
    con.execute("""CREATE TABLE pairs AS SELECT a.sku AS a, b.sku AS b, count(*) AS together
                   FROM p a JOIN p b ON a.customer = b.customer AND a.sku <> b.sku GROUP BY 1, 2""")
    times.append(time.perf_counter() - start)
rows = con.execute("SELECT b, together FROM pairs WHERE a = ? ORDER BY together DESC, b LIMIT 10", [sku]).fetchall()
count = con.execute("SELECT count(*) FROM pairs").fetchone()[0]
patron = json.load(open(f"{work}/patron.json"))
mine = [(n["sku"], n["together"]) for n in patron]
if mine != [tuple(r) for r in rows]:
    print("DIFFERENT RESULTS", mine, rows, file=sys.stderr)
    sys.exit(3)
print(f"duckdb={statistics.median(times):.3f} pairs={count}")
PY
) || die "the DuckDB step failed, or its results differ from patron's"
duck=$(echo "$duck_out" | sed -n 's/^duckdb=\([^ ]*\).*/\1/p')
pairs=$(echo "$duck_out" | sed -n 's/.*pairs=\([0-9]*\).*/\1/p')
printf 'order lines learnt from                %s (%s distinct SKU pairs)\n' "$lines" "$pairs"
printf 'patron: the whole model, then --sku    %.2f s, peak %d MB  (median of 3; target <= 30 s and <= 1 GB at 10M lines)\n' \
    "$patron" "$((peak / 1024))"
printf 'duckdb: every pair count, in memory    %.2f s  (median of 3, lines already loaded)\n' "$duck"
printf 'ratio patron / duckdb                  %.1f  (also-bought lists for %s equal)\n' "$(echo "$patron / $duck" | bc -l)" "$sku"
