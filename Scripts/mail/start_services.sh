#!/usr/bin/env bash
# Starts the loopback mail services the tests use, in DIR: Dovecot (IMAP, loaded with every
# fixture mail) and the SMTP sink. Prints `export …` lines for the tests' environment; stop them
# with Scripts/mail/stop_services.sh DIR.
#   eval "$(Scripts/mail/start_services.sh DIR)"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work=$1
mkdir -p "$work"
chmod 755 "$work"  # dovecot's unprivileged processes must reach DIR/dovecot
imap_user=patron imap_password=patron-test-password
smtp_user=patron smtp_password=patron-smtp-password
imap_port="$("$here/start_dovecot.sh" "$work/dovecot" "$imap_user" "$imap_password")"
python3 "$here/append_fixtures.py" --port "$imap_port" --user "$imap_user" --password "$imap_password" \
    --index "$work/dovecot/fixtures.tsv" >&2
smtp_port="$("$here/start_smtp_sink.sh" "$work/smtp" "$smtp_user" "$smtp_password")"
echo "dovecot on 127.0.0.1:$imap_port, SMTP sink on 127.0.0.1:$smtp_port ($work)" >&2
cat <<EXPORTS
export PATRON_IMAP_PORT=$imap_port PATRON_IMAP_USER=$imap_user PATRON_IMAP_PASSWORD=$imap_password
export PATRON_IMAP_FIXTURE_INDEX=$work/dovecot/fixtures.tsv
export PATRON_SMTP_PORT=$smtp_port PATRON_SMTP_USER=$smtp_user PATRON_SMTP_PASSWORD=$smtp_password
export PATRON_SMTP_SINK_DIR=$work/smtp PATRON_REQUIRE_SERVICES=1
EXPORTS
