#!/usr/bin/env bash
# Starts a loopback-only PostgreSQL primary for the tests and benchmarks.
#   Scripts/postgres/start.sh DIR
# initdb into DIR/data (as the `postgres` user when run as root), trust authentication on
# 127.0.0.1 only (also for replication, so Scripts/postgres/start_replica.sh can follow it),
# a free port, the socket in DIR; waits until it accepts connections, creates the database
# `patron`, and prints `export PATRON_PG_URL=postgres://postgres@127.0.0.1:PORT/patron` (and the
# port and directory for the replica script). Stop it with Scripts/postgres/stop.sh DIR.
#   eval "$(Scripts/postgres/start.sh DIR)"
set -euo pipefail
dir="${1:?usage: start.sh DIR}"
. "$(dirname "$0")/common.sh"
dir="$(server_dir "$dir")"
port="$(free_port)"

"${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
cat >"$dir/data/pg_hba.conf" <<HBA
# Loopback only, no password: a throwaway server for tests.
local   all             all                     trust
host    all             all     127.0.0.1/32    trust
host    replication     all     127.0.0.1/32    trust
HBA
cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
wal_level = replica
max_wal_senders = 4
hot_standby = on
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
max_connections = 100
CONF
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >&2 \
    || { cat "$dir/server.log" >&2; exit 1; }
"$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAtc "CREATE DATABASE patron" >&2
echo "$port" >"$dir/port"
echo "PostgreSQL $("$bin/postgres" --version | awk '{ print $3 }') on 127.0.0.1:$port ($dir)" >&2
cat <<EXPORTS
export PATRON_PG_URL=postgres://postgres@127.0.0.1:$port/patron PATRON_PG_PORT=$port PATRON_PG_DIR=$dir
EXPORTS
