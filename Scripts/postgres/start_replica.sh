#!/usr/bin/env bash
# Starts a streaming replica of a primary that Scripts/postgres/start.sh started.
#   Scripts/postgres/start_replica.sh PRIMARY_DIR DIR
# pg_basebackup from the primary into DIR/data (-R writes `primary_conninfo` and standby.signal),
# a free port on 127.0.0.1; waits until it accepts read-only connections and prints
# `export PATRON_PG_READ_URL=postgres://postgres@127.0.0.1:PORT/patron`. Stop it with
# Scripts/postgres/stop.sh DIR.
set -euo pipefail
primary="${1:?usage: start_replica.sh PRIMARY_DIR DIR}"
dir="${2:?usage: start_replica.sh PRIMARY_DIR DIR}"
primary_port=$(cat "$primary/port")
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as=()
if [ "$(id -u)" -eq 0 ]; then as=(runuser -u postgres --); fi

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
chmod 755 "$dir"
[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir"
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -w "$dir"; then
    echo "the postgres user cannot write $dir: make every parent of it traversable (chmod o+x)" >&2
    exit 1
fi
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

"${as[@]}" "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$dir/data" -R -X stream \
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
