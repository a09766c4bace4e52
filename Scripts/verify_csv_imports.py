#!/usr/bin/env python3
"""Independent check of `patron import online-retail` and `shopify-orders`: orders and revenue.

Re-computes, with the Python standard library only (its csv module, Decimal), what the import
must store for a file, then imports the file with the patron binary into a fresh store and
compares the store's orders (sqlite3) with it. Online Retail's rules:

* a line without a customer id is skipped;
* a line of an invoice starting with "C" (cancellation or return) is skipped;
* a line whose unit price has more decimals than pence (e.g. 0.001) is rejected, and so is a
  line with a quantity below 1;
* every other line belongs to its invoice: one order per invoice, total = sum of
  quantity x unit price in pence, placed at the invoice's earliest line time (UTC);
* customer ids such as 13607.0 are the customer 13607.

Shopify's orders export (--shopify FILE): one order per Name (extra line items continue on the
following rows); an order without email and phone is skipped; an order's total is Total minus
Refunded Amount, stored under Shopify's order id (the Id column); line quantities times prices
are kept as the order's lines.

Usage: verify_csv_imports.py --patron PATH/TO/patron [--shopify FILE] RETAIL_FILE [...]
The last line printed is "N passed, M failed"; exit status 1 on any failure.
"""
import argparse
import csv
import os
import sqlite3
import subprocess
import sys
import tempfile
from decimal import Decimal


def expected(path):
    orders = {}
    skipped_no_customer = skipped_c = rejected = 0
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = csv.DictReader(f)
        for row in rows:
            invoice = row.get("InvoiceNo") or row.get("Invoice")
            customer = (row.get("CustomerID") or row.get("Customer ID") or "").strip()
            price_text = (row.get("UnitPrice") or row.get("Price")).strip()
            if not customer:
                skipped_no_customer += 1
                continue
            if invoice.upper().startswith("C"):
                skipped_c += 1
                continue
            price = Decimal(price_text)
            quantity = int(Decimal(row["Quantity"]))
            if price * 100 != int(price * 100) or quantity < 1 or price < 0:
                rejected += 1
                continue
            orders.setdefault(invoice, 0)
            orders[invoice] += quantity * int(price * 100)
    return orders, skipped_no_customer, skipped_c, rejected


def expected_shopify(path):
    orders = {}
    skipped = 0
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    by_name = {}
    for row in rows:
        by_name.setdefault(row["Name"], []).append(row)
    for name, group in by_name.items():
        first = group[0]
        if not first["Email"] and not first["Phone"]:
            skipped += len(group)
            continue
        total = Decimal(first["Total"]) - Decimal(first["Refunded Amount"] or "0")
        orders[first["Id"] or name] = int(total * 100)
    return orders, skipped


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--patron", required=True)
    parser.add_argument("--shopify")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    passed = failed = 0

    def check(name, ok, detail):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok    {name}: {detail}")
        else:
            failed += 1
            print(f"FAIL  {name}: {detail}")

    for path in args.files:
        base = os.path.basename(path)
        orders, no_customer, c_lines, rejected = expected(path)
        with tempfile.TemporaryDirectory() as work:
            db = os.path.join(work, "retail.sqlite")
            run = subprocess.run([args.patron, "import", "online-retail", path, "--db", db],
                                 capture_output=True, text=True)
            check(f"{base}: import exits 0", run.returncode == 0, run.stderr.strip())
            if run.returncode != 0:
                continue
            con = sqlite3.connect(db)
            count, revenue = con.execute("SELECT count(*), coalesce(sum(total_minor), 0) FROM orders").fetchone()
            stored = dict(con.execute("SELECT ref, total_minor FROM orders").fetchall())
            con.close()
            check(f"{base}: order count", count == len(orders), f"patron {count}, python {len(orders)}")
            check(f"{base}: revenue (pence)", revenue == sum(orders.values()),
                  f"patron {revenue}, python {sum(orders.values())}")
            check(f"{base}: every invoice's total", stored == orders,
                  f"{sum(1 for k in orders if stored.get(k) != orders[k])} invoices differ")
            summary = run.stderr
            check(f"{base}: skipped and rejected counts in the summary",
                  f"no customer id: {no_customer}" in summary and f"(C invoice): {c_lines}" in summary
                  and (f"rejected {rejected} " in summary or (rejected == 0 and "rejected 0;" in summary)),
                  f"python: no customer {no_customer}, C lines {c_lines}, rejected {rejected}")
    if args.shopify:
        base = os.path.basename(args.shopify)
        orders, skipped = expected_shopify(args.shopify)
        with tempfile.TemporaryDirectory() as work:
            db = os.path.join(work, "shop.sqlite")
            run = subprocess.run([args.patron, "import", "shopify-orders", args.shopify, "--db", db],
                                 capture_output=True, text=True)
            check(f"{base}: import exits 0", run.returncode == 0, run.stderr.strip())
            if run.returncode == 0:
                con = sqlite3.connect(db)
                stored = dict(con.execute("SELECT ref, total_minor - refunded_minor FROM orders").fetchall())
                con.close()
                check(f"{base}: order count", len(stored) == len(orders), f"patron {len(stored)}, python {len(orders)}")
                check(f"{base}: revenue (paise)", sum(stored.values()) == sum(orders.values()),
                      f"patron {sum(stored.values())}, python {sum(orders.values())}")
                check(f"{base}: every order's total under its Shopify id", stored == orders,
                      f"{sum(1 for k in orders if stored.get(k) != orders[k])} orders differ")
                check(f"{base}: skipped rows in the summary", f"(neither email nor phone): {skipped}" in run.stderr,
                      f"python: {skipped} rows without a customer")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
