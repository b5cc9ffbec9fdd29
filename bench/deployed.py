"""The deployed-Lambda mode of the cold-start bench: each bootstrap under the Runtime
API emulator held to a memory size's share of one vCPU, Secrets Manager and DynamoDB reached
over TLS through a round trip, and the SDK's set-up tried at first use, awaited in init and in
the background.

- TLS: bench/tls_front.py serves HTTPS with keep-alive (moto's own server closes every
  connection, AWS's endpoints do not) with a chain shaped like AWS's (bench/tls_ca.py) and
  passes each request to moto; the functions trust it through SSL_CERT_FILE (this machine's
  roots plus the bench's root, as the SDK's rustls client reads native roots), and reach each
  service at its own address (AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL_DYNAMODB), so
  each is its own connection.
- The round trip: bench/delay_proxy.py on loopback between the functions and moto, one
  listening port per service.
- CPU: lambda-emu --cpu-cgroup, M/1769 of one vCPU per CFS period, either only while an
  invocation is handled ("unthrottled-init", init at full speed as AWS runs it) or from exec
  on ("throttled-init").
- The floor: beside each function, bench/floor-lambda doing only the work that function must
  (FLOOR_WORK), its SDK made ready during init as chatpass's is, in the same plan and run; the
  `*_vs_floor` ratios read each function against its own floor.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

import cold_start
import cost
import moto_provision
import template_doc
import tls_ca
from fixtures import FUNCTIONS, TABLE, projects, sessions
from local_run import free_port, wait_for_port
from report import fmt, ratio, worst

# The SDK's set-up as shipped: made ready during init, awaited (shared/service/src/aws.rs).
# Chosen over three others (on first use with an HTTPS client per SDK client or one shared,
# and during init in a background task), measured at commit 250b541, where the temporary knob
# CHATPASS_BENCH_SDK_DESIGN selected them (docs/records/benchmark-runs.md, 2026-11-28).
SHIPPED = "init"  # the design's name in the figures' names
MODELS = ("unthrottled-init", "throttled-init")
# What each function's floor does per request (bench/floor-lambda/src/work.rs).
FLOOR_WORK = {"issue-jwt": "token", "hash-user": "user-hash",
              "user-details-callback": "user-details", "logout-webhook": "logout"}
# The figures read against the floor: (name, cold figure's index or warm figure's index).
AGAINST_FLOOR = (("first_answer", "cold", 1), ("warm_p50", "warm", 0),
                 ("warm_p99", "warm", 1), ("init", "cold", 0))


def floor_name(function):
    return f"floor-{function}"


class Settings:
    def __init__(self, env):
        self.memory_sizes = [int(m) for m in env.get("MEMORY_SIZES", "128 256 512").split()]
        self.runs = int(env.get("DEPLOYED_RUNS", "10"))
        self.warm = int(env.get("DEPLOYED_WARM", "1000"))
        self.rtt_ms = float(env.get("RTT_MS", "2"))
        self.period_us = int(float(env.get("CFS_PERIOD_MS", "20")) * 1000)
        cgroup = env.get("CPU_CGROUP", "/sys/fs/cgroup/cpu")
        # "none": no CPU share (where cgroup v1's cpu controller or root is missing); every
        # start runs at full speed, and the throttled figures and ratios are not measured.
        self.cgroup = None if cgroup == "none" else cgroup
        self.models = MODELS if self.cgroup else ("full-cpu",)

    def cpu(self, memory, model):
        """lambda-emu's options for the CPU share of `memory` under `model`."""
        if not self.cgroup:
            return {"memory_mb": memory}
        return {"memory_mb": memory, "cpu_cgroup": self.cgroup, "cfs_period_us": self.period_us,
                "init": model.split("-")[0]}


