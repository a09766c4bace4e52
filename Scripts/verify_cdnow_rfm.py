#!/usr/bin/env python3
"""Independent verification of Patron's RFM scores on the CDNOW data set.

This script re-computes RFM from the raw CDNOW file, using only the Python
standard library and without sharing any code or algorithm with Patron, and
compares the result with the CSV that the `patron` binary writes.

Definitions re-implemented here (as of a day AS_OF, k = 5 bins):

* customer_id  = int of the first column (no leading zeros).
* recency_days = AS_OF - date of the customer's last order, in days.
* frequency    = number of rows (orders) of the customer.
* monetary     = sum of dollar_value, kept in integer cents and printed with
                 exactly 2 decimals ("11.77", "0.00").
* Quantile score (tie-aware): with N customers and L = number of customers
  whose value is strictly worse (larger recency_days; smaller frequency or
  monetary), score = 1 + floor(k * L / N). Computed with a Counter over the
  distinct values and cumulative counts (no sorting of customers, no binary
  search).
* NTILE score: SQL NTILE(5) in an in-memory sqlite3 database, ordered worst
  first with customer_id as the tie-breaker.
* Segment from R and F, first match wins:
    Champions           R5   F4-5
    Potential Loyalists R4-5 F2-3
    New Customers       R5   F1
    Promising           R4   F1
    Loyal Customers     R3-4 F4-5
    Need Attention      R3   F3
    About To Sleep      R3   F1-2
    Can't Lose Them     R1-2 F5
    At Risk             R1-2 F3-4
    Hibernating         otherwise

Usage:
    python3 Scripts/verify_cdnow_rfm.py --patron PATH/TO/patron \
        --cdnow PATH/TO/CDNOW_master.txt [--as-of 1998-07-01]

Exit status: 0 when every check passes, 1 on any mismatch or error. The last
line printed is always "N passed, M failed".
"""

import argparse
import csv
import datetime
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter

K = 5
EXPECTED_HEADER = ["customer_id", "recency_days", "frequency", "monetary",
                   "r", "f", "m", "segment"]
MAX_LISTED = 10


# --------------------------------------------------------------------------
# Check bookkeeping
# --------------------------------------------------------------------------

class Checks:
    """Counts passed and failed checks and prints one line per check."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, ok, message):
        if ok:
            self.passed += 1
            print(f"PASS  {message}")
        else:
            self.failed += 1
            print(f"FAIL  {message}")
        return ok


# --------------------------------------------------------------------------
# Raw file -> per-customer R, F, M
# --------------------------------------------------------------------------

def parse_cents(text):
    """'11.77' -> 1177, exactly, without going through float."""
    negative = text.startswith("-")
    if negative:
        text = text[1:]
    whole, _, frac = text.partition(".")
    if len(frac) > 2 or not (whole or frac):
        raise ValueError(f"bad dollar value {text!r}")
    cents = int(whole or "0") * 100 + int((frac + "00")[:2])
    return -cents if negative else cents


def format_cents(cents):
    """1177 -> '11.77', 0 -> '0.00', -5 -> '-0.05'."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def load_customers(path, as_of):
    """Read the raw CDNOW file and aggregate per customer.

    Returns {customer_id: {"recency": int, "frequency": int, "cents": int}}.
    Orders after as_of are ignored (patron ignores later orders too); with
    the default as_of none exist in CDNOW.
    """
    last = {}
    frequency = Counter()
    cents = Counter()
    rows = 0
    with open(path, "r", encoding="ascii", newline="") as fh:
        header = fh.readline().split()
        if header != ["customer_id", "date", "number_of_cds", "dollar_value"]:
            raise ValueError(f"unexpected CDNOW header {header}")
        for lineno, line in enumerate(fh, start=2):
            fields = line.split()          # also strips the trailing \r\n
            if not fields:
                continue
            if len(fields) != 4:
                raise ValueError(f"line {lineno}: expected 4 fields: {line!r}")
            cid = int(fields[0])
            day = datetime.datetime.strptime(fields[1], "%Y%m%d").date()
            if day > as_of:
                continue
            rows += 1
            frequency[cid] += 1
            cents[cid] += parse_cents(fields[3])
            if cid not in last or day > last[cid]:
                last[cid] = day
    customers = {
        cid: {"recency": (as_of - last[cid]).days,
              "frequency": frequency[cid],
              "cents": cents[cid]}
        for cid in last
    }
    return customers, rows


# --------------------------------------------------------------------------
# Quantile scores (tie-aware), via Counter + cumulative counts
# --------------------------------------------------------------------------

def quantile_scores(values, larger_is_better):
    """Map each distinct value to 1 + floor(K * L / N).

    L = number of customers strictly worse than the value. We count each
    distinct value once, walk the distinct values from worst to best and keep
    a running total of how many customers came before (= strictly worse).
    """
    counts = Counter(values)
    n = len(values)
    # Worst first: ascending when larger is better, descending otherwise.
    order = sorted(counts, reverse=not larger_is_better)
    score_of = {}
    worse = 0
    for value in order:
        score_of[value] = 1 + (K * worse) // n
        worse += counts[value]
    return score_of


