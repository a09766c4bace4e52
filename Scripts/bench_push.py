"""The peer of `patron push-bench`: the same Web Push work with http_ece (RFC 8188/8291
aes128gcm, a fresh key and salt per message) and py_vapid (an ES256 VAPID token per message),
the libraries pywebpush is built on. Prints messages/s."""

import base64
import os
import sys
import time

import http_ece
import py_vapid
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import serialization

messages = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
ua = ec.generate_private_key(ec.SECP256R1())
ua_public = ua.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
auth = os.urandom(16)
vapid = py_vapid.Vapid()
vapid.generate_keys()
payload = ('{"body":"' + "Your cart is waiting. " * 8 + '","title":"Shop"}').encode()

size = 0
start = time.perf_counter()
for index in range(messages):
    server_key = ec.generate_private_key(ec.SECP256R1())
    body = http_ece.encrypt(
        payload, salt=os.urandom(16), private_key=server_key, dh=ua_public, auth_secret=auth, version="aes128gcm")
    headers = vapid.sign({"aud": "https://push.example.net", "sub": "mailto:bench@patron.invalid",
                          "exp": int(time.time()) + 12 * 3600})
    size += len(body) + len(headers["Authorization"])
seconds = time.perf_counter() - start
print(f"python: {messages} messages in {seconds:.3f} s: {messages / seconds:.0f} messages/s")
