#!/usr/bin/env bash
# Starts the loopback SMTP sink (aiosmtpd in a throwaway venv under /tmp).
#   Scripts/mail/start_smtp_sink.sh DIR [USER PASSWORD]
# Messages land in DIR/messages/N.eml with the envelope in N.json; the port is printed on
# stdout and written to DIR/port. Stop it with Scripts/mail/stop_smtp_sink.sh DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:?usage: start_smtp_sink.sh DIR [USER PASSWORD]}"
user="${2:-patron}"
password="${3:-patron-smtp-password}"
venv="${PATRON_SMTP_SINK_VENV:-/tmp/patron-aiosmtpd-venv}"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2
        python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q aiosmtpd >&2
fi

mkdir -p "$dir/messages"
dir="$(cd "$dir" && pwd)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
nohup "$venv/bin/python" "$here/smtp_sink.py" "$dir" "$port" --user "$user" --password "$password" \
    > "$dir/sink.log" 2>&1 &
echo $! > "$dir/sink.pid"
echo "$port" > "$dir/port"

for _ in $(seq 1 100); do
    if python3 - "$port" <<'PY' 2>/dev/null; then
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1) as s:
    assert s.recv(200).startswith(b"220")
PY
        echo "$port"
        exit 0
    fi
    sleep 0.1
done
echo "SMTP sink did not answer on 127.0.0.1:$port; see $dir/sink.log" >&2
exit 1
