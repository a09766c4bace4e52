"""Writes N signed Shopify orders/create deliveries for Scripts/bench/shopify_orders.lua: one line
each, "base64 HMAC-SHA256<TAB>delivery id<TAB>body", with distinct order ids above 2^53 (as
Shopify's are) and customers cycling over a few thousand."""
import base64, hashlib, hmac, json, sys

count, secret, out = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
with open(out, "w") as f:
    for i in range(count):
        body = json.dumps({
            "id": 9007199254740993 + i * 7, "email": f"buyer{i % 5000}@example.com",
            "created_at": "2024-08-07T18:57:57-04:00", "currency": "USD", "total_price": "42.50",
            "customer": {"id": 7000000000000000000 + i % 5000, "email": f"buyer{i % 5000}@example.com"},
            "line_items": [{"sku": f"SKU-{i % 40}", "title": "Tea", "quantity": 1, "price": "42.50"}],
        }, separators=(",", ":"))
        signature = base64.b64encode(hmac.new(secret, body.encode(), hashlib.sha256).digest()).decode()
        f.write(f"{signature}\tbench-{i}\t{body}\n")