def environment(tls, secrets_url, dynamodb_url):
    """What a deployed function's environment holds, pointed at the bench's "AWS"."""
    env = cold_start.environment(
        **moto_provision.sdk_environment(table=TABLE),
        AWS_SESSION_TOKEN="bench-session-token",
        AWS_ENDPOINT_URL_SECRETS_MANAGER=secrets_url,
        AWS_ENDPOINT_URL_DYNAMODB=dynamodb_url,
        SSL_CERT_FILE=str(tls.bundle))
    return cold_start.without(env, "AWS_ENDPOINT_URL")


def proxy_stats(path):
    time.sleep(0.7)  # the proxy rewrites its file every half second
    return json.loads(path.read_text())


def run(report, settings, bootstraps, events, emulator, children, out):
    """The section's figures; returns the `ratios:` line's entries (None where not measured):
    the worst function against hello at 128 MB, and against its floor at 128 MB and at the
    MemorySize template.yaml ships it with."""
    out = out / "deployed"
    out.mkdir(exist_ok=True)
    tls = tls_ca.make(out / "tls")
    moto_port, front_port = free_port(), free_port()
    # Without the cycle collector: its pauses fell on whichever function ran first in the plan
    # (docs/records/benchmark-runs.md, 2026-12-06 night).
    _, endpoint = moto_provision.start(children, moto_port, name="moto-deployed",
                                       cyclic_gc=False)
    moto_provision.provision(endpoint, TABLE, projects(), sessions())
    here = os.path.dirname(__file__)
    front = children.start("tls-front", [
        sys.executable, os.path.join(here, "tls_front.py"), "--listen", front_port,
        "--upstream", f"127.0.0.1:{moto_port}", "--cert", tls.chain, "--key", tls.key])
    wait_for_port(front_port, front)
    ports = {"secretsmanager": free_port(), "dynamodb": free_port()}
    stats_file = out / "delay-proxy.json"
    proxy = children.start("delay-proxy", [
        sys.executable, os.path.join(here, "delay_proxy.py"),
        "--upstream", f"127.0.0.1:{front_port}", "--rtt-ms", settings.rtt_ms,
        "--stats", stats_file, *[a for p in ports.values() for a in ("--listen", p)]])
    for port in ports.values():
        wait_for_port(port, proxy)
    env = environment(tls, f"https://127.0.0.1:{ports['secretsmanager']}",
                      f"https://127.0.0.1:{ports['dynamodb']}")
    tables = Tables(endpoint)
    if not settings.cgroup:
        report.note("NO CPU SHARE (CPU_CGROUP=none): every start at full speed")
    report.note(f"AWS over TLS with keep-alive (bench/tls_front.py before moto): an RSA-2048 "
                f"chain (server + intermediate), "
                f"{tls_ca.count_certificates(tls.bundle)} roots in SSL_CERT_FILE; "
                f"a {settings.rtt_ms:g} ms round trip per exchange, one more per new connection; "
                f"CFS period {settings.period_us} us, quota M/1769 of it")

    check_connections(report, settings, bootstraps, events, emulator, env, out, ports, stats_file,
                      tables)
    found = {}
    for memory in settings.memory_sizes:
        for model in settings.models:
            found[(memory, model)] = cold(report, settings, memory, model, bootstraps, events,
                                          emulator, env, out, tables)
        found[(memory, "warm")] = warm(report, settings, memory, bootstraps, events, emulator,
                                       env, out, tables)
    stats = proxy_stats(stats_file)
    for service, port in ports.items():
        s = stats[str(port)]
        report.figure(f"deployed.proxy.{service}.connections", s["connections"])
        if s["late_ms"] and s["answer_ms"]:
            report.figure(f"deployed.proxy.{service}.late_ms", s["late_ms"]["median"],
                          f"(how late a chunk left against its due time: median; "
                          f"p99 {s['late_ms']['p99']})")
            report.figure(f"deployed.proxy.{service}.moto_answer_ms", s["answer_ms"]["median"],
                          f"(the front and moto's time to their first byte back: median; "
                          f"p90 {s['answer_ms']['p90']})")
    first, warm_p99, init = ratios_128(found, settings)
    ratios = dict(first_answer_128mb_vs_hello=first, warm_p99_128mb_vs_hello=warm_p99,
                  init_128mb_vs_hello=init)
    ratios.update(against_floor(report, found, settings))
    return ratios


