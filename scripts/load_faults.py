#!/usr/bin/env python3
"""Load with faults: `chatpass serve --secrets aws --store dynamodb:TABLE --jwks FILE` against a
moto on loopback, under steady wrk load on the token route, while moto (Secrets Manager and
DynamoDB both) is killed and, some seconds later, started again with its table and secret
re-created. Reports requests served, answers by status (and by second, around the outage),
and serve's memory: RSS before, peak during (VmHWM, reset after warm-up) and after.

Fails (exit 1) when an answer other than 200 or 503 is seen, when the outage shows no 503,
when no 200 comes back after moto does, or when serve dies. Loopback only; stops by itself.

Usage: .venv/bin/python scripts/load_faults.py   (scripts/test.sh runs a short one)
  LOAD_SECONDS (60)  OUTAGE_AT (15)  OUTAGE_SECONDS (15)  SETTLE_SECONDS (10)
  LOAD_CONNECTIONS (8)  LOAD_THREADS (1)
  CHATPASS_BIN (default: the dev build, built here)
"""

import collections
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import idp
import moto_provision
from local_run import ROOT, Children, cargo_build_dev, free_port, start_serve, status_kib

ISSUER = "https://idp.example.com/"
AUDIENCE = "chatpass-load"
TABLE = "chatpass-load"
PROJECT = "load-jsm"
CONFIG = {"vendor": "jsm-chat", "key": "jsm-chat-load-secret-0123456789abcdef"}


def knob(name, default):
    return int(os.environ.get(name, default))


