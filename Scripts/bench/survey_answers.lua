-- wrk script: POST /s/TOKEN (the survey form: score and words) for the tokens in TOKENS, one
-- per customer, each thread starting at its own place and going round.
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
end
function init(args)
  tokens = {}
  for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
  n = (index - 1) * math.floor(#tokens / 8)
end
function request()
  n = n % #tokens + 1
  local body = "score=" .. (n % 11) .. "&text=Quick+delivery%2C+nice+mug+%E2%98%95"
  return wrk.format("POST", "/s/" .. tokens[n], { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
function done(summary, latency, requests)
  io.write(string.format("p99_ms %.3f\n", latency:percentile(99) / 1000))
  io.write(string.format("p50_ms %.3f\n", latency:percentile(50) / 1000))
end
