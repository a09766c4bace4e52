#!/usr/bin/env python3
"""The DuckDB side of Scripts/bench_csv.sh, and the orders CSV both sides read.

  bench_csv.py generate --rows N --seed S --out FILE
      An orders export (order_id,customer_id,email,placed_at,total,currency,status) of N rows:
      about 50 bytes a row, some quoted fields, a few cancelled orders.
  bench_csv.py load --csv FILE
      DuckDB's read_csv of the file into a table (in memory), timed around the statement;
      prints seconds= and rows=.
"""
import argparse
import random
import sys
import time


def generate(args):
    rng = random.Random(args.seed)
    customers = max(1, args.rows // 8)
    with open(args.out, "w", newline="") as f:
        f.write("order_id,customer_id,email,placed_at,total,currency,status\n")
        for i in range(args.rows):
            c = rng.randrange(customers)
            day = 1 + rng.randrange(28)
            month = 1 + rng.randrange(12)
            minute = rng.randrange(1440)
            total = rng.randrange(100, 50000)
            email = f"c{c}@ex.com" if c % 10 else f"\"o'brien, {c}\"@ex.com"
            status = "cancelled" if rng.random() < 0.02 else "paid"
            f.write(f"{100000000 + i},C{c:08d},{email if c % 10 else chr(34) + email.replace(chr(34), chr(34) * 2) + chr(34)},"
                    f"2025-{month:02d}-{day:02d}T{minute // 60:02d}:{minute % 60:02d}:00Z,{total // 100}.{total % 100:02d},EUR,{status}\n")
    print(f"rows={args.rows}")


def load(args):
    import duckdb
    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(f"CREATE TABLE orders AS SELECT * FROM read_csv('{args.csv}', header = true)")
    seconds = time.perf_counter() - start
    rows = con.execute("SELECT count(*) FROM orders").fetchone()[0]
    print(f"seconds={seconds:.6f}")
    print(f"rows={rows}")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--rows", type=int, required=True)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--out", required=True)
    l = sub.add_parser("load")
    l.add_argument("--csv", required=True)
    args = parser.parse_args()
    {"generate": generate, "load": load}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
