#!/usr/bin/env python3
"""The bench in one run, on this machine: chatpass against what brands write today (Node +
jsonwebtoken) and against the floor (a bare hyper server doing only the cryptography), in
process against raw HMAC, cold starts against an empty Rust Lambda, Secrets Manager
calls under load, jsonwebtoken's two crypto backends, and the functions as deployed: a 128,
256 and 512 MB Lambda's CPU share, TLS to AWS through a round trip, the SDK made ready during
init, each function beside its floor (bench/floor-lambda: the same SDK set-up and only the
work the function must do). Prints one line per figure and ends with one `ratios:` line.
Everything listens on 127.0.0.1 only, and every load run is bounded in time. How to read the
figures: BENCHMARKS.md; every run's record: docs/records/benchmark-runs.md.

    .venv/bin/python bench/run.py      (as root, for the CPU share's cgroup)

Knobs (environment): BENCH_OUT (bench/target/run) is where the outputs go; BENCH_TARGET_DIR
(bench/target) is the bench workspace's cargo target folder; BUILD=0 reuses the builds; SECTIONS (http jwt inprocess cold secrets deployed) runs only those; WRK_THREADS (1),
WRK_CONNECTIONS (32), WRK_DURATION (15 s), WRK_WARMUP (3 s); the HTTP load's users:
BENCH_IDENTITIES (20000 identity tokens), BENCH_ACTIVE (1000 signed in at a time),
BENCH_RENEWALS (12: each token's sign-in and renewals); COLD_RUNS (30); SECRETS_DURATION
(20 s), SECRETS_CONNECTIONS (16), SHORT_TTL (5 s); JWT_ITERATIONS (20000); CRITERION_ARGS;
QUIET_LOAD (0.7) and QUIET_WAIT_MINUTES (0: do not wait) to wait, after building, for the
1-minute load average to fall below QUIET_LOAD before measuring; BENCH_PROFILE (release; dev
builds everything, the handler benches included, in the debug profile for a quick smoke run,
figures not to be used; scripts/test.sh runs every section so). Each section's wall time is
printed as it ends. The deployed mode: MEMORY_SIZES (128 256 512), DEPLOYED_RUNS (10 cold
starts per bootstrap and model), DEPLOYED_WARM (1000), RTT_MS (2), CFS_PERIOD_MS (20),
CPU_CGROUP (/sys/fs/cgroup/cpu; none for no CPU share).
"""

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "scripts"))

import cold_start  # noqa: E402
import deployed  # noqa: E402
import http_load  # noqa: E402
import idp  # noqa: E402
import moto_provision  # noqa: E402
import secrets_load  # noqa: E402
from fixtures import (  # noqa: E402
    AUDIENCE, FUNCTIONS, ISSUER, JSM_KEY, ORIGIN, ROOT, TABLE, events, projects, sessions)
from local_run import Children, free_port, wait_for_url  # noqa: E402
from report import Report, fmt, load_1min, ratio, worst  # noqa: E402

SECTIONS = ("http", "jwt", "inprocess", "cold", "secrets", "deployed")


def knob(name, default):
    return os.environ.get(name, default)


def build(sections, profile, main_target, bench_target):
    """What the sections need, in `profile` (release, as measured; dev for a smoke run)."""
    def cargo(cwd, target, *args):
        subprocess.run(["nice", "-n", "10", "cargo", *args, "--quiet"], cwd=cwd, check=True,
                       env=dict(os.environ, CARGO_TARGET_DIR=str(target)))
    flags = ["--release"] if profile == "release" else []
    wanted = set(sections)
    print(f"# building ({profile} profile{': LTO, codegen-units 1' if flags else ''})", flush=True)
    main = (["chatpass"] if wanted & {"http", "secrets"} else []) + (
        FUNCTIONS if wanted & {"cold", "deployed"} else [])
    # Measured builds select the packages, as `sam build` does from each function's folder; a
    # dev run selects the workspace, as the tests' builds of the binaries do, to reuse them.
    if main:
        selection = [a for p in main for a in ("-p", p)] if flags else [
            "--workspace", *[a for p in main for a in ("--bin", p)]]
        cargo(ROOT, main_target, "build", *flags, *selection)
    if "inprocess" in wanted:
        cargo(ROOT, main_target, "bench", "--no-run", *HANDLER_BENCHES, *bench_profile(profile))
    bench = (["floor"] if wanted & {"http", "jwt"} else []) + (
        ["hello", "floor-lambda", "lambda-emu"] if wanted & {"cold", "deployed"} else [])
    if bench:
        cargo(BENCH, bench_target, "build", *flags, *[a for p in bench for a in ("-p", p)])
    if "http" in wanted:
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"],
                       cwd=BENCH / "baseline-node", check=True)