class Tables:
    """A fresh state table for each plan entry of an emulator run, deleted after it: moto copies
    a whole table for every transaction (the logout's), so a table that grew over the run
    would make each later transaction slower, which DynamoDB's are not."""

    def __init__(self, endpoint):
        self.endpoint, self.made = endpoint, 0

    def run(self, report, emulator, entries, out, label, env, **options):
        names = []
        for entry in entries:
            self.made += 1
            names.append(f"{TABLE}-{self.made}")
            moto_provision.create_table(self.endpoint, names[-1], sessions())
            entry.setdefault("env", {})["CHATPASS_TABLE"] = names[-1]
        try:
            return cold_start.run(report, emulator, entries, out, label, env, **options)
        finally:
            for name in names:
                moto_provision.delete_table(self.endpoint, name)


def plan(bootstraps, events):
    """hello, then each function as shipped and its floor, in turn."""
    entries = [cold_start.plan_entry("hello", bootstraps["hello"], events["hello"])]
    for name in FUNCTIONS:
        entries.append(cold_start.plan_entry(f"{name}@{SHIPPED}", bootstraps[name], events[name]))
        entries.append(cold_start.plan_entry(floor_name(name), bootstraps["floor-lambda"],
                                             events[name], env={"FLOOR_WORK": FLOOR_WORK[name]}))
    return entries


def check_connections(report, settings, bootstraps, events, emulator, env, out, ports, stats_file,
                      tables):
    """Connections a cold start opens (issue-jwt, one start after an unmeasured one): the
    warm-up's connection is the one the first request uses, or it is not."""
    name = f"issue-jwt@{SHIPPED}"
    before = proxy_stats(stats_file)
    entry = cold_start.plan_entry(name, bootstraps["issue-jwt"], events["issue-jwt"])
    tables.run(report, emulator, [entry], out, f"connections-{SHIPPED}", env, runs=1,
               **settings.cpu(settings.memory_sizes[0], settings.models[0]))
    after = proxy_stats(stats_file)
    opened = {s: (after[str(p)]["connections"] - before[str(p)]["connections"]) / 2
              for s, p in ports.items()}
    if not all(opened.values()):
        sys.exit(f"deployed: {name} reached no TLS endpoint through the proxy "
                 f"({opened}); see {out}/lambda-connections-{SHIPPED}.log")
    report.figure(f"deployed.connections_per_cold_start.{SHIPPED}",
                  " ".join(f"{s}={n:g}" for s, n in opened.items()), "(issue-jwt)")


