-- wrk script for bench/run.py: POST resolution requests (or the same body to the no-database
-- endpoint), a mix of within-limit and over-limit amounts, each from a random (token, case)
-- pair of a data file written by run.py:
--
--   wrk -t2 -c8 -d10s -s bench/load.lua http://127.0.0.1:8201 -- DATA_FILE
--
-- DATA_FILE is Lua returning {path = "decision"|"noop", over_percent = 25,
-- within = "25.00", over = "250.00", pairs = {{token, case_id}, ...}}.
-- done() prints one JSON line that run.py parses.

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("thread_id", counter)
   table.insert(threads, thread)
end

local data, body_within, body_over

function init(args)
   data = dofile(args[1])
   math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
   body_within = '{"remedy_type":"refund","amount":"' .. data.within ..
      '","reason":"Benchmark: parcel arrived damaged"}'
   body_over = '{"remedy_type":"refund","amount":"' .. data.over ..
      '","reason":"Benchmark: parcel arrived damaged"}'
end

function request()
   local pair = data.pairs[math.random(#data.pairs)]
   local body = body_within
   if math.random(100) <= data.over_percent then
      body = body_over
   end
   local path
   if data.path == "noop" then
      path = "/api/v1/bench/noop/"
   else
      path = "/api/v1/cases/" .. pair[2] .. "/resolutions/"
   end
   return wrk.format("POST", path, {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Token " .. pair[1],
   }, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      '{"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"mean":%.1f,"max":%d,"p50":%d,"p95":%d,"p99":%d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency.max,
      latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
