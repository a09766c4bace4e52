-- wrk script: POSTs correctly signed Shopify orders/create deliveries, each with its own order id
-- and delivery id, read from the file in BODIES ("hmac<TAB>id<TAB>body" per line). Thread k of n
-- sends lines k, k+n, k+2n … so no body is sent twice.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for line in io.lines(os.getenv("BODIES")) do
    local hmac, id, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    table.insert(bodies, { hmac, id, body })
  end
  position = index
  step = tonumber(os.getenv("THREADS") or "2")
  statuses = {}
end

function request()
  local entry = bodies[position]
  if entry == nil then
    position = index
    entry = bodies[position]
  end
  position = position + step
  return wrk.format("POST", "/webhooks/shopify", {
    ["Content-Type"] = "application/json",
    ["X-Shopify-Topic"] = "orders/create",
    ["X-Shopify-Hmac-Sha256"] = entry[1],
    ["X-Shopify-Webhook-Id"] = entry[2],
    ["X-Shopify-Triggered-At"] = "2024-08-07T22:57:57Z",
  }, entry[3])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("p99_ms %.3f\n", latency:percentile(99) / 1000))
  io.write(string.format("p50_ms %.3f\n", latency:percentile(50) / 1000))
end
