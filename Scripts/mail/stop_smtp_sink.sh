#!/usr/bin/env bash
# Stops the SMTP sink started by start_smtp_sink.sh DIR (by its pid file, nothing else).
set -euo pipefail
dir="${1:?usage: stop_smtp_sink.sh DIR}"
if [ -f "$dir/sink.pid" ]; then
    kill "$(cat "$dir/sink.pid")" 2>/dev/null || true
    rm -f "$dir/sink.pid"
fi
