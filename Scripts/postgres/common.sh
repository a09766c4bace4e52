# Sourced by start.sh, start_replica.sh and stop.sh: the PostgreSQL binaries (installed when
# missing), the user servers run as, a server directory made ready, a free port.

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "installing postgresql…" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
# PostgreSQL refuses to run as root: run it as `postgres` then (the package makes that user).
as=()
if [ "$(id -u)" -eq 0 ]; then as=(runuser -u postgres --); fi

# Creates DIR for a server (owned by postgres when run as root) and prints its absolute path.
server_dir() {
    mkdir -p "$1"
    local dir
    dir="$(cd "$1" && pwd)"
    chmod 755 "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir"
    if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -w "$dir"; then
        echo "the postgres user cannot write $dir: make every parent of it traversable (chmod o+x)" >&2
        return 1
    fi
    echo "$dir"
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# A server must not keep its caller's descriptors open: a caller waiting for one of them to
# close (a pipe read to its end, Foundation's Process watching its child) would wait for the
# server's whole life. Only stdin, stdout, stderr and bash's own script descriptor stay.
for fd in $(ls /proc/$$/fd); do
    case $fd in 0 | 1 | 2 | 255) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
done