def segment(r, f):
    """Standard 5-bin segment map on R and F; first match wins."""
    rules = [
        ("Champions",           {5},       {4, 5}),
        ("Potential Loyalists", {4, 5},    {2, 3}),
        ("New Customers",       {5},       {1}),
        ("Promising",           {4},       {1}),
        ("Loyal Customers",     {3, 4},    {4, 5}),
        ("Need Attention",      {3},       {3}),
        ("About To Sleep",      {3},       {1, 2}),
        ("Can't Lose Them",     {1, 2},    {5}),
        ("At Risk",             {1, 2},    {3, 4}),
    ]
    for name, rs, fs in rules:
        if r in rs and f in fs:
            return name
    return "Hibernating"


def expected_row(cid, c, r, f, m):
    """The 8 CSV fields we expect, as strings."""
    return [str(cid), str(c["recency"]), str(c["frequency"]),
            format_cents(c["cents"]), str(r), str(f), str(m), segment(r, f)]


def expected_quantile(customers):
    ids = list(customers)
    r_of = quantile_scores([customers[i]["recency"] for i in ids], False)
    f_of = quantile_scores([customers[i]["frequency"] for i in ids], True)
    m_of = quantile_scores([customers[i]["cents"] for i in ids], True)
    out = {}
    for cid in ids:
        c = customers[cid]
        out[cid] = expected_row(cid, c, r_of[c["recency"]],
                                f_of[c["frequency"]], m_of[c["cents"]])
    return out


# --------------------------------------------------------------------------
# NTILE scores, via SQL window functions in an in-memory sqlite3 database
# --------------------------------------------------------------------------

def expected_ntile(customers):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE c (customer_id INTEGER PRIMARY KEY,"
               " recency_days INTEGER, frequency INTEGER,"
               " monetary_cents INTEGER)")
    db.executemany("INSERT INTO c VALUES (?, ?, ?, ?)",
                   [(cid, c["recency"], c["frequency"], c["cents"])
                    for cid, c in customers.items()])
    rows = db.execute(f"""
        SELECT customer_id,
               NTILE({K}) OVER (ORDER BY recency_days DESC, customer_id ASC),
               NTILE({K}) OVER (ORDER BY frequency ASC, customer_id ASC),
               NTILE({K}) OVER (ORDER BY monetary_cents ASC, customer_id ASC)
        FROM c""").fetchall()
    db.close()
    return {cid: expected_row(cid, customers[cid], r, f, m)
            for cid, r, f, m in rows}


def bucket_sizes(rows, column):
    """Sizes of buckets 1..K for column index (4=r, 5=f, 6=m)."""
    counts = Counter(int(row[column]) for row in rows)
    return [counts.get(b, 0) for b in range(1, K + 1)]


# --------------------------------------------------------------------------
# Running patron
# --------------------------------------------------------------------------

def run(cmd):
    """Run a command, returning the CompletedProcess (text mode)."""
    return subprocess.run(cmd, capture_output=True, text=True)


def run_ok(cmd, checks, label):
    proc = run(cmd)
    ok = proc.returncode == 0
    detail = "" if ok else f" (exit {proc.returncode}: {proc.stderr.strip()})"
    checks.record(ok, f"{label}{detail}")
    return ok


def read_patron_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        rows = [row for row in reader if row]
    return header, rows


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------

def compare(name, header, rows, expected, checks):
    """Header, customer set and all values. Returns the patron rows by id."""
    checks.record(header == EXPECTED_HEADER,
                  f"{name}: header is {','.join(EXPECTED_HEADER)}"
                  + ("" if header == EXPECTED_HEADER else f" (got {header})"))

    actual = {}
    duplicates = []
    malformed = []
    for row in rows:
        if len(row) != len(EXPECTED_HEADER):
            malformed.append(row)
            continue
        try:
            cid = int(row[0])
        except ValueError:
            malformed.append(row)
            continue
        if cid in actual:
            duplicates.append(cid)
        actual[cid] = row

    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    ok = not missing and not extra and not duplicates and not malformed
    msg = f"{name}: same customer set ({len(actual)} in patron, {len(expected)} expected)"
    if not ok:
        msg += (f"; missing {len(missing)} {missing[:MAX_LISTED]}"
                f", extra {len(extra)} {extra[:MAX_LISTED]}"
                f", duplicate {len(duplicates)} {duplicates[:MAX_LISTED]}"
                f", malformed {len(malformed)} {malformed[:3]}")
    checks.record(ok, msg)

    mismatches = []
    for cid in sorted(set(expected) & set(actual)):
        want, got = expected[cid], actual[cid]
        if want[1:] != got[1:]:
            diffs = [f"{EXPECTED_HEADER[i]} expected {want[i]!r} got {got[i]!r}"
                     for i in range(1, len(EXPECTED_HEADER)) if want[i] != got[i]]
            mismatches.append((cid, diffs))
    return actual, mismatches


