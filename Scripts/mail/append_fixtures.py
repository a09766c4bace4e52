#!/usr/bin/env python3
"""APPENDs every fixture mail into an IMAP mailbox, for the transport tests.

    append_fixtures.py --port PORT [--host 127.0.0.1] [--user patron] [--password ...]
                       [--mailbox INBOX] [--fixtures DIR] [--index OUT.tsv]

Every .eml file under the fixtures folder is appended as one message; every file in its
`mbox` folder is split on its `From ` lines and each message appended (without the From_
line). The index file gets one line per message: UID, fixture path, message number in the
file (0 for .eml), byte count as appended, taken from Dovecot's APPENDUID (RFC 4315) reply.
"""
import argparse
import imaplib
import os
import re
import sys


def fixture_messages(root):
    for folder in sorted(os.listdir(root)):
        path = os.path.join(root, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            if name.startswith("."):
                continue
            relative = f"{folder}/{name}"
            with open(os.path.join(path, name), "rb") as handle:
                data = handle.read()
            if name.endswith(".eml"):
                yield relative, 0, data
            elif folder == "mbox":
                for number, message in enumerate(split_mbox(data)):
                    yield relative, number, message


def split_mbox(data):
    starts = [m.start() for m in re.finditer(rb"(?m)^From ", data)]
    for i, start in enumerate(starts):
        chunk = data[start : starts[i + 1] if i + 1 < len(starts) else len(data)]
        yield chunk.split(b"\n", 1)[1] if b"\n" in chunk else b""


def main():
    default_fixtures = os.path.join(os.path.dirname(__file__), "../../../shared/fixtures/email")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", default="patron")
    parser.add_argument("--password", default="patron-test-password")
    parser.add_argument("--mailbox", default="INBOX")
    parser.add_argument("--fixtures", default=os.path.normpath(default_fixtures))
    parser.add_argument("--index", help="write UID<TAB>file<TAB>number<TAB>bytes lines here")
    args = parser.parse_args()

    imap = imaplib.IMAP4(args.host, args.port)
    imap.login(args.user, args.password)
    lines = []
    for relative, number, message in fixture_messages(args.fixtures):
        status, data = imap.append(args.mailbox, None, None, message)
        if status != "OK":
            sys.exit(f"{relative}#{number}: APPEND failed: {data}")
        match = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
        uid = match.group(1).decode() if match else "?"
        lines.append(f"{uid}\t{relative}\t{number}\t{len(message)}\n")
    imap.logout()
    if args.index:
        with open(args.index, "w") as out:
            out.writelines(lines)
    print(f"appended {len(lines)} messages to {args.mailbox}", file=sys.stderr)


if __name__ == "__main__":
    main()