# issue-jwt's and hash-user's `handler` benches, selected through the whole workspace so that
# cargo unifies the features `cargo test --workspace` does and builds no dependency again.
HANDLER_BENCHES = ("--workspace", "--bench", "handler")


def bench_profile(profile):
    """`cargo bench`'s own profile (release's settings) unless the run is a dev smoke run."""
    return [] if profile == "release" else ["--profile", profile]


@contextlib.contextmanager
def timed(report, what):
    started = time.monotonic()
    yield
    report.note(f"{what} took {time.monotonic() - started:.1f} s")


def wait_for_quiet(quiet_load, minutes):
    deadline = time.time() + minutes * 60
    while minutes and load_1min() >= quiet_load and time.time() < deadline:
        time.sleep(30)


def http_section(report, children, chatpass, floor, tokens, out):
    settings = {"threads": knob("WRK_THREADS", "1"), "connections": knob("WRK_CONNECTIONS", "32"),
                "duration": knob("WRK_DURATION", "15"), "warmup": knob("WRK_WARMUP", "3"),
                "active": knob("BENCH_ACTIVE", "1000"), "renewals": knob("BENCH_RENEWALS", "12")}
    report.section(f"HTTP: POST /v1/projects/acme-jsm/token, wrk -t{settings['threads']} "
                   f"-c{settings['connections']} -d{settings['duration']}s after "
                   f"{settings['warmup']}s warm-up; {len(tokens)} users' identity tokens, "
                   f"{settings['active']} signed in at a time, each token sent "
                   f"{settings['renewals']} times (its sign-in and renewals)")
    (out / "tokens.txt").write_text("\n".join(tokens) + "\n")
    token = tokens[0]
    (out / "projects.json").write_text(json.dumps(
        {"acme-jsm": {"vendor": "jsm-chat", "key": JSM_KEY, "allowed_origins": [ORIGIN]}}))
    jwks = ["--jwks", out / "jwks.json", "--issuer", ISSUER, "--audience", AUDIENCE]
    results = {}
    servers = [
        ("serve", [chatpass, "serve", "--projects", out / "projects.json", *jwks]),
        ("node", ["node", BENCH / "baseline-node" / "server.js", None, out / "idp-public.pem",
                  ISSUER, AUDIENCE, JSM_KEY, ORIGIN]),
        ("floor", [floor, "serve", *jwks, "--key", JSM_KEY, "--backend", "aws-lc"]),
        ("floor-rust-crypto", [floor, "serve", *jwks, "--key", JSM_KEY, "--backend",
                               "rust-crypto"]),
    ]
    for label, argv in servers:
        port = free_port()
        argv = [port if a is None else a for a in argv]
        if label != "node":
            argv[2:2] = ["--addr", f"127.0.0.1:{port}"]
        server = children.start(label, argv, stdout_to_log=False)
        wait_for_url(f"http://127.0.0.1:{port}/", server)
        results[label] = http_load.load(report, label, server.pid,
                                        f"http://127.0.0.1:{port}/v1/projects/acme-jsm/token",
                                        token, settings, out)
        server.stop()
    return results


