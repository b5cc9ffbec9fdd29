-- The same token request spread over BENCH_PROJECTS projects (bench-01 ... bench-NN), in
-- turn, for counting Secrets Manager calls under load.
local token = os.getenv("BENCH_TOKEN")
local count = tonumber(os.getenv("BENCH_PROJECTS") or "50")
local headers = { ["Authorization"] = "Bearer " .. token, ["Origin"] = "https://www.example.com" }
local n = 0
request = function()
  n = n % count + 1
  return wrk.format("POST", string.format("/v1/projects/bench-%02d/token", n), headers)
end
