-- wrk script: GET /v1/customers/patron:N for N cycling over 1..CUSTOMERS, with an API key;
-- SUFFIX (optional) is appended to the path (`/recommendations`).
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
end
function init(args)
  n = index
  customers = tonumber(os.getenv("CUSTOMERS"))
  key = os.getenv("API_KEY")
  suffix = os.getenv("SUFFIX") or ""
end
function request()
  n = n % customers + 1
  return wrk.format("GET", "/v1/customers/patron:" .. n .. suffix, { ["Authorization"] = "Bearer " .. key })
end
function done(summary, latency, requests)
  io.write(string.format("p99_ms %.3f\n", latency:percentile(99) / 1000))
  io.write(string.format("p50_ms %.3f\n", latency:percentile(50) / 1000))
end
