#!/usr/bin/env python3
"""A loopback SMTP sink for the transport tests (run by start_smtp_sink.sh).

    smtp_sink.py DIR PORT [--user U --password P]

Every accepted message is written to DIR/messages/N.eml (the DATA bytes, unchanged) and its
envelope to DIR/messages/N.json (mail_from, rcpt_tos, peer, authenticated user). With
--user/--password, AUTH PLAIN/LOGIN is offered over clear text (loopback only) and only those
credentials succeed; unauthenticated mail is still accepted. Recipients whose local part is
`reject-temp` / `reject-perm` are refused with 450 / 550, to exercise the client's errors.
"""
import argparse
import asyncio
import json
import os
import signal
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = os.path.join(directory, "messages")
        os.makedirs(self.directory, exist_ok=True)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local == "reject-temp":
            return "450 4.2.0 mailbox temporarily unavailable"
        if local == "reject-perm":
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            number = len([n for n in os.listdir(self.directory) if n.endswith(".eml")]) + 1
            base = os.path.join(self.directory, str(number))
            with open(base + ".json.tmp", "w") as out:
                json.dump(
                    {
                        "mail_from": envelope.mail_from,
                        "rcpt_tos": envelope.rcpt_tos,
                        "peer": list(session.peer) if session.peer else None,
                        "user": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
                    },
                    out,
                )
            with open(base + ".eml.tmp", "wb") as out:
                out.write(envelope.original_content or envelope.content)
            os.rename(base + ".json.tmp", base + ".json")
            os.rename(base + ".eml.tmp", base + ".eml")
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("port", type=int)
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()

    options = {}
    if args.user:
        expected = (args.user.encode(), (args.password or "").encode())

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == expected
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

        options = {"authenticator": authenticate, "auth_require_tls": False}
    controller = Controller(Sink(args.dir), hostname="127.0.0.1", port=args.port, **options)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
