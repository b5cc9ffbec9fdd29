-- POST /v1/projects/acme-jsm/token with the run's identity token as bearer, from the page's
-- origin, no body: the same request for chatpass serve, the Node baseline and the floor.
-- The token comes from BENCH_TOKEN.
wrk.method = "POST"
wrk.path = "/v1/projects/acme-jsm/token"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.headers["Origin"] = "https://www.example.com"
