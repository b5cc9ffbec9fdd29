-- wrk script of scripts/load_faults.py: POST token with the identity token (LOAD_TOKEN);
-- counts answers by second and status, written to LOAD_COUNTS as "second:status count" lines.
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LOAD_TOKEN")
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {} ; started = os.time() end
function response(status, headers, body)
  local key = string.format("%d:%d", os.time() - started, status)
  counts[key] = (counts[key] or 0) + 1
end
function done(summary, latency, requests)
  local out = io.open(os.getenv("LOAD_COUNTS"), "w")
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts")) do out:write(key, " ", n, "\n") end
  end
  out:close()
end
