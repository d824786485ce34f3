-- wrk script of bench/http_bench.py: requests as the logged-in demo learner.
--
--   LMS_BENCH_COOKIE='lms_session=…' [LMS_BENCH_IF_NONE_MATCH='"etag"'] \
--     wrk -t1 -c8 -d10s -s bench/wrk_session.lua http://127.0.0.1:5000/my-learning [-- count]
--
-- LMS_BENCH_COOKIE: the Cookie header (the session of a login; empty for the bare app).
-- LMS_BENCH_IF_NONE_MATCH: sent as If-None-Match (a repeated view that has the page).
-- "count" after "--": count the responses per status. Without it wrk skips parsing the
-- responses (no response() callback), which keeps the load generator cheap.
-- done() prints one line, "WRK_JSON {…}", that bench/http_bench.py reads.

local cookie = os.getenv("LMS_BENCH_COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
local etag = os.getenv("LMS_BENCH_IF_NONE_MATCH")
if etag and etag ~= "" then
  wrk.headers["If-None-Match"] = etag
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

statuses = {}

function init(args)
  if args[1] ~= "count" then
    response = nil
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "max": %d}, "statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    table.concat(parts, ", ")))
end
