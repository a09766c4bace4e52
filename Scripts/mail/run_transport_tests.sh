#!/usr/bin/env bash
# Runs the mail transport tests against live loopback services.
#   Scripts/mail/run_transport_tests.sh [PACKAGE_DIR]   (default: the repository root)
# Starts Dovecot (filled with every fixture mail) and the SMTP sink in a temporary
# directory, exports PATRON_IMAP_* / PATRON_SMTP_* and PATRON_REQUIRE_SERVICES=1, runs
# `swift test --disable-xctest --filter Transport` in PACKAGE_DIR, and stops both services
# on exit. Needs root (Dovecot drops privileges to dovenull / dovecot / patronmail).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
package="$(cd "${1:-$here/../..}" && pwd)"
work="$(mktemp -d /tmp/patron-mail-services.XXXXXX)"
chmod 755 "$work"  # dovecot's unprivileged processes must reach DIR/dovecot

cleanup() {
    "$here/stop_smtp_sink.sh" "$work/smtp" || true
    "$here/stop_dovecot.sh" "$work/dovecot" || true
    if [ "${PATRON_KEEP_MAIL_SERVICES_DIR:-0}" != 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

export PATRON_IMAP_USER=patron PATRON_IMAP_PASSWORD=patron-test-password
export PATRON_SMTP_USER=patron PATRON_SMTP_PASSWORD=patron-smtp-password
PATRON_IMAP_PORT="$("$here/start_dovecot.sh" "$work/dovecot" "$PATRON_IMAP_USER" "$PATRON_IMAP_PASSWORD")"
export PATRON_IMAP_PORT
export PATRON_IMAP_FIXTURE_INDEX="$work/dovecot/fixtures.tsv"
python3 "$here/append_fixtures.py" --port "$PATRON_IMAP_PORT" --user "$PATRON_IMAP_USER" \
    --password "$PATRON_IMAP_PASSWORD" --index "$PATRON_IMAP_FIXTURE_INDEX"
PATRON_SMTP_PORT="$("$here/start_smtp_sink.sh" "$work/smtp" "$PATRON_SMTP_USER" "$PATRON_SMTP_PASSWORD")"
export PATRON_SMTP_PORT
export PATRON_SMTP_SINK_DIR="$work/smtp"
export PATRON_REQUIRE_SERVICES=1

echo "dovecot on 127.0.0.1:$PATRON_IMAP_PORT, SMTP sink on 127.0.0.1:$PATRON_SMTP_PORT ($work)" >&2
cd "$package"
swift test --disable-xctest --filter Transport
