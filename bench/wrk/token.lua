-- POST /v1/projects/acme-jsm/token from the page's origin, no body, with identity tokens as
-- pages send them: the tokens of BENCH_TOKENS_FILE (one per line) taken by a window of
-- BENCH_ACTIVE signed-in users in turn, each user's token sent BENCH_RENEWALS times (its
-- sign-in, then its widget token's renewals) before the window moves on to the next users.
-- With no file, every request carries the one token of BENCH_TOKEN. The same requests for
-- chatpass serve, the Node baseline and the floor.
wrk.method = "POST"
wrk.path = "/v1/projects/acme-jsm/token"
wrk.headers["Origin"] = "https://www.example.com"

local tokens = {}
local file = os.getenv("BENCH_TOKENS_FILE")
if file and file ~= "" then
  for line in io.lines(file) do
    if line ~= "" then tokens[#tokens + 1] = line end
  end
else
  tokens[1] = os.getenv("BENCH_TOKEN")
end
local active = math.min(tonumber(os.getenv("BENCH_ACTIVE") or "1000"), #tokens)
local renewals = tonumber(os.getenv("BENCH_RENEWALS") or "12")
local headers = { ["Origin"] = "https://www.example.com" }
local n = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

-- Each wrk thread starts its own run of users.
function init(args)
  n = ((id or 1) - 1) * active * renewals
end

request = function()
  -- Within a window: user n % active; each window serves active * renewals requests.
  local window = math.floor(n / (active * renewals))
  local index = (window * active + n % active) % #tokens + 1
  n = n + 1
  headers["Authorization"] = "Bearer " .. tokens[index]
  return wrk.format("POST", wrk.path, headers)
end
