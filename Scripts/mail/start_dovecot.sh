#!/usr/bin/env bash
# Starts a loopback-only Dovecot IMAP server for the transport tests.
#   Scripts/mail/start_dovecot.sh DIR [USER PASSWORD]
# Writes the runtime config, users file, maildirs and log into DIR, starts dovecot on
# 127.0.0.1 with a free port, waits until it greets, and prints the port on stdout.
# Stop it with Scripts/mail/stop_dovecot.sh DIR. Needs root (dovecot drops privileges).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:?usage: start_dovecot.sh DIR [USER PASSWORD]}"
user="${2:-patron}"
password="${3:-patron-test-password}"
mail_user=patronmail

if ! command -v dovecot >/dev/null || [ ! -e /usr/lib/dovecot/imap ]; then
    echo "installing dovecot-imapd…" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-imapd >&2
fi
if ! id "$mail_user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$mail_user"
fi
mail_uid="$(id -u "$mail_user")"
mail_gid="$(id -g "$mail_user")"

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
chmod 755 "$dir"
mkdir -p "$dir/home/$user"
chown -R "$mail_uid:$mail_gid" "$dir/home"
chmod 700 "$dir/home/$user"

printf '%s:{PLAIN}%s::::::\n' "$user" "$password" > "$dir/users"
chgrp dovecot "$dir/users"
chmod 640 "$dir/users"
if ! runuser -u dovecot -- test -r "$dir/users"; then
    echo "the dovecot user cannot read $dir/users: make every parent of $dir traversable (chmod o+x)" >&2
    exit 1
fi

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@MAILUID@|$mail_uid|g" -e "s|@MAILGID@|$mail_gid|g" \
    -e "s|@MAILUSER@|$mail_user|g" "$here/dovecot.conf" > "$dir/dovecot.conf"
echo "$port" > "$dir/port"

dovecot -c "$dir/dovecot.conf"

for _ in $(seq 1 100); do
    if python3 - "$port" <<'PY' 2>/dev/null; then
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1) as s:
    assert s.recv(200).startswith(b"* OK")
PY
        echo "$port"
        exit 0
    fi
    sleep 0.1
done
echo "dovecot did not answer on 127.0.0.1:$port; see $dir/dovecot.log" >&2
tail -20 "$dir/dovecot.log" >&2 || true
exit 1
