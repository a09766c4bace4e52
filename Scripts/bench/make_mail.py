"""Writes N distinct support mails built from the fixture corpus: every .eml of the folders whose
mail opens tickets, each copy with its own Message-ID (and every tenth answering the one before,
so threading is exercised), appended over IMAP to a mailbox of a running Dovecot."""
import imaplib, os, sys, time

port, user, password, mailbox, count, fixtures = (
    int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6])
sources = []
for folder in ("attachments", "charsets", "mime", "threads", "malformed"):
    for name in sorted(os.listdir(os.path.join(fixtures, folder))):
        if name.endswith(".eml"):
            with open(os.path.join(fixtures, folder, name), "rb") as f:
                data = f.read().replace(b"\r\n", b"\n")
            # Drop the original Message-ID / In-Reply-To / References (whole header lines).
            head, _, body = data.partition(b"\n\n")
            lines, skip = [], False
            for line in head.split(b"\n"):
                if line[:1] in (b" ", b"\t"):
                    if not skip:
                        lines.append(line)
                    continue
                skip = line.lower().startswith((b"message-id:", b"in-reply-to:", b"references:"))
                if not skip:
                    lines.append(line)
            sources.append((b"\n".join(lines), body))
imap = imaplib.IMAP4("127.0.0.1", port)
imap.login(user, password)
imap.create(mailbox)
total = 0
started = time.time()
for i in range(count):
    head, body = sources[i % len(sources)]
    extra = b"Message-ID: <bench-%d@patron.bench>\n" % i
    if i % 10 == 9:
        extra += b"In-Reply-To: <bench-%d@patron.bench>\n" % (i - 1)
    message = (extra + head + b"\n\n" + body).replace(b"\n", b"\r\n")
    total += len(message)
    imap.append(mailbox, None, None, message)
imap.logout()
print(f"appended {count} messages, {total / 1e6:.1f} MB, in {time.time() - started:.1f} s")