def first_request(url, token):
    request = urllib.request.Request(url, method="POST", data=b"",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        urllib.request.urlopen(request, timeout=10).close()
    except urllib.error.HTTPError as e:
        return f"the first request answered {e.code}: {e.read().decode()}"
    return None


def counts_by_second(path):
    by_status, by_second = collections.Counter(), collections.defaultdict(collections.Counter)
    for line in Path(path).read_text().splitlines():
        key, n = line.split()
        second, status = (int(x) for x in key.split(":"))
        by_status[status] += int(n)
        by_second[second][status] += int(n)
    return by_status, by_second


def verdict(by_status, by_second, ready_at):
    """What went wrong, as sentences; empty when serve rode out the outage."""
    failures = []
    if set(by_status) - {200, 503}:
        failures.append(f"answers other than 200 and 503: {sorted(set(by_status) - {200, 503})}")
    if not by_status[503]:
        failures.append("no 503 while moto was down")
    last = max(by_second) if by_second else 0
    if ready_at + 2 > last:
        failures.append(f"moto was back only at {ready_at}s of {last}s: run longer (LOAD_SECONDS)")
    if not any(by_second[s][200] for s in range(int(ready_at) + 1, last + 1)):
        failures.append("no 200 after moto came back")
    return failures


def main():
    load_seconds, outage_at = knob("LOAD_SECONDS", 60), knob("OUTAGE_AT", 15)
    outage_seconds, settle_seconds = knob("OUTAGE_SECONDS", 15), knob("SETTLE_SECONDS", 10)
    connections, threads = knob("LOAD_CONNECTIONS", 8), knob("LOAD_THREADS", 1)
    binary = os.environ.get("CHATPASS_BIN") or cargo_build_dev() / "chatpass"

    with tempfile.TemporaryDirectory() as work, Children(work) as children:
        work = Path(work)
        moto_port, api_port = free_port(), free_port()
        moto, endpoint = moto_provision.start(children, moto_port)
        os.environ.update(moto_provision.sdk_environment(endpoint))
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)
        moto_provision.provision(endpoint, TABLE, {PROJECT: CONFIG})
        token = idp.make(work / "idp", ISSUER, AUDIENCE, lifetime=3600)

        serve = start_serve(children, binary, api_port, [
            "--secrets", "aws", "--store", f"dynamodb:{TABLE}", "--jwks", work / "idp" / "jwks.json",
            "--issuer", ISSUER, "--audience", AUDIENCE], env=dict(os.environ, RUST_LOG="error"))
        url = f"http://127.0.0.1:{api_port}/v1/projects/{PROJECT}/token"
        if problem := first_request(url, token):
            sys.exit(f"{problem}\n{serve.tail()}")

        lua = ROOT / "scripts" / "load_faults.lua"
        wrk_env = dict(os.environ, LOAD_TOKEN=token, LOAD_COUNTS=str(work / "warm-up.txt"))
        subprocess.run(["wrk", "-t1", "-c2", "-d3s", "-s", lua, url], env=wrk_env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        rss_before = status_kib(serve.pid, "VmRSS")
        Path(f"/proc/{serve.pid}/clear_refs").write_text("5")

        print(f"load: {load_seconds}s on POST /token, {connections} connections; "
              f"moto killed at {outage_at}s for {outage_seconds}s", flush=True)
        wrk_env["LOAD_COUNTS"] = str(work / "counts.txt")
        wrk_out = work / "wrk.txt"
        with open(wrk_out, "w") as out:
            wrk = subprocess.Popen(
                ["wrk", f"-t{threads}", f"-c{connections}", f"-d{load_seconds}s", "--timeout", "10s",
                 "--latency", "-s", lua, url], env=wrk_env, stdout=out, stderr=subprocess.STDOUT)
        started = time.monotonic()
        since = lambda: round(time.monotonic() - started, 1)  # noqa: E731
        samples, sampling = [], threading.Event()

        def sample():
            while not sampling.wait(1):
                samples.append(status_kib(serve.pid, "VmRSS"))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        time.sleep(max(0.0, started + outage_at - time.monotonic()))
        moto.stop(signal.SIGKILL)
        down_at = since()
        print(f"  {down_at}s: moto killed", flush=True)
        time.sleep(max(0.0, started + outage_at + outage_seconds - time.monotonic()))
        moto, _ = moto_provision.start(children, moto_port)
        up_at = since()
        print(f"  {up_at}s: moto answering again (empty)", flush=True)
        moto_provision.provision(endpoint, TABLE, {PROJECT: CONFIG})
        ready_at = since()
        print(f"  {ready_at}s: table and secret re-created", flush=True)
        wrk.wait()
        sampling.set()
        sampler.join()
        rss_peak = status_kib(serve.pid, "VmHWM")
        time.sleep(settle_seconds)
        rss_after = status_kib(serve.pid, "VmRSS")

        report = wrk_out.read_text().splitlines()
        print()
        if any("Latency Distribution" in line for line in report):
            start = next(i for i, line in enumerate(report) if "Latency Distribution" in line)
            print("\n".join(line for line in report[start:]
                            if not line.startswith(("Requests/sec", "Transfer/sec"))))
        print("\n".join(line for line in report
                        if any(k in line for k in ("requests in", "Socket errors", "Requests/sec"))))

        by_status, by_second = counts_by_second(work / "counts.txt")
        total = sum(by_status.values())
        print(f"\nanswers: {total}  " + "  ".join(f"{s}: {n}" for s, n in sorted(by_status.items())))
        print("by second (status: count):")
        for second in sorted(by_second):
            mark = (" <- moto down" if down_at < second + 1 and second < up_at
                    else " <- moto up, table not yet re-created"
                    if up_at < second + 1 and second < ready_at else "")
            print(f"  {second:3d}s  " + "  ".join(
                f"{s}: {n}" for s, n in sorted(by_second[second].items())) + mark)
        print(f"moto killed at {down_at}s, answering at {up_at}s, table and secret back at {ready_at}s")
        print(f"serve RSS: before {rss_before / 1024:.1f} MiB, peak {rss_peak / 1024:.1f} MiB (VmHWM), "
              f"after {rss_after / 1024:.1f} MiB; sampled each second under load: "
              f"{min(samples) / 1024:.1f}-{max(samples) / 1024:.1f} MiB")
        failures = verdict(by_status, by_second, ready_at)
        if not serve.alive():
            failures.append("chatpass serve died")
        for failure in failures:
            print(f"FAIL: {failure}")
        if failures:
            sys.exit(1)
        print("load-faults: ok")


if __name__ == "__main__":
    main()
