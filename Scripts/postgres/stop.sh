#!/usr/bin/env bash
# Stops the servers Scripts/postgres/start.sh and start_replica.sh started in each DIR (fast
# shutdown; a server already gone is fine).
#   Scripts/postgres/stop.sh DIR [DIR…]
set -uo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
as=()
if [ "$(id -u)" -eq 0 ]; then as=(runuser -u postgres --); fi
for dir in "$@"; do
    [ -f "$dir/data/postmaster.pid" ] || continue
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
        || echo "stop.sh: could not stop the server in $dir" >&2
done
