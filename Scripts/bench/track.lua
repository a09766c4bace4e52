-- wrk script: POST /v1/track?key=KEY with BATCH (default 50) product views of consenting
-- visitors per request, each call with its own messageId (none is a duplicate), visitors and
-- SKUs cycling over VISITORS and SKUS.
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
end
function init(args)
  thread_index = index
  sent = 0
  batch = tonumber(os.getenv("BATCH") or "50")
  visitors = tonumber(os.getenv("VISITORS") or "100000")
  skus = os.getenv("SKUS_LIST") or "TEA-001"
  sku_list = {}
  for s in string.gmatch(skus, "[^,]+") do table.insert(sku_list, s) end
  path = "/v1/track?key=" .. os.getenv("TRACK_KEY")
end
function request()
  local calls = {}
  for i = 1, batch do
    sent = sent + 1
    local visitor = (sent * 7919 + thread_index) % visitors
    local sku = sku_list[(sent % #sku_list) + 1]
    calls[i] = string.format(
      '{"type":"track","event":"Product Viewed","anonymousId":"v%d","messageId":"t%d-%d","properties":{"sku":"%s"}}',
      visitor, thread_index, sent, sku)
  end
  local body = '{"consent":true,"source":"demo-shop","batch":[' .. table.concat(calls, ",") .. ']}'
  return wrk.format("POST", path, { ["Content-Type"] = "text/plain", ["Origin"] = "https://demo-shop.example" }, body)
end
function done(summary, latency, requests)
  io.write(string.format("p99_ms %.3f\n", latency:percentile(99) / 1000))
  io.write(string.format("p50_ms %.3f\n", latency:percentile(50) / 1000))
end