def cold(report, settings, memory, model, bootstraps, events, emulator, env, out, tables):
    """Init and first answer of every bootstrap at `memory` under `model`."""
    report.section(f"deployed: {memory} MB, {model}, {settings.runs} cold starts each")
    lines = tables.run(report, emulator, plan(bootstraps, events), out,
                       f"{memory}mb-{model}", env, runs=settings.runs, **settings.cpu(memory, model))
    prefix = f"deployed.{memory}mb.{model}"
    found = {}
    for name, line in lines.items():
        if not line["init_ms"]:
            report.figure(f"{prefix}.{name}.init_ms", "-", f"(failed: {line['failures'][:1]})")
            continue
        init, first = line["init_ms"], line["first_response_ms"]
        cpu = (line["init_cpu_ms"] or {}).get("median"), (line["first_response_cpu_ms"] or {}).get("median")
        report.figure(f"{prefix}.{name}.init_ms", init["median"],
                      f"(median; p90 {init['p90']}; CPU {cpu[0]} ms; throttled "
                      f"{line['throttled_ms']['median']} ms per start; ok {line['ok_runs']}/{line['runs']})")
        report.figure(f"{prefix}.{name}.first_answer_ms", first["median"],
                      f"(median; p90 {first['p90']}; CPU {cpu[1]} ms by then; status "
                      f"{','.join(map(str, line['statuses']))})")
        found[name] = (init["median"], first["median"])
    for function in FUNCTIONS:
        above = cpu_above_floor(lines.get(f"{function}@{SHIPPED}"), lines.get(floor_name(function)))
        if above:
            report.figure(f"{prefix}.{function}.cpu_above_floor_us",
                          f"{above[0]:+.0f} / {above[1]:+.0f}",
                          "(by the end of init / by the first answer: the median over each start "
                          "less its floor's start beside it)")
    names = [f"{f}@{SHIPPED}" for f in FUNCTIONS]
    report.figure(f"{prefix}.{SHIPPED}.worst_init_ms", worst(found.get(n, (None,))[0] for n in names))
    report.figure(f"{prefix}.{SHIPPED}.worst_first_answer_ms",
                  worst(found.get(n, (None, None))[1] for n in names))
    return found


def cpu_above_floor(line, floor_line):
    """The CPU (µs) a function's cold starts used above its floor's, by the end of init and by
    the first answer: each start paired with the floor's start after it (lambda-emu starts a
    plan's entries in turn, so a slow minute falls on both), the median of the differences;
    None where either has no starts or one failed (the pairs would not line up)."""
    if not line or not floor_line or line["failures"] or floor_line["failures"]:
        return None
    ours, floors = line["each"], floor_line["each"]

    def median_difference(key):
        pairs = [1000 * (a - b) for a, b in zip(ours[key], floors[key])]
        return statistics.median(pairs) if pairs else None

    init, first = median_difference("init_cpu_ms"), median_difference("first_response_cpu_ms")
    return None if init is None or first is None else (init, first)


def warm(report, settings, memory, bootstraps, events, emulator, env, out, tables):
    """Warm durations, peak RSS and the cost line of each bootstrap, as shipped, at `memory`."""
    report.section(f"deployed: {memory} MB, {settings.warm} warm invocations each "
                   f"(the share on while each is handled)")
    entries = plan(bootstraps, events)
    lines = tables.run(report, emulator, entries, out, f"{memory}mb-warm", env, runs=0,
                       warm=settings.warm, **settings.cpu(memory, settings.models[0]))
    found = {}
    for name, line in lines.items():
        function = name.split("@")[0]
        prefix = f"deployed.{memory}mb.{function}"
        w = line["warm"]
        if "failure" in w:
            report.figure(f"{prefix}.warm_p99_ms", "-", f"(failed: {w['failure']})")
            continue
        d = w["duration_ms"]
        report.figure(f"{prefix}.warm_p50_ms", d["median"], f"(mean {d['mean']})")
        report.figure(f"{prefix}.warm_p99_ms", d["p99"],
                      f"(over {w['invocations']}; max {d['max']}; throttled {fmt(w['throttled_ms'], 1)} "
                      f"ms in all; status {','.join(map(str, w['statuses']))})")
        cpu, share = w["cpu_ms"], line["cpu"]
        allows = f"{share['quota_us'] / 1000:g} ms per CFS period" if share else "no CPU share"
        report.figure(f"{prefix}.warm_cpu_ms", cpu["median"],
                      f"(CPU per invocation, delivery to response: median; p99 {cpu['p99']}; "
                      f"{allows})")
        report.figure(f"{prefix}.peak_rss_mib", fmt(w["peak_rss_kib"] / 1024, 1))
        duration, requests = cost.usd_per_million(memory, w["billed_ms_mean"])
        report.figure(f"{prefix}.usd_per_million", fmt(duration + requests, 4),
                      f"(duration {fmt(duration, 4)} for "
                      f"{fmt(cost.gb_seconds_per_million(memory, w['billed_ms_mean']), 1)} GB-s "
                      f"at a billed mean of {fmt(w['billed_ms_mean'], 2)} ms + requests "
                      f"{fmt(requests, 2)})")
        found[function] = (d["median"], d["p99"])
    return found


