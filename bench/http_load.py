"""HTTP load with wrk on one server at a time: the answer's shape checked first, a warm-up, then
the measured run; throughput, latency percentiles, errors, the server's CPU per request and its
peak RSS, parsed from wrk's report and /proc."""

import base64
import json
import os
import re
import subprocess
import urllib.error
import urllib.request

from fixtures import ORIGIN
from local_run import status_kib
from report import fmt

WRK = os.path.join(os.path.dirname(__file__), "wrk")


def shape(url, token):
    """What a server answers to the token request: status, JSON paths, the JSM token's claims."""
    request = urllib.request.Request(url, method="POST", data=b"", headers={
        "Authorization": f"Bearer {token}", "Origin": ORIGIN})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as e:
        return f"status={e.code} answer={e.read()[:200]!r}"
    doc = json.loads(body)
    claims = json.loads(base64.urlsafe_b64decode(doc["settings"]["token"].split(".")[1] + "=="))
    exact = set(doc) == {"vendor", "settings", "expires_at"} and set(doc["settings"]) == {"token"}
    paths = (",".join([f"vendor={doc['vendor']}", "settings.token", "expires_at"]) if exact
             else ",".join(sorted(doc)))
    return f"status={status} answer={paths} claims={'+'.join(claims)}"


def cpu_ticks(pid):
    """The process's user + system CPU time so far, in clock ticks."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wrk_ms(value):
    """wrk's latency (`812.00us`, `1.02ms`, `1.20s`) in ms."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(text):
    """requests, requests/s, p50 and p99 in ms, and errors (non-2xx + socket errors); a report
    without them (wrk failed, or its output went elsewhere) is a ValueError naming the line."""
    def find(pattern, default=None):
        match = re.search(pattern, text, re.M)
        if match:
            return match.group(1)
        if default is None:
            raise ValueError(f"wrk's report has no line matching {pattern!r}: {text[:200]!r}")
        return default
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return {
        "requests": int(find(r"^\s*(\d+) requests in")),
        "rps": float(find(r"^Requests/sec:\s*([\d.]+)")),
        "p50_ms": wrk_ms(find(r"^\s*50%\s+(\S+)")),
        "p99_ms": wrk_ms(find(r"^\s*99%\s+(\S+)")),
        "errors": int(find(r"Non-2xx or 3xx responses: (\d+)", 0))
                  + (sum(int(n) for n in socket.groups()) if socket else 0),
    }


def wrk_argv(url, threads, connections, seconds, script):
    return ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
            "-s", os.path.join(WRK, script), url]


def wrk(url, out_file, threads, connections, seconds, script, env):
    """One measured run, its report kept in `out_file` and read back."""
    argv = wrk_argv(url, threads, connections, seconds, script)
    argv.insert(1, "--latency")
    with open(out_file, "w") as out:
        subprocess.run(argv, env=env, stdout=out, stderr=subprocess.STDOUT, check=True)
    with open(out_file) as report:
        return parse_wrk(report.read())


def warm_up(url, threads, connections, seconds, script, env):
    """Load before a measured run; its report is not kept, so not read."""
    subprocess.run(wrk_argv(url, threads, connections, seconds, script), env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, check=True)


def load(report, label, pid, url, token, settings, out):
    """One server's figures under `wrk` after a warm-up; returns them for the ratios."""
    report.figure(f"http.{label}.answer", shape(url, token))
    env = dict(os.environ, BENCH_TOKEN=token, BENCH_TOKENS_FILE=str(out / "tokens.txt"),
               BENCH_ACTIVE=settings["active"], BENCH_RENEWALS=settings["renewals"])
    threads, connections = settings["threads"], settings["connections"]
    warm_up(url, threads, connections, settings["warmup"], "token.lua", env)
    before = cpu_ticks(pid)
    result = wrk(url, out / f"wrk-{label}.txt", threads, connections, settings["duration"],
                 "token.lua", env)
    ticks = cpu_ticks(pid) - before
    result["rss_kib"] = status_kib(pid, "VmHWM")
    report.figure(f"http.{label}.requests", result["requests"])
    report.figure(f"http.{label}.throughput_rps", result["rps"])
    report.figure(f"http.{label}.p50_ms", fmt(result["p50_ms"]))
    report.figure(f"http.{label}.p99_ms", fmt(result["p99_ms"]))
    report.figure(f"http.{label}.errors", result["errors"])
    cpu_us = ticks * 1e6 / os.sysconf("SC_CLK_TCK") / result["requests"]
    report.figure(f"http.{label}.cpu_us_per_request", fmt(cpu_us, 1),
                  "(the server's user+system CPU time / requests)")
    report.figure(f"http.{label}.peak_rss_mib", fmt(result["rss_kib"] / 1024, 1))
    return result
