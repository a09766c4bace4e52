#!/usr/bin/env bash
# Starts a streaming replica of a primary that Scripts/postgres/start.sh started.
#   Scripts/postgres/start_replica.sh PRIMARY_DIR DIR
# pg_basebackup from the primary into DIR/data (-R writes `primary_conninfo` and standby.signal;
# --checkpoint=fast: a spread checkpoint on an idle primary made it wait about two minutes),
# a free port on 127.0.0.1; waits until it accepts read-only connections and prints
# `export PATRON_PG_READ_URL=postgres://postgres@127.0.0.1:PORT/patron`. Stop it with
# Scripts/postgres/stop.sh DIR.
set -euo pipefail
primary="${1:?usage: start_replica.sh PRIMARY_DIR DIR}"
dir="${2:?usage: start_replica.sh PRIMARY_DIR DIR}"
primary_port=$(cat "$primary/port")
. "$(dirname "$0")/common.sh"
dir="$(server_dir "$dir")"
port="$(free_port)"

"${as[@]}" "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$dir/data" -R -X stream \
    --checkpoint=fast \
    >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; exit 1; }
cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
unix_socket_directories = '$dir'
CONF
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >&2 \
    || { cat "$dir/server.log" >&2; exit 1; }
echo "$port" >"$dir/port"
in_recovery=$("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d patron -qAtc "SELECT pg_is_in_recovery()")
[ "$in_recovery" = t ] || { echo "the replica on $port is not in recovery" >&2; exit 1; }
echo "replica of 127.0.0.1:$primary_port on 127.0.0.1:$port ($dir)" >&2
cat <<EXPORTS
export PATRON_PG_READ_URL=postgres://postgres@127.0.0.1:$port/patron PATRON_PG_READ_PORT=$port
EXPORTS
