#!/usr/bin/env python3
"""The API under abuse: hostile requests against a live patron-api on loopback.

Run by Scripts/abuse.sh, which starts the server and passes its URL, pid, keys and timeouts:

    abuse.py URL PID READ_KEY WRITE_KEY IDLE_TIMEOUT REQUEST_TIMEOUT [--burst N] [--slow N]

Each case sends something a stranger or a careless client could, and expects a 4xx answer or a
refusal (the connection closed or reset), never a 5xx, never a crash, with the server's memory
bounded. Prints one row per case: what was sent, what came back, the expected outcome, the
server's resident memory after it, and the verdict. Exits 1 when a case fails, the server dies,
or its peak memory goes over --max-rss-mb (default 512).
"""
import argparse
import errno
import os
import resource
import select
import socket
import sys
import threading
import time
from urllib.parse import urlsplit, quote


def rss_mb(pid, field="VmRSS"):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Server:
    def __init__(self, url, pid):
        parts = urlsplit(url)
        self.host, self.port, self.pid = parts.hostname, parts.port, pid

    def alive(self):
        try:
            os.kill(self.pid, 0)
            return True
        except OSError:
            return False

    def connect(self, timeout=10):
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def exchange(self, raw, timeout=20):
        """Sends raw bytes and reads the answer: ('HTTP 400', body) or ('closed', '') / ('reset', '')."""
        try:
            s = self.connect(timeout)
        except OSError as error:
            return f"refused ({errno.errorcode.get(error.errno, error)})", ""
        try:
            try:
                s.sendall(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may answer and close before reading everything
            data = b""
            deadline = time.time() + timeout
            while time.time() < deadline:
                try:
                    chunk = s.recv(65536)
                except ConnectionResetError:
                    break
                except socket.timeout:
                    break
                if not chunk:
                    break
                data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                if head and b"content-length:" in head.lower():
                    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    if len(body) >= length:
                        break
            if not data:
                return "closed without an answer", ""
            status = data.split(b"\r\n", 1)[0].decode(errors="replace")
            code = status.split(" ")[1] if len(status.split(" ")) > 1 else "?"
            body = data.partition(b"\r\n\r\n")[2][:160].decode(errors="replace")
            return f"HTTP {code}", body
        finally:
            s.close()

    def request(self, method, path, key=None, body=b"", headers=(), content_type="application/json"):
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", "Connection: close"]
        if key:
            lines.append(f"Authorization: Bearer {key}")
        if body or method in ("POST", "PUT", "PATCH"):
            lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        lines += list(headers)
        return self.exchange(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def outcome_ok(outcome, expected):
    if outcome.startswith("HTTP 5") or outcome.startswith("HTTP ?"):
        return False
    if expected == "4xx":
        return outcome.startswith("HTTP 4")
    if expected == "4xx or refused":
        return outcome.startswith("HTTP 4") or not outcome.startswith("HTTP")
    return outcome == expected


def slowloris(server, count, idle_timeout, request_timeout):
    """count connections trickling a head, count/4 trickling a body; meanwhile normal requests.
    Returns the outcome text and whether it is acceptable."""
    head_conns, body_conns = [], []
    for index in range(count):
        s = server.connect()
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        head_conns.append(s)
    for index in range(count // 4):
        s = server.connect()
        s.sendall(b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100000\r\n\r\n{")
        body_conns.append(s)
    started = time.time()
    served, latencies = 0, []
    open_head, open_body = set(head_conns), set(body_conns)
    cut_head_at, cut_body_at = [], []
    limit = max(idle_timeout, request_timeout) * 3 + 5
    while (open_head or open_body) and time.time() - started < limit:
        for s in list(open_head) + list(open_body):
            try:
                s.sendall(b"X-a: b\r\n" if s in open_head else b" ")
                readable, _, _ = select.select([s], [], [], 0)
                if readable and not s.recv(4096):
                    raise ConnectionResetError
            except (BrokenPipeError, ConnectionResetError, OSError):
                (cut_head_at if s in open_head else cut_body_at).append(time.time() - started)
                open_head.discard(s)
                open_body.discard(s)
                s.close()
        t0 = time.time()
        status, _ = server.request("GET", "/health")
        latencies.append(time.time() - t0)
        served += status == "HTTP 200"
        time.sleep(0.3)
    for s in open_head | open_body:
        s.close()
    worst = max(latencies) if latencies else 0
    text = (f"{len(cut_head_at)}/{len(head_conns)} heads cut by {max(cut_head_at or [0]):.1f} s, "
            f"{len(cut_body_at)}/{len(body_conns)} bodies by {max(cut_body_at or [0]):.1f} s; "
            f"others: {served}/{len(latencies)} served, slowest {worst * 1000:.0f} ms")
    ok = (not open_head and not open_body and served == len(latencies) and worst < 3
          and max(cut_head_at or [0]) < idle_timeout + 3 and max(cut_body_at or [0]) < request_timeout + 3)
    return text, ok


def burst(server, count):
    """count connections opened at once, each sending GET /health; returns counts by outcome."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 1024)), hard))
    sockets, refused = [], 0
    for _ in range(count):
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        except OSError as error:  # this process's own descriptor limit: the burst is smaller
            print(f"abuse: burst stopped at {len(sockets) + refused} connections: {error}", file=sys.stderr)
            break
        s.setblocking(False)
        try:
            s.connect((server.host, server.port))
        except BlockingIOError:
            pass
        except OSError:
            refused += 1
            s.close()
            continue
        sockets.append(s)
    pending = {s: b"" for s in sockets}
    sent = set()
    served = closed = 0
    deadline = time.time() + 60
    while pending and time.time() < deadline:
        poller = select.poll()  # (select() takes descriptors below FD_SETSIZE only)
        index = {}
        for s in pending:
            poller.register(s, select.POLLIN | (select.POLLOUT if s not in sent else 0))
            index[s.fileno()] = s
        events = poller.poll(500)
        readable = [index[fd] for fd, ev in events if ev & (select.POLLIN | select.POLLHUP | select.POLLERR)]
        writable = [index[fd] for fd, ev in events if ev & select.POLLOUT and index[fd] not in sent]
        for s in writable:
            try:
                s.send(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                sent.add(s)
            except OSError:
                closed += 1
                pending.pop(s, None)
                s.close()
        for s in readable:
            if s not in pending:
                continue
            try:
                chunk = s.recv(65536)
            except OSError:
                chunk = b""
            if chunk:
                pending[s] += chunk
                if b"\r\n\r\n" in pending[s] and pending[s].startswith(b"HTTP/1.1 200"):
                    served += 1
                    pending.pop(s)
                    s.close()
            else:
                closed += 1
                pending.pop(s)
                s.close()
    # Never connected: the kernel dropped the SYN (a full backlog), so the client gives up — a
    # refusal. Connected and sent, but no answer: the server's fault.
    never_connected = sum(1 for s in pending if s not in sent)
    unanswered = len(pending) - never_connected
    for s in pending:
        s.close()
    return served, refused + closed + never_connected, unanswered


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("pid", type=int)
    parser.add_argument("read_key")
    parser.add_argument("write_key")
    parser.add_argument("idle_timeout", type=float)
    parser.add_argument("request_timeout", type=float)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--max-rss-mb", type=float, default=512)
    args = parser.parse_args()
    server = Server(args.url, args.pid)
    read, write = args.read_key, args.write_key
    deep = b"[" * 10_000 + b"]" * 10_000
    deep_objects = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
    cases = [
        ("header of 100 kB", lambda: server.request("GET", "/health", headers=["X-Big: " + "a" * 100_000]),
         "4xx or refused"),
        ("2,000 headers", lambda: server.request("GET", "/health", headers=[f"X-H{i}: v" for i in range(2_000)]),
         "4xx or refused"),
        ("request line of 1 MB", lambda: server.request("GET", "/v1/customers?x=" + "a" * 1_000_000, key=read),
         "4xx or refused"),
        ("JSON nested 10,000 arrays deep", lambda: server.request("POST", "/v1/customers", write, deep), "4xx"),
        ("JSON nested 10,000 objects deep",
         lambda: server.request("POST", "/v1/customers", write, deep_objects), "4xx"),
        ("NDJSON event nested 10,000 deep",
         lambda: server.request("POST", "/v1/events", write, deep + b"\n", content_type="application/x-ndjson"),
         "4xx"),
        ("a number of 10^400 in an amount", lambda: server.request(
            "POST", "/v1/events", write,
            b'{"id":"a1","type":"order.placed","source":"abuse","at":"2026-01-01","order":{"id":"o1",'
            b'"customer":{"id":"c1"},"currency":"EUR","total":1' + b"0" * 400 + b'}}\n',
            content_type="application/x-ndjson"), "4xx"),
        ("a quantity of 1e308", lambda: server.request(
            "POST", "/v1/events", write,
            b'{"id":"a2","type":"order.placed","source":"abuse","at":"2026-01-01","order":{"id":"o2",'
            b'"customer":{"id":"c1"},"currency":"EUR","lines":[{"sku":"S","quantity":1e308,"unit_price":"1.00"}]}}\n',
            content_type="application/x-ndjson"), "4xx"),
        ("a name of 1,000,000 characters", lambda: server.request(
            "POST", "/v1/customers", write, b'{"source":"abuse","id":"long","first_name":"' + b"x" * 1_000_000 + b'"}'),
         "4xx"),
        ("a name of 100,000 characters (event)", lambda: server.request(
            "POST", "/v1/events", write,
            b'{"id":"a3","type":"customer.upserted","source":"abuse","at":"2026-01-01","customer":{"id":"c3",'
            b'"first_name":"' + b"x" * 100_000 + b'"}}\n', content_type="application/x-ndjson"), "4xx"),
        ("invalid UTF-8 in JSON", lambda: server.request(
            "POST", "/v1/customers", write, b'{"source":"abuse","id":"u","first_name":"\xff\xfe\xc3"}'), "4xx"),
        ("invalid UTF-8 in NDJSON", lambda: server.request(
            "POST", "/v1/events", write,
            b'{"id":"a4","type":"customer.upserted","source":"abuse","at":"2026-01-01","customer":{"id":"\xff"}}\n',
            content_type="application/x-ndjson"), "4xx"),
        ("invalid UTF-8 in a query", lambda: server.request("GET", "/v1/segment-count?segment=%FF%FE", key=read),
         "4xx"),
        ("segment of 100 kB (query)", lambda: server.request(
            "GET", "/v1/segment-count?segment=" + quote("orders.count > 1 and " * 5_000 + "true"), key=read),
         "4xx or refused"),
        ("segment of 100 kB (customer list)", lambda: server.request(
            "GET", "/v1/customers?segment=" + quote("orders.count > 1 or " * 5_000 + "orders.count > 2"), key=read),
         "4xx or refused"),
        ("segment of 10,000 nested parentheses", lambda: server.request(
            "GET", "/v1/segment-count?segment=" + quote("(" * 10_000 + "orders.count > 1" + ")" * 10_000),
            key=read), "4xx"),
        ("?limit=10^12", lambda: server.request("GET", "/v1/customers?limit=1000000000000", key=read), "4xx"),
        ("?limit=-1", lambda: server.request("GET", "/v1/customers?limit=-1", key=read), "4xx"),
        ("?cursor= of garbage", lambda: server.request("GET", "/v1/customers?cursor=%00%FF" + "z" * 5_000, key=read),
         "4xx"),
        ("body over the limit (2 MiB)", lambda: server.request("POST", "/v1/customers", write, b"x" * (2 << 20)),
         "4xx or refused"),
        ("Content-Length of 10^15, no body", lambda: server.exchange(
            b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + write.encode()
            + b"\r\nContent-Type: application/json\r\nContent-Length: 1000000000000000\r\n\r\n{}", timeout=5),
         "4xx or refused"),
        ("a forged key", lambda: server.request("GET", "/v1/customers", key="pk_" + "0" * 60), "4xx"),
    ]
    rows, failed = [], False
    print(f"patron-api at {args.url} (pid {args.pid}); idle timeout {args.idle_timeout:g} s, "
          f"request timeout {args.request_timeout:g} s; memory {rss_mb(args.pid):.0f} MB at start")
    for name, run, expected in cases:
        t0 = time.time()
        outcome, body = run()
        ms = (time.time() - t0) * 1000
        ok = outcome_ok(outcome, expected) and server.alive()
        failed |= not ok
        detail = body.strip().replace("\n", " ")[:70]
        rows.append((name, f"{outcome} in {ms:.0f} ms" + (f": {detail}" if detail and not ok else ""), expected,
                     rss_mb(args.pid), "ok" if ok else "FAILED"))
    text, ok = slowloris(server, args.slow, args.idle_timeout, args.request_timeout)
    failed |= not ok or not server.alive()
    rows.append((f"slowloris: {args.slow} heads, {args.slow // 4} bodies trickled", text,
                 "all cut, others served", rss_mb(args.pid), "ok" if ok else "FAILED"))
    t0 = time.time()
    served, refused, unanswered = burst(server, args.burst)
    alive = server.alive() and server.request("GET", "/health")[0] == "HTTP 200"
    ok = alive and unanswered == 0
    failed |= not ok
    rows.append((f"burst of {args.burst:,} connections",
                 f"{served:,} served, {refused:,} refused, closed or not accepted, {unanswered:,} unanswered in "
                 f"{time.time() - t0:.1f} s; /health after: {'200' if alive else 'FAILED'}",
                 "served or refused", rss_mb(args.pid), "ok" if ok else "FAILED"))
    peak = rss_mb(args.pid, "VmHWM")
    width = max(len(r[0]) for r in rows)
    print(f"\n{'case':<{width}} | {'memory':>7} | {'verdict':<7} | expected: outcome")
    print("-" * (width + 60))
    for name, outcome, expected, memory, verdict in rows:
        mem = f"{memory:.0f} MB" if memory is not None else "gone"
        print(f"{name:<{width}} | {mem:>7} | {verdict:<7} | {expected}: {outcome}")
    bounded = peak is not None and peak <= args.max_rss_mb
    print(f"\npeak memory {peak:.0f} MB (bound {args.max_rss_mb:g} MB): {'ok' if bounded else 'FAILED'}"
          if peak is not None else "\nthe server is gone: FAILED")
    sys.exit(0 if not failed and bounded else 1)


if __name__ == "__main__":
    main()
