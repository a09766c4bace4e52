#!/usr/bin/env bash
# Patron's main job on the embedded SQLite store, from a fresh clone:
# build, create a demo shop, print the RFM grid and segment sizes, export one segment, then run
# the six shipped campaign flows: a simulated week, and a real day sending SMS to the stub gateway.
#   Scripts/demo.sh            (CUSTOMERS=20000 SEGMENT="At Risk" to change)
#   Scripts/demo.sh --postgres the same on a PostgreSQL server started on loopback for the demo
#                              (Scripts/postgres/start.sh; stopped at the end), 5,000 customers
set -euo pipefail
cd "$(dirname "$0")/.."
postgres=""
if [ "${1:-}" = "--postgres" ]; then postgres=1; fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

missing=""
for package in libsqlite3-dev libcurl4-openssl-dev; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
# One debug build of every product: the demo's patron, the patron-api and patron-scheduler the
# README runs next, and what Scripts/test.sh builds on (a release build takes 10-25 minutes more
# on 2 cores; the benchmarks make one: Scripts/bench*.sh).
swift build
patron=.build/debug/patron
customers=${CUSTOMERS:-20000}
segment=${SEGMENT:-At Risk}
export PATRON_DB=demo/shop.sqlite

rm -rf demo && mkdir -p demo
cleanup() { :; }
trap 'cleanup' EXIT
if [ -n "$postgres" ]; then
  customers=${CUSTOMERS:-5000}
  server=$(mktemp -d /tmp/patron-demo-pg.XXXXXX)
  chmod 755 "$server"
  eval "$(Scripts/postgres/start.sh "$server/primary")"
  cleanup() { Scripts/postgres/stop.sh "$server/primary" >/dev/null 2>&1 || true; rm -rf "$server"; }
  export PATRON_DB="$PATRON_PG_URL"
  echo "== the store: $PATRON_DB (a PostgreSQL server for this demo, stopped at the end)"
  "$patron" init
fi
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

echo
echo "== campaigns: the six flows in flows/, simulated over the last week (nothing is sent)"
today=$(date -u +%F)
week_ago=$(date -u -d "$today - 7 days" +%F)
yesterday=$(date -u -d "$today - 1 day" +%F)
"$patron" campaigns simulate --from "$week_ago" --to "$today" --step 1h --messages demo/simulated.csv flows/*.yaml
echo
echo "== campaigns for real over the last day: SMS to the stub gateway (patron sms-stub), hour by hour"
"$patron" campaigns activate --since "$yesterday" flows/*.yaml
"$patron" sms-stub --port 0 --account-sid AC00000000000000000000000000000001 --auth-token demo --no-callbacks \
  2>demo/sms-stub.log &
stub=$!
trap 'kill $stub 2>/dev/null || true; cleanup' EXIT
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' demo/sms-stub.log | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
export PATRON_SMS_URL="http://127.0.0.1:$port" PATRON_SMS_ACCOUNT_SID=AC00000000000000000000000000000001 \
  PATRON_SMS_AUTH_TOKEN=demo PATRON_SMS_FROM=+15005550006 PATRON_SHOP_NAME="Demo Shop"
for hour in $(seq 1 24); do
  "$patron" campaigns tick --now "$(date -u -d "$yesterday + $hour hours" +%FT%TZ)" >/dev/null
done
"$patron" campaigns list
echo "(email needs PATRON_SMTP_URL: those messages wait in the outbox; see docs/campaigns.md)"
echo
"$patron" campaigns stats win-back