def jwt_section(report, floor, token, out):
    iterations = knob("JWT_ITERATIONS", "20000")
    report.section(f"jsonwebtoken backends in process: floor selftest (RS256 verify of the "
                   f"identity token, HS256 sign of the JSM token, {iterations} iterations)")
    for backend in ("aws-lc", "rust-crypto"):
        line = subprocess.run([floor, "selftest", "--backend", backend, "--token", token,
                               "--jwks", out / "jwks.json", "--issuer", ISSUER, "--audience",
                               AUDIENCE, "--key", JSM_KEY, "--iterations", iterations],
                              check=True, capture_output=True, text=True).stdout
        values = dict(part.split("=") for part in line.split() if "=" in part)
        report.figure(f"jwt.{backend}.rs256_verify_us", fmt(int(values["rs256_verify_ns"]) / 1000, 2))
        report.figure(f"jwt.{backend}.hs256_sign_us", fmt(int(values["hs256_sign_ns"]) / 1000, 2))


def inprocess_section(report, main_target, profile, out):
    args = knob("CRITERION_ARGS", "--warm-up-time 2 --measurement-time 5")
    report.section(f"handlers in process (criterion, {args})")
    with open(out / "criterion-handlers.txt", "w") as log:
        subprocess.run(["cargo", "bench", "--quiet", *HANDLER_BENCHES, *bench_profile(profile),
                        "--", *args.split()], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                       check=True, env=dict(os.environ, CARGO_TARGET_DIR=str(main_target)))

    def median_ns(name):
        estimates = main_target / "criterion" / name / "new" / "estimates.json"
        return json.loads(estimates.read_text())["median"]["point_estimate"]

    ratios = []
    for function, vendor in (("issue-jwt", "jsm-chat"), ("hash-user", "sprinklr")):
        handler, hmac = median_ns(f"handler {function} {vendor}"), median_ns(
            f"raw hmac-sha256 {vendor} input")
        ratios.append(round(handler / hmac, 1))
        report.figure(f"inprocess.{function}.handler_us", fmt(handler / 1000, 2))
        report.figure(f"inprocess.{function}.raw_hmac_us", fmt(hmac / 1000, 3))
        report.figure(f"inprocess.{function}.handler_vs_hmac", fmt(handler / hmac, 1))
    return fmt(max(ratios), 1)


def cold_section(report, emulator, bootstraps, fixture_events, runs, out):
    report.section(f"cold starts: {runs} starts of each bootstrap in turn against "
                   f"bench/lambda-emu (x86_64)")
    plan = [cold_start.plan_entry(name, bootstraps[name], fixture_events[name])
            for name in ["hello", *FUNCTIONS]]
    lines = cold_start.run(report, emulator, plan, out, "cold", cold_start.environment(), runs=runs)
    hello_init = lines["hello"]["init_ms"]["median"]
    ratios = []
    for name in ["hello", *FUNCTIONS]:
        line = lines[name]
        init, first = line["init_ms"], line["first_response_ms"]
        report.figure(f"cold.{name}.init_ms", init["median"],
                      f"(median; p90 {init['p90']}, min {init['min']})")
        report.figure(f"cold.{name}.first_response_ms", first["median"],
                      f"(median; p90 {first['p90']}; status "
                      f"{','.join(map(str, line['statuses']))}; ok {line['ok_runs']}/{runs})")
        if name != "hello":
            ratios.append(ratio(init["median"], hello_init))
            report.figure(f"cold.{name}.init_vs_hello", ratios[-1])
    return fmt(worst(ratios), 2)


