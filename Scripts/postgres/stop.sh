#!/usr/bin/env bash
# Stops the servers Scripts/postgres/start.sh and start_replica.sh started in each DIR (fast
# shutdown; a server already gone is fine).
#   Scripts/postgres/stop.sh DIR [DIR…]
set -uo pipefail
. "$(dirname "$0")/common.sh"
for dir in "$@"; do
    [ -f "$dir/data/postmaster.pid" ] || continue
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
        || echo "stop.sh: could not stop the server in $dir" >&2
done