def report_mismatches(mismatches):
    for cid, diffs in mismatches[:MAX_LISTED]:
        print(f"    customer {cid}: " + "; ".join(diffs))
    if len(mismatches) > MAX_LISTED:
        print(f"    ... and {len(mismatches) - MAX_LISTED} more")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patron", required=True, help="path to the patron binary")
    ap.add_argument("--cdnow", required=True, help="path to CDNOW_master.txt")
    ap.add_argument("--as-of", default="1998-07-01", help="YYYY-MM-DD")
    args = ap.parse_args()

    checks = Checks()
    try:
        as_of = datetime.date.fromisoformat(args.as_of)
        patron = os.path.abspath(args.patron)
        cdnow = os.path.abspath(args.cdnow)

        # Independent computation from the raw file.
        customers, nrows = load_customers(cdnow, as_of)
        print(f"raw file: {nrows} rows, {len(customers)} customers "
              f"as of {as_of.isoformat()}")
        want_q = expected_quantile(customers)
        want_n = expected_ntile(customers)

        with tempfile.TemporaryDirectory(prefix="patron-cdnow-") as tmp:
            db = os.path.join(tmp, "cdnow.sqlite")
            q_csv = os.path.join(tmp, "quantile.csv")
            n_csv = os.path.join(tmp, "ntile.csv")

            # 1. patron: import and both scoring methods.
            if not run_ok([patron, "import", "cdnow", cdnow, "--db", db],
                          checks, "patron import cdnow"):
                raise RuntimeError("import failed")
            rfm = [patron, "rfm", "--db", db, "--as-of", as_of.isoformat(),
                   "--format", "csv"]
            q_ok = run_ok(rfm + ["-o", q_csv], checks, "patron rfm (quantile)")
            n_ok = run_ok(rfm + ["--method", "ntile", "-o", n_csv],
                          checks, "patron rfm --method ntile")

            # 2. Quantile: header, customer set, all 7 values.
            if q_ok:
                header, rows = read_patron_csv(q_csv)
                _, mism = compare("quantile", header, rows, want_q, checks)
                checks.record(not mism, f"cdnow quantile: {len(want_q)} "
                              f"customers, {len(mism)} mismatches")
                report_mismatches(mism)

            # 3. NTILE: header, customer set, bucket sizes, assignment.
            if n_ok:
                header, rows = read_patron_csv(n_csv)
                actual, mism = compare("ntile", header, rows, want_n, checks)
                got_rows = list(actual.values())
                want_rows = list(want_n.values())
                sizes_ok = True
                parts = []
                for col, dim in ((4, "r"), (5, "f"), (6, "m")):
                    got_sz = bucket_sizes(got_rows, col)
                    want_sz = bucket_sizes(want_rows, col)
                    parts.append(f"{dim}={got_sz}" if got_sz == want_sz
                                 else f"{dim}={got_sz} (SQL {want_sz})")
                    sizes_ok &= got_sz == want_sz
                checks.record(sizes_ok, "cdnow ntile: bucket sizes "
                              + " ".join(parts)
                              + (" match SQL NTILE" if sizes_ok
                                 else " DO NOT match SQL NTILE"))
                checks.record(not mism, f"cdnow ntile: {len(want_n)} "
                              f"customers, {len(mism)} mismatches")
                report_mismatches(mism)

            # 4. Error path: an as-of before the first order.
            proc = run([patron, "rfm", "--db", db, "--as-of", "1996-01-01"])
            err_lines = proc.stderr.strip().splitlines()
            ok = (proc.returncode != 0 and len(err_lines) == 1
                  and "before the first order" in err_lines[0])
            checks.record(ok, "rfm --as-of 1996-01-01 fails with one stderr "
                          "line mentioning 'before the first order' "
                          f"(exit {proc.returncode}, stderr {err_lines!r})")

            # 5. Segment counts: patron's SQL back end against the raw aggregates. Relative
            #    dates are evaluated at the end of the as-of day, so "within 30 days" keeps
            #    orders on the 30 days ending with it (recency <= 29).
            cut = (as_of - datetime.date(1998, 1, 1)).days
            segments = [
                ("orders.count >= 2", lambda c: c["frequency"] >= 2),
                ("orders.total > 100", lambda c: c["cents"] > 10000),
                ("orders.last_at < 1998-01-01", lambda c: c["recency"] > cut),
                ("aov between 20 and 50",
                 lambda c: 2000 <= c["cents"] // c["frequency"] <= 5000),
                ("orders.count >= 2 and orders.total > 100 or orders.last_at within 30 days",
                 lambda c: (c["frequency"] >= 2 and c["cents"] > 10000) or c["recency"] <= 29),
                ("not (orders.total <= 0)", lambda c: c["cents"] > 0),
            ]
            for expression, predicate in segments:
                want = sum(1 for c in customers.values() if predicate(c))
                proc = run([patron, "segment", "count", "--db", db, "--as-of",
                            as_of.isoformat(), expression])
                got = proc.stdout.strip()
                checks.record(proc.returncode == 0 and got == str(want),
                              f"segment count '{expression}': patron {got}, "
                              f"independent {want}")
    except Exception as exc:  # any error is a failed check, not a traceback
        checks.record(False, f"error: {type(exc).__name__}: {exc}")

    print(f"{checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
