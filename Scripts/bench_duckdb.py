#!/usr/bin/env python3
"""DuckDB side of Scripts/bench.sh: the same RFM as `patron rfm --method ntile`, by hand in SQL.

Subcommands (each prints `key=value` lines on stdout for bench.sh to read):

  load     --duckdb FILE --csv FILE       load the exported orders into a table (once)
  load-segments --duckdb FILE --customers-csv FILE --lines-csv FILE
                                          load the exported customers and order lines (once)
  segment  --duckdb FILE --as-of DAY --query rules|export|bought [--out FILE]
                                          one timed query equivalent to a `patron segment` command
  count-rows FILE...                      data rows of CSV files (header excluded)
  rfm      --duckdb FILE --as-of DAY --out FILE
                                          one timed RFM query, written to a CSV with COPY
  compare  --patron FILE --duckdb-csv FILE
                                          row counts and per-segment counts of both CSVs
  median   VALUE...                       the median of some numbers

Run it with a Python that has `duckdb` installed (bench.sh makes a venv for that).
"""

import argparse
import datetime
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
            columns = {{'id': 'BIGINT', 'customer_id': 'BIGINT', 'placed_at': 'BIGINT', 'net_minor': 'BIGINT', 'status': 'VARCHAR'}})
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


def load_table(con, table, path, columns):
    """Loads one exported CSV into `table`; (seconds, rows)."""
    spec = ", ".join(f"{sql_string(name)}: {sql_string(kind)}" for name, kind in columns)
    start = time.perf_counter()
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(
        f"""
        CREATE TABLE {table} AS
        SELECT * FROM read_csv({sql_string(path)}, header = true, delim = ',', quote = '"',
            columns = {{{spec}}})
        """
    )
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - start
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return seconds, rows


def cmd_load_segments(args):
    con = connect(args.duckdb)
    seconds, rows = load_table(con, "customers", args.customers_csv, [
        ("id", "BIGINT"), ("primary_ref", "VARCHAR"), ("email", "VARCHAR"), ("country", "VARCHAR"),
        ("order_count", "BIGINT"), ("revenue_minor", "BIGINT"), ("last_order_at", "BIGINT"),
        ("consent_email", "VARCHAR"),
    ])
    print(f"customers_load_seconds={seconds:.3f}")
    print(f"customers_load_rows={rows}")
    seconds, rows = load_table(con, "order_lines", args.lines_csv, [("order_id", "BIGINT"), ("sku", "VARCHAR")])
    print(f"lines_load_seconds={seconds:.3f}")
    print(f"lines_load_rows={rows}")
    con.close()


def as_of_end(day):
    """Unix time of the last second of `day` (YYYY-MM-DD, UTC): patron's "now" for `--as-of DAY`."""
    days = (datetime.date.fromisoformat(day) - datetime.date(1970, 1, 1)).days
    return (days + 1) * 86400 - 1


def segment_query(name, now, out):
    """The SQL for one segment benchmark; `now` is an integer (the end of the as-of day)."""
    if name == "rules":
        # orders.count >= 2 and orders.last_at < 90 days ago and consent.email = "granted"
        return f"""
SELECT count(*) FROM customers
WHERE order_count >= 2 AND last_order_at < {now - 90 * 86400} AND consent_email = 'granted'
"""
    if name == "export":
        # 'orders.count >= 0' --fields email,country,orders.count,orders.total,orders.last_at, as CSV
        # in patron's formats: customer_id = primary ref (else patron:ID), amounts as decimals,
        # instants as RFC 3339 UTC.
        query = """
SELECT coalesce(primary_ref, 'patron:' || id) AS customer_id,
       email, country,
       order_count AS "orders.count",
       revenue_minor::DECIMAL(18, 0) * 0.01 AS "orders.total",
       strftime(epoch_ms(last_order_at * 1000), '%Y-%m-%dT%H:%M:%SZ') AS "orders.last_at"
FROM customers
WHERE order_count >= 0
ORDER BY id
"""
        return f"COPY ({query}) TO {sql_string(out)} (FORMAT csv, HEADER true)"
    if name == "bought":
        # bought(sku: "MUG-003", within: 30 days)
        return f"""
SELECT count(DISTINCT o.customer_id)
FROM order_lines l JOIN orders o ON o.id = l.order_id
WHERE l.sku = 'MUG-003' AND o.status != 'cancelled'
  AND o.placed_at <= {now} AND o.placed_at >= {now - 30 * 86400}
"""
    raise SystemExit(f"unknown segment query {name!r}")


def cmd_segment(args):
    con = connect(args.duckdb, read_only=True)
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    if args.query == "export" and not args.out:
        raise SystemExit("--query export needs --out")
    sql = segment_query(args.query, as_of_end(args.as_of), args.out)
    cpu0 = time.process_time()
    start = time.perf_counter()
    result = con.execute(sql).fetchall()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    con.close()
    print(f"seconds={seconds:.4f}")
    print(f"cpu_seconds={cpu:.4f}")
    print(f"threads={threads}")
    if args.query != "export":
        print(f"count={result[0][0]}")


def cmd_count_rows(args):
    con = connect(":memory:")
    for path in args.files:
        rows = con.execute(
            f"SELECT count(*) FROM read_csv({sql_string(path)}, header = true, all_varchar = true)"
        ).fetchone()[0]
        print(f"rows={rows}")


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
    p = sub.add_parser("load-segments")
    p.add_argument("--duckdb", required=True)
    p.add_argument("--customers-csv", required=True)
    p.add_argument("--lines-csv", required=True)
    p.set_defaults(run=cmd_load_segments)
    p = sub.add_parser("segment")
    p.add_argument("--duckdb", required=True)
    p.add_argument("--as-of", required=True)
    p.add_argument("--query", required=True, choices=["rules", "export", "bought"])
    p.add_argument("--out")
    p.set_defaults(run=cmd_segment)
    p = sub.add_parser("count-rows")
    p.add_argument("files", nargs="+")
    p.set_defaults(run=cmd_count_rows)
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
