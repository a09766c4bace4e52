#!/usr/bin/env python3
"""Signed survey tokens for the survey form benchmark, as SurveyLinkSigner makes them.

    survey_tokens.py COUNT SECRET EXPIRES OUT

Line N (1-based) is the token of customer N's survey message `bench/0/N/bench` (NPS): the
base64url of the JSON payload, a dot, and the base64url HMAC-SHA256 of that text under SECRET.
"""
import base64
import hashlib
import hmac
import json
import sys


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def main() -> None:
    count, secret, expires, out = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3]), sys.argv[4]
    with open(out, "w") as f:
        for n in range(1, count + 1):
            payload = json.dumps({"c": n, "e": expires, "k": "nps", "m": f"bench/0/{n}/bench"}, separators=(",", ":"))
            body = b64(payload.encode())
            signature = b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())
            f.write(f"{body}.{signature}\n")


if __name__ == "__main__":
    main()
