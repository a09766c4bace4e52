#!/usr/bin/env bash
# Benchmark: the NPS report over 1,000,000 responses, side by side with DuckDB doing the same
# sums by hand.
#
#   Scripts/bench_feedback.sh [--responses N] [--workdir DIR] [--build-dir DIR] [--venv DIR] [--keep]
#
# Every flag has an environment twin (flags win): RESPONSES (default 1000000), WORKDIR,
# BUILD_DIR (default .build), VENV (a Python venv with duckdb; default $BUILD_DIR/bench-venv, made
# when missing), KEEP=1; PATRON (a patron binary to use instead of building one).
#
# Steps, with a release build of patron:
#   1. `patron generate` of a small shop (10,000 customers), then RESPONSES NPS answers written
#      into its `feedback_responses` by the sqlite3 CLI (scores, months, flows and text spread
#      deterministically over two years);
#   2. `patron feedback nps --by month --format json`, three runs, the median: target <= 1 s;
#   3. the same answers exported to CSV and loaded into DuckDB (not timed), then the same sums by
#      month in one DuckDB query, three runs, the median; the two results must agree row for row.
# Prints both medians and the ratio patron / DuckDB. Exits 0 when the target is missed (a
# benchmark, not a test); non-zero only when a step fails or the results differ.
set -euo pipefail
export LC_ALL=C

RESPONSES=${RESPONSES:-1000000}
VENV=${VENV:-}

. "$(dirname "${BASH_SOURCE[0]}")/bench/lib.sh"
parse_options "keep" "responses workdir build-dir venv" "$@"
[[ $RESPONSES =~ ^[1-9][0-9]*$ ]] || die "--responses must be a whole number above 0"

cd "$(dirname "$0")/.."
command -v sqlite3 >/dev/null || die "needs the sqlite3 CLI (apt-get install sqlite3)"
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
rm -f "$DB"*

echo "feedback bench: $RESPONSES NPS responses, SQLite"
"$PATRON" generate --customers 10000 --orders 20000 --seed 7 --until 2026-06-30 --db "$DB" >/dev/null
# 2025-01-01 .. two years on; score n*7919 mod 11; every other answer from the flow 'nps'.
sqlite3 "$DB" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $RESPONSES)
INSERT INTO feedback_responses(key, customer_id, kind, score, text, sku, order_ref, flow_id, message_id, channel,
                               answered_at, updated_at)
SELECT 'bench:' || i, 1 + i % 10000, 'nps', (i * 7919) % 11, CASE WHEN i % 10 = 0 THEN 'words ' || i END, NULL,
       NULL, CASE WHEN i % 2 = 0 THEN 'nps' END, i, 'link', 1735689600 + (i * 2654435761) % 63072000,
       1735689600 + (i * 2654435761) % 63072000
FROM n;
SQL

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
runs=()
for _ in 1 2 3; do
    start=$(date +%s.%N)
    "$PATRON" feedback nps --by month --format json --db "$DB" >"$WORKDIR/patron.json"
    end=$(date +%s.%N)
    runs+=("$(echo "$end - $start" | bc -l)")
done
patron=$(median "${runs[@]}")

sqlite3 -csv "$DB" "SELECT score, answered_at FROM feedback_responses WHERE kind = 'nps'" >"$WORKDIR/responses.csv"
duck_out=$("$VENV/bin/python" - "$WORKDIR" <<'PY'
import duckdb, json, statistics, sys, time
work = sys.argv[1]
con = duckdb.connect()
con.execute(f"CREATE TABLE r AS SELECT * FROM read_csv('{work}/responses.csv', header=false, columns={{'score': 'INTEGER', 'answered_at': 'BIGINT'}})")
query = """
    SELECT strftime(to_timestamp(answered_at) AT TIME ZONE 'UTC', '%Y-%m') AS month, count(*) AS responses,
           count(*) FILTER (WHERE score >= 9) AS promoters, count(*) FILTER (WHERE score BETWEEN 7 AND 8) AS passives,
           count(*) FILTER (WHERE score <= 6) AS detractors,
           round(100.0 * (count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6)) / count(*))::INTEGER AS nps
    FROM r GROUP BY month ORDER BY month"""
times = []
for _ in range(3):
    start = time.perf_counter()
    rows = con.execute(query).fetchall()
    times.append(time.perf_counter() - start)
patron = json.load(open(f"{work}/patron.json"))
mine = [(g["group"], g["responses"], g["promoters"], g["passives"], g["detractors"], g["nps"]) for g in patron["groups"]]
if mine != [tuple(row) for row in rows]:
    print("DIFFERENT RESULTS", mine[:3], rows[:3], file=sys.stderr)
    sys.exit(3)
print(f"duckdb={statistics.median(times):.3f} months={len(rows)}")
PY
) || die "the DuckDB step failed, or its results differ from patron's"
duck=$(echo "$duck_out" | sed -n 's/^duckdb=\([^ ]*\).*/\1/p')
months=$(echo "$duck_out" | sed -n 's/.*months=\([0-9]*\).*/\1/p')
printf 'patron feedback nps --by month   %.3f s  (median of 3; target <= 1 s)\n' "$patron"
printf 'duckdb, the same sums by month   %.3f s  (median of 3, table in memory)\n' "$duck"
printf 'ratio patron / duckdb            %.1f  (%s months, results equal)\n' "$(echo "$patron / $duck" | bc -l)" "$months"
