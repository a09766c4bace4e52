-- wrk script: GET a dashboard page with a session cookie (SESSION). PAGE is the path; a path
-- with {n} cycles n over 1..CUSTOMERS (the customer page).
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
end
function init(args)
  n = index
  customers = tonumber(os.getenv("CUSTOMERS") or "1")
  page = os.getenv("PAGE")
  cookie = "patron_session=" .. os.getenv("SESSION")
end
function request()
  n = n % customers + 1
  return wrk.format("GET", (page:gsub("{n}", tostring(n))), { ["Cookie"] = cookie })
end
function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("dashboard.lua: status " .. status .. "\n")
  end
end
function done(summary, latency, requests)
  io.write(string.format("p99_ms %.3f\n", latency:percentile(99) / 1000))
  io.write(string.format("p50_ms %.3f\n", latency:percentile(50) / 1000))
end
