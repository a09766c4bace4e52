#!/usr/bin/env python3
"""The lifetimes side of Scripts/bench_predict.sh, and the generated summary both sides fit.

  bench_lifetimes.py simulate --customers N --seed S --out FILE
      A summary (customer_id,x,t_x,T,monetary) drawn from the BG/NBD and Gamma-Gamma processes
      with known parameters, at day resolution, in weeks (Patron's summary format).
  bench_lifetimes.py fit --model bgnbd|gg --summary FILE
      Fits with lifetimes; prints seconds=<fit only> and the parameters as params=<json>.
  bench_lifetimes.py predict --summary FILE --out FILE [--horizon 52] [--months 12] [--discount 0.01]
      Fits BG/NBD and Gamma-Gamma (not timed), then times P(alive), expected purchases over the
      horizon and the CLV (lifetimes' customer_lifetime_value, freq='W') for every customer;
      prints seconds=<predictions only> and writes customer_id,p_alive,expected_purchases,clv.
"""
import argparse
import json
import sys
import time

import numpy as np
import pandas as pd

TRUE = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5, "p": 6.0, "q": 3.7, "gamma": 15.0}


def simulate(args):
    rng = np.random.default_rng(args.seed)
    n = args.customers
    first_day = rng.integers(0, 364, n)  # first purchases over the first year
    T_days = 728 - first_day  # calibration end after two years
    T = T_days / 7.0
    lam = rng.gamma(TRUE["r"], 1.0 / TRUE["alpha"], n)
    p = rng.beta(TRUE["a"], TRUE["b"], n)
    x = np.zeros(n, dtype=np.int64)
    t = np.zeros(n)
    tx = np.zeros(n)
    active = np.arange(n)
    while active.size:
        t[active] += rng.exponential(1.0 / lam[active])
        inside = t[active] <= T[active]
        active = active[inside]
        x[active] += 1
        tx[active] = t[active]
        survives = rng.random(active.size) >= p[active]
        active = active[survives]
    tx = np.floor(tx * 7.0) / 7.0
    nu = rng.gamma(TRUE["q"], 1.0 / TRUE["gamma"], n)
    spend = np.zeros(n)
    repeat = x > 0
    spend[repeat] = rng.gamma(TRUE["p"] * x[repeat], 1.0 / nu[repeat]) / x[repeat]
    spend = np.round(spend, 2)
    repeat_positive = repeat & (spend > 0)
    spend[~repeat_positive] = 0
    df = pd.DataFrame({
        "customer_id": np.arange(1, n + 1), "x": x, "t_x": np.round(tx, 6), "T": np.round(T, 6),
        "monetary": spend,
    })
    df.to_csv(args.out, index=False)
    print(f"customers={n}")
    print(f"repeat_customers={int(repeat.sum())}")
    print("true_params=" + json.dumps(TRUE))


def load(path):
    return pd.read_csv(path)


def fit(args):
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    df = load(args.summary)
    if args.model == "bgnbd":
        model = BetaGeoFitter()
        start = time.perf_counter()
        model.fit(df["x"], df["t_x"], df["T"])
        seconds = time.perf_counter() - start
        params = {k: float(v) for k, v in model.params_.items()}
    else:
        repeat = df[(df["x"] > 0) & (df["monetary"] > 0)]
        model = GammaGammaFitter()
        start = time.perf_counter()
        model.fit(repeat["x"], repeat["monetary"])
        seconds = time.perf_counter() - start
        params = {("gamma" if k == "v" else k): float(v) for k, v in model.params_.items()}
    print(f"seconds={seconds:.6f}")
    print("params=" + json.dumps(params))


def predict(args):
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    df = load(args.summary)
    bgf = BetaGeoFitter().fit(df["x"], df["t_x"], df["T"])
    repeat = df[(df["x"] > 0) & (df["monetary"] > 0)]
    ggf = GammaGammaFitter().fit(repeat["x"], repeat["monetary"])
    start = time.perf_counter()
    alive = bgf.conditional_probability_alive(df["x"], df["t_x"], df["T"])
    expected = bgf.conditional_expected_number_of_purchases_up_to_time(args.horizon, df["x"], df["t_x"], df["T"])
    clv = ggf.customer_lifetime_value(
        bgf, df["x"], df["t_x"], df["T"], df["monetary"], time=args.months, discount_rate=args.discount, freq="W")
    seconds = time.perf_counter() - start
    out = pd.DataFrame({
        "customer_id": df["customer_id"], "p_alive": np.asarray(alive), "expected_purchases": np.asarray(expected),
        "clv": np.asarray(clv)})
    out.to_csv(args.out, index=False)
    print(f"seconds={seconds:.6f}")


def compare(args):
    """Patron's predict customers CSV against lifetimes': the largest relative differences."""
    p = pd.read_csv(args.patron).set_index("customer_id")
    l = pd.read_csv(args.lifetimes).set_index("customer_id")
    p = p.loc[l.index]
    worst = {}
    for column in ["p_alive", "expected_purchases", "clv"]:
        a = p[column].to_numpy(dtype=float)
        b = l[column].to_numpy(dtype=float)
        # Patron writes 6 decimals (4 for amounts): compare where that rounding is negligible.
        keep = np.isfinite(b) & (np.abs(b) >= 0.01)
        diff = np.abs(a[keep] - b[keep]) / np.abs(b[keep])
        worst[column] = float("%.3g" % diff.max()) if diff.size else 0.0
    print("rows=%d" % len(l))
    print("max_rel_diff=" + json.dumps(worst))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("simulate")
    s.add_argument("--customers", type=int, required=True)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--out", required=True)
    f = sub.add_parser("fit")
    f.add_argument("--model", choices=["bgnbd", "gg"], required=True)
    f.add_argument("--summary", required=True)
    p = sub.add_parser("predict")
    p.add_argument("--summary", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--horizon", type=float, default=52)
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--discount", type=float, default=0.01)
    c = sub.add_parser("compare")
    c.add_argument("--patron", required=True)
    c.add_argument("--lifetimes", required=True)
    args = parser.parse_args()
    {"simulate": simulate, "fit": fit, "predict": predict, "compare": compare}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
