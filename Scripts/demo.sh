#!/usr/bin/env bash
# Patron's main job on the embedded SQLite store, from a fresh clone:
# build, create a demo shop, print the RFM grid and segment sizes, export one segment.
#   Scripts/demo.sh            (CUSTOMERS=20000 SEGMENT="At Risk" to change)
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

if ! dpkg -s libsqlite3-dev >/dev/null 2>&1; then
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsqlite3-dev >/dev/null
fi
swift build -c release --product patron
patron=.build/release/patron
customers=${CUSTOMERS:-20000}
segment=${SEGMENT:-At Risk}
export PATRON_DB=demo/shop.sqlite

rm -rf demo && mkdir -p demo
echo "== generating a demo shop: $customers customers, 10 orders each on average"
"$patron" generate --customers "$customers" --seed 1
echo
"$patron" rfm --save
echo
"$patron" metrics | head -13
out="demo/$(echo "$segment" | tr 'A-Z ' 'a-z-' | tr -cd 'a-z-').csv"
"$patron" rfm --segment "$segment" --format csv -o "$out"
echo
echo "== exported segment '$segment': $(($(wc -l <"$out") - 1)) customers to $out"
head -4 "$out"
