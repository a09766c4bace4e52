#!/usr/bin/env bash
# Runs schemathesis (PyPI, in a throwaway venv) against a live patron-api over a generated shop,
# with the API's own /openapi.json: no 5xx, every response as documented (status, content type,
# schema). Called by Scripts/test.sh; needs a debug build (swift build).
#   Scripts/api_schemathesis.sh [--max-examples N]
set -euo pipefail
cd "$(dirname "$0")/.."
examples=25
[ "${1:-}" = "--max-examples" ] && examples=$2

work=$(mktemp -d /tmp/patron-st.XXXXXX)
server=""
cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

venv=${PATRON_ST_VENV:-/tmp/patron-schemathesis-venv}
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis>=4,<5"
fi

bin=.build/debug
export PATRON_DB="$work/shop.sqlite"
"$bin/patron" generate --customers 300 --seed 3 >/dev/null
"$bin/patron" segment save repeat 'orders.count >= 2' >/dev/null
"$bin/patron" rfm --save >/dev/null 2>&1 || true
key=$("$bin/patron" apikey create schemathesis --scope admin 2>/dev/null)

PATRON_PORT=0 PATRON_RATE_LIMIT=0 PATRON_LOG_LEVEL=warning PATRON_SHOPIFY_SECRETS=st-secret \
  "$bin/patron-api" 2>"$work/server.log" &
server=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/server.log" 2>/dev/null && break
  sleep 0.1
done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/server.log" | head -1)
[ -n "$url" ] || { cat "$work/server.log" >&2; echo "patron-api did not start" >&2; exit 1; }

"$venv/bin/st" run "$url/openapi.json" \
  --header "Authorization: Bearer $key" \
  --checks ${PATRON_ST_CHECKS:-all} --exclude-checks positive_data_acceptance \
  --phases examples,coverage,fuzzing --max-examples "$examples" --workers 2 \
  --suppress-health-check all --warnings off --seed 1
