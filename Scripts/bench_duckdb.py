#!/usr/bin/env python3
"""DuckDB side of Scripts/bench.sh: the same RFM as `patron rfm --method ntile`, by hand in SQL.

Subcommands (each prints `key=value` lines on stdout for bench.sh to read):

  load     --duckdb FILE --csv FILE       load the exported orders into a table (once)
  rfm      --duckdb FILE --as-of DAY --out FILE
                                          one timed RFM query, written to a CSV with COPY
  compare  --patron FILE --duckdb-csv FILE
                                          row counts and per-segment counts of both CSVs
  median   VALUE...                       the median of some numbers

Run it with a Python that has `duckdb` installed (bench.sh makes a venv for that).
"""

import argparse
import os
import statistics
import sys
import time

# The standard 5-bin segment map (PatronCore RFMSegmentMap.standard), first match wins.
SEGMENTS = [
    ("Champions", "r = 5 AND f BETWEEN 4 AND 5"),
    ("Potential Loyalists", "r BETWEEN 4 AND 5 AND f BETWEEN 2 AND 3"),
    ("New Customers", "r = 5 AND f = 1"),
    ("Promising", "r = 4 AND f = 1"),
    ("Loyal Customers", "r BETWEEN 3 AND 4 AND f BETWEEN 4 AND 5"),
    ("Need Attention", "r = 3 AND f = 3"),
    ("About To Sleep", "r = 3 AND f BETWEEN 1 AND 2"),
    ("Can't Lose Them", "r BETWEEN 1 AND 2 AND f = 5"),
    ("At Risk", "r BETWEEN 1 AND 2 AND f BETWEEN 3 AND 4"),
]
OTHERWISE = "Hibernating"
SEGMENT_ORDER = [name for name, _ in SEGMENTS] + [OTHERWISE]


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def rfm_query(as_of):
    """The RFM query; `as_of` is an ISO day (YYYY-MM-DD), validated by DuckDB's DATE literal."""
    cases = "\n".join(f"            WHEN {cond} THEN {sql_string(name)}" for name, cond in SEGMENTS)
    return f"""
WITH params AS (
    SELECT (DATE {sql_string(as_of)} - DATE '1970-01-01')::BIGINT AS as_of_day
),
facts AS (
    SELECT o.customer_id,
           any_value(p.as_of_day) - floor(max(o.placed_at) / 86400)::BIGINT AS recency_days,
           count(*) AS frequency,
           sum(o.net_minor) AS monetary
    FROM orders o, params p
    WHERE o.status <> 'cancelled' AND o.placed_at < (p.as_of_day + 1) * 86400
    GROUP BY o.customer_id
),
scored AS (
    SELECT customer_id, recency_days, frequency, monetary,
           ntile(5) OVER (ORDER BY recency_days DESC, customer_id) AS r,
           ntile(5) OVER (ORDER BY frequency, customer_id) AS f,
           ntile(5) OVER (ORDER BY monetary, customer_id) AS m
    FROM facts
)
SELECT customer_id, recency_days, frequency,
       monetary::DECIMAL(18, 0) * 0.01 AS monetary,
       r, f, m,
       CASE
{cases}
            ELSE {sql_string(OTHERWISE)}
       END AS segment
FROM scored
ORDER BY customer_id
"""


def connect(path, read_only=False):
    import duckdb

    return duckdb.connect(path, read_only=read_only)


def cmd_load(args):
    con = connect(args.duckdb)
    start = time.perf_counter()
    con.execute("DROP TABLE IF EXISTS orders")
    con.execute(
        f"""
        CREATE TABLE orders AS
        SELECT * FROM read_csv({sql_string(args.csv)}, header = true, delim = ',', quote = '"',
            columns = {{'customer_id': 'BIGINT', 'placed_at': 'BIGINT', 'net_minor': 'BIGINT', 'status': 'VARCHAR'}})
        """
    )
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - start
    rows = con.execute("SELECT count(*) FROM orders").fetchone()[0]
    con.close()
    print(f"load_seconds={seconds:.3f}")
    print(f"load_rows={rows}")


def cmd_rfm(args):
    import duckdb

    con = connect(args.duckdb, read_only=True)
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    query = rfm_query(args.as_of)
    copy = f"COPY ({query}) TO {sql_string(args.out)} (FORMAT csv, HEADER true)"
    cpu0 = time.process_time()
    start = time.perf_counter()
    con.execute(copy)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    con.close()
    print(f"seconds={seconds:.4f}")
    print(f"cpu_seconds={cpu:.4f}")
    print(f"threads={threads}")
    print(f"duckdb_version={duckdb.__version__}")
    print(f"cores={os.cpu_count()}")


def segment_counts(con, path):
    """(rows, {segment: customers}, sum of frequency, sum of monetary) of an RFM CSV."""
    relation = (
        f"read_csv({sql_string(path)}, header = true, all_varchar = true)"
    )
    rows = con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
    counts = dict(con.execute(f"SELECT segment, count(*) FROM {relation} GROUP BY segment").fetchall())
    freq, money = con.execute(
        f"SELECT sum(frequency::BIGINT), sum(monetary::DECIMAL(38, 2)) FROM {relation}"
    ).fetchone()
    return rows, counts, freq, money


def cmd_compare(args):
    con = connect(":memory:")
    p_rows, p_counts, p_freq, p_money = segment_counts(con, args.patron)
    d_rows, d_counts, d_freq, d_money = segment_counts(con, args.duckdb_csv)
    names = SEGMENT_ORDER + sorted((set(p_counts) | set(d_counts)) - set(SEGMENT_ORDER))
    width = max(len(n) for n in names + ["segment"])
    ok = True
    print(f"    {'segment'.ljust(width)}  {'patron':>10}  {'duckdb':>10}")
    for name in names:
        p, d = p_counts.get(name, 0), d_counts.get(name, 0)
        mark = "" if p == d else "   <-- differs"
        ok = ok and p == d
        print(f"    {name.ljust(width)}  {p:>10}  {d:>10}{mark}")
    print(f"    {'rows'.ljust(width)}  {p_rows:>10}  {d_rows:>10}{'' if p_rows == d_rows else '   <-- differs'}")
    print(f"    {'sum(frequency)'.ljust(width)}  {p_freq:>10}  {d_freq:>10}{'' if p_freq == d_freq else '   <-- differs'}")
    print(f"    {'sum(monetary)'.ljust(width)}  {p_money:>10}  {d_money:>10}{'' if p_money == d_money else '   <-- differs'}")
    rows_ok = p_rows == d_rows
    segments_ok = ok
    totals_ok = p_freq == d_freq and p_money == d_money
    print(f"SANITY rows={'same' if rows_ok else 'DIFFERENT'} segments={'same' if segments_ok else 'DIFFERENT'} "
          f"totals={'same' if totals_ok else 'DIFFERENT'}")


def cmd_median(args):
    print(f"{statistics.median(float(v) for v in args.values):.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("load")
    p.add_argument("--duckdb", required=True)
    p.add_argument("--csv", required=True)
    p.set_defaults(run=cmd_load)
    p = sub.add_parser("rfm")
    p.add_argument("--duckdb", required=True)
    p.add_argument("--as-of", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(run=cmd_rfm)
    p = sub.add_parser("compare")
    p.add_argument("--patron", required=True)
    p.add_argument("--duckdb-csv", required=True)
    p.set_defaults(run=cmd_compare)
    p = sub.add_parser("median")
    p.add_argument("values", nargs="+")
    p.set_defaults(run=cmd_median)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    sys.exit(main())