def main():
    main_target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")).resolve()
    bench_target = Path(knob("BENCH_TARGET_DIR", BENCH / "target")).resolve()
    out = Path(knob("BENCH_OUT", bench_target / "run")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    sections = knob("SECTIONS", " ".join(SECTIONS)).split()
    if set(sections) - set(SECTIONS):
        sys.exit(f"SECTIONS: {sorted(set(sections) - set(SECTIONS))} unknown; {SECTIONS}")
    report = Report(out)
    profile = knob("BENCH_PROFILE", "release")
    if knob("BUILD", "1") == "1":
        with timed(report, "building"):
            build(sections, profile, main_target, bench_target)
    folder = "release" if profile == "release" else "debug"
    chatpass = main_target / folder / "chatpass"
    floor = bench_target / folder / "floor"
    emulator = bench_target / folder / "lambda-emu"
    bootstraps = (cold_start.bootstraps(out, main_target / folder, bench_target / folder)
                  if {"cold", "deployed"} & set(sections) else {})
    fixture_events = events(out)
    identities = int(knob("BENCH_IDENTITIES", "20000")) if "http" in sections else 1
    tokens = idp.make_many(out, ISSUER, AUDIENCE, identities, lifetime=3 * 3600)
    token = tokens[0]

    quiet_load = float(knob("QUIET_LOAD", "0.7"))
    wait_for_quiet(quiet_load, float(knob("QUIET_WAIT_MINUTES", "0")))
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "?"
    report.note(f"run {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} on {os.cpu_count()} "
                f"cores, commit {commit} (+ working tree), sections {' '.join(sections)}")
    if load_1min() >= quiet_load:
        report.note(f"NOT QUIET: the 1-minute load is {load_1min():.2f} (>= {quiet_load}) as "
                    f"measuring starts; other work shares the cores")

    found = {}
    with Children(out / "logs") as children:
        if "http" in sections:
            with timed(report, "section http"):
                http = http_section(report, children, chatpass, floor, tokens, out)
            found.update(
                throughput_vs_node=ratio(http["serve"]["rps"], http["node"]["rps"]),
                p99_vs_node=ratio(http["serve"]["p99_ms"], http["node"]["p99_ms"], 3),
                throughput_vs_floor=ratio(http["serve"]["rps"], http["floor"]["rps"]),
                p99_vs_floor=ratio(http["serve"]["p99_ms"], http["floor"]["p99_ms"]),
                rss_mib=fmt(http["serve"]["rss_kib"] / 1024, 1))
        if "jwt" in sections:
            with timed(report, "section jwt"):
                jwt_section(report, floor, token, out)
        if "inprocess" in sections:
            with timed(report, "section inprocess"):
                found["handler_vs_hmac"] = inprocess_section(report, main_target, profile, out)
        if {"cold", "secrets"} & set(sections):
            report.section("moto (Secrets Manager, DynamoDB) for the cold starts and the "
                           "secrets run")
            recording = out / "moto-requests.jsonl"
            moto, endpoint = moto_provision.start(children, free_port(), recording=recording)
            moto_provision.provision(endpoint, TABLE, projects(), sessions())
            saved = dict(os.environ)
            os.environ.update(moto_provision.sdk_environment(endpoint, TABLE))
            if "cold" in sections:
                with timed(report, "section cold"):
                    found["cold_start_vs_hello"] = cold_section(
                        report, emulator, bootstraps, fixture_events,
                        int(knob("COLD_RUNS", "30")), out)
            if "secrets" in sections:
                settings = {"threads": knob("WRK_THREADS", "1"),
                            "connections": knob("SECRETS_CONNECTIONS", "16"),
                            "duration": int(knob("SECRETS_DURATION", "20"))}
                report.section(f"secrets on the hot path: serve --secrets aws --store "
                               f"dynamodb:{TABLE} against moto")
                with timed(report, "section secrets"):
                    for label, ttl in (("default-ttl", 300),
                                       ("short-ttl", int(knob("SHORT_TTL", "5")))):
                        secrets_load.run(report, label, ttl, chatpass, children, endpoint,
                                         recording, token, out / "jwks.json", settings, out)
            os.environ.clear()
            os.environ.update(saved)
            moto.stop()
        if "deployed" in sections:
            with timed(report, "section deployed"):
                found.update(deployed.run(report, deployed.Settings(os.environ), bootstraps,
                                          fixture_events, emulator, children, out))

    report.ratios([(name, found.get(name)) for name in (
        "throughput_vs_node", "p99_vs_node", "throughput_vs_floor", "p99_vs_floor",
        "cold_start_vs_hello", "handler_vs_hmac", "rss_mib", "first_answer_128mb_vs_hello",
        "warm_p99_128mb_vs_hello", "init_128mb_vs_hello", *[
            f"{figure}_{memory}_vs_floor" for memory in ("128mb", "shipped")
            for figure in ("first_answer", "warm_p50", "warm_p99", "init")])])
    if report.failures:
        sys.exit(f"bench: {len(report.failures)} failure(s) above; the figures are not to be used")


if __name__ == "__main__":
    main()
