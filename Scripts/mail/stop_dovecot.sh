#!/usr/bin/env bash
# Stops the Dovecot started by start_dovecot.sh DIR (by its own pid file, nothing else).
set -euo pipefail
dir="${1:?usage: stop_dovecot.sh DIR}"
[ -f "$dir/dovecot.conf" ] || exit 0
if [ -f "$dir/run/master.pid" ]; then
    dovecot -c "$dir/dovecot.conf" stop 2>/dev/null || kill "$(cat "$dir/run/master.pid")" 2>/dev/null || true
fi
