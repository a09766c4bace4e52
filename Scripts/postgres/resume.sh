#!/usr/bin/env bash
# Starts again a server that Scripts/postgres/start.sh made in DIR and stop.sh stopped (same
# data, same port); waits until it accepts connections.
#   Scripts/postgres/resume.sh DIR
set -euo pipefail
dir="${1:?usage: resume.sh DIR}"
. "$(dirname "$0")/common.sh"
[ -d "$dir/data" ] || { echo "resume.sh: no server in $dir (Scripts/postgres/start.sh makes one)" >&2; exit 1; }
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null \
    || { tail -n 20 "$dir/server.log" >&2; exit 1; }
