#!/usr/bin/env bash
# Stops what Scripts/mail/start_services.sh DIR started.
here="$(cd "$(dirname "$0")" && pwd)"
"$here/stop_smtp_sink.sh" "$1/smtp" || true
"$here/stop_dovecot.sh" "$1/dovecot" || true
