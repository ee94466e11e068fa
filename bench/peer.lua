-- wrk script for bench/peer.py: the peer (django-helpdesk) ticket update, as bench/load.lua
-- drives ours. Each request is one agent's follow-up on one of its own tickets: POST
-- /tickets/<id>/update/ with the agent's session cookie and CSRF token, the form fields
-- of helpdesk's "respond to this ticket" form (a public comment, status unchanged).
--
--   wrk -t2 -c8 -d10s -s bench/peer.lua http://127.0.0.1:8322 -- DATA_FILE
--
-- DATA_FILE is Lua returning {pairs = {{session, csrf, agent_id, ticket_id, queue_id,
-- "url-encoded title"}, ...}}. done() prints the same JSON line as load.lua.

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("thread_id", counter)
   table.insert(threads, thread)
end

local data

function init(args)
   data = dofile(args[1])
   math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
end

function request()
   local p = data.pairs[math.random(#data.pairs)]
   local body = "comment=Refund+offered%3A+parcel+arrived+damaged&new_status=1&public=1" ..
      "&title=" .. p[6] .. "&owner=" .. p[3] .. "&priority=3&queue=" .. p[5] .. "&due_date="
   return wrk.format("POST", "/tickets/" .. p[4] .. "/update/", {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = "sessionid=" .. p[1] .. "; csrftoken=" .. p[2],
      ["X-CSRFToken"] = p[2],
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