def ratios_128(found, settings):
    """first_answer (worst model), warm p99 and init (throttled-init) of the worst function
    as shipped, against hello's, at 128 MB."""
    if 128 not in settings.memory_sizes or not settings.cgroup:
        return None, None, None
    shipped = [f"{f}@{SHIPPED}" for f in FUNCTIONS]

    def against_hello(model, which):
        figures = found[(128, model)]
        hello = figures.get("hello", (None, None))[which]
        return worst(ratio(figures.get(n, (None, None))[which], hello, 3) for n in shipped)

    first = worst(against_hello(m, 1) for m in MODELS)
    warm_figures = found[(128, "warm")]
    hello = warm_figures.get("hello", (None, None))[1]
    warm_p99 = worst(ratio(warm_figures.get(f, (None, None))[1], hello, 3) for f in FUNCTIONS)
    init = against_hello("throttled-init", 0)
    return tuple(None if v is None else fmt(v, 2) for v in (first, warm_p99, init))


def shipped_memory():
    """Each function's MemorySize as template.yaml ships it."""
    doc = template_doc.load()
    default = doc.get("Globals", {}).get("Function", {}).get("MemorySize")
    return {Path(r["Properties"]["CodeUri"]).name: r["Properties"].get("MemorySize", default)
            for r in doc["Resources"].values() if r.get("Type") == "AWS::Serverless::Function"}


def function_against_floor(found, settings, memory, function):
    """{figure: ratio} of `function` as shipped against its floor at `memory` (the cold figures
    the worse of the models), or None where either was not measured."""
    if (memory, "warm") not in found:
        return {name: None for name, _, _ in AGAINST_FLOOR}
    ours = {"cold": f"{function}@{SHIPPED}", "warm": function}
    ratios = {}
    for name, kind, index in AGAINST_FLOOR:
        runs = ([found[(memory, m)] for m in settings.models] if kind == "cold"
                else [found[(memory, "warm")]])
        ratios[name] = worst(
            ratio(figures.get(ours[kind], (None, None))[index],
                  figures.get(floor_name(function), (None, None))[index], 3)
            for figures in runs)
    return ratios


def against_floor(report, found, settings):
    """Each function against its floor at every memory size, and the `ratios:` line's worst
    function at 128 MB and at its shipped MemorySize (None without the CPU share)."""
    per = {(memory, f): function_against_floor(found, settings, memory, f)
           for memory in settings.memory_sizes for f in FUNCTIONS}
    for (memory, function), ratios in per.items():
        for name, value in ratios.items():
            report.figure(f"deployed.{memory}mb.{function}.{name}_vs_floor",
                          "-" if value is None else fmt(value, 2))
    shipped = shipped_memory()
    line = {}
    for label, memory_of in (("128mb", lambda f: 128), ("shipped", shipped.get)):
        for name, _, _ in AGAINST_FLOOR:
            values = {f: per.get((memory_of(f), f), {}).get(name) for f in FUNCTIONS}
            measured = {f: v for f, v in values.items() if v is not None}
            key = f"{name}_{label}_vs_floor"
            if not measured or not settings.cgroup:
                line[key] = None
                continue
            function = max(measured, key=measured.get)
            line[key] = fmt(measured[function], 2)
            unmeasured = sorted(set(FUNCTIONS) - set(measured))
            report.figure(f"deployed.{label}.{name}_vs_floor", line[key],
                          f"(worst: {function} at {memory_of(function)} MB"
                          + (f"; not measured: {', '.join(unmeasured)})" if unmeasured else ")"))
    return line
