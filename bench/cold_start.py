"""Starting bootstraps under bench/lambda-emu: the plan (which binary, which event, which extra
environment) and one run of the emulator, its JSON lines read back by name."""

import json
import os
import subprocess

from fixtures import FUNCTIONS, WEBHOOK_SECRET

# The bench's own Lambdas, built in bench/: the empty one and the floor.
BENCH_LAMBDAS = ["hello", "floor-lambda"]


def plan_entry(name, bootstrap, event, env=None):
    entry = {"name": name, "bin": str(bootstrap), "event": str(event)}
    if "logout-webhook" in name:
        entry["webhook_secret"] = WEBHOOK_SECRET
    if env:
        entry["env"] = env
    return entry


def bootstraps(out, main_binaries, bench_binaries):
    """Each function's binary as the `bootstrap` a provided.al2023 Lambda runs (x86_64 here;
    the deployed ones are arm64), a link to the build, and beside them the hello-world Lambda
    and the functions' floor (bench/floor-lambda)."""
    paths = {}
    for name in [*BENCH_LAMBDAS, *FUNCTIONS]:
        source = (bench_binaries if name in BENCH_LAMBDAS else main_binaries) / name
        if not source.exists():
            raise SystemExit(f"{source} is not built (BUILD=0 reuses the builds)")
        target = out / "lambda" / name / "bootstrap"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        target.symlink_to(source.resolve())
        paths[name] = target
    return paths


def run(report, emulator, plan, out, label, env, **options):
    """lambda-emu over `plan` with `--option value` for each option; {name: JSON line}. A start
    that failed or answered other than 200 fails the run."""
    plan_file = out / f"plan-{label}.json"
    plan_file.write_text(json.dumps(plan, indent=1))
    argv = [str(emulator), "--plan", str(plan_file), "--log", str(out / f"lambda-{label}.log")]
    for option, value in options.items():
        argv += [f"--{option.replace('_', '-')}", str(value)]
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    (out / f"lambda-{label}.jsonl").write_text(result.stdout)
    if result.returncode != 0:
        raise SystemExit(f"lambda-emu ({label}) failed: {result.stderr.strip()}")
    lines = {}
    for line in result.stdout.splitlines():
        summary = json.loads(line)
        name = summary["name"]
        warm = summary.get("warm") or {}
        statuses = set(summary["statuses"]) | set(warm.get("statuses", []))
        if summary["failures"] or "failure" in warm:
            report.fail(f"{label}: {name}: {summary['ok_runs']}/{summary['runs']} starts; "
                        f"{(summary['failures'] + [warm.get('failure')])[0]} "
                        f"(log: lambda-{label}.log)")
        elif statuses - {200}:
            report.fail(f"{label}: {name} answered {sorted(statuses)}")
        lines[name] = summary
    return lines


def without(env, *names):
    return {k: v for k, v in env.items() if k not in names}


def environment(**extra):
    """This process's environment plus `extra`, without SSL_CERT_DIR: provided.al2023 sets none
    (its roots are one bundle file); this machine sets it, which would make the SDK read every
    file in /etc/ssl/certs as well."""
    return without(dict(os.environ, **extra), "SSL_CERT_DIR")
