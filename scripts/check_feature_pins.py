#!/usr/bin/env python3
"""Checks that the binaries' build reuses every dependency the tests' build compiled.

Usage: scripts/check_feature_pins.py   (from the repository root, after `cargo test --workspace`)

Cargo unifies features over the packages a command selects, and only a build with a test in it
turns on the dev-dependencies' features. `cargo build --workspace --bins` (the tests' own build
of the binaries, and `cargo lambda watch`'s) would then compile the crates those features
reach, and every crate above them, the AWS SDK included, a second time. tests/Cargo.toml pins
those features; this check fails, naming the crates, when a dependency's build differs between
`cargo test --workspace --no-run` and `cargo build --workspace --bins`: a new dev-dependency
turned on a feature that needs a pin there.
"""

import json
import subprocess
import sys


def dependency_builds(*args):
    """The library files of every dependency (not a workspace package) a cargo command builds,
    by crate name."""
    out = subprocess.run(
        ["cargo", *args, "--quiet", "--message-format=json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    builds = {}
    for line in out.splitlines():
        message = json.loads(line)
        if message.get("reason") != "compiler-artifact":
            continue
        if message["package_id"].startswith("path+") or "custom-build" in message["target"]["kind"]:
            continue
        name = message["target"]["name"]
        builds.setdefault(name, set()).update(message["filenames"])
    return builds


def main():
    tests = dependency_builds("test", "--workspace", "--no-run")
    binaries = dependency_builds("build", "--workspace", "--bins")
    again = sorted(
        name for name, files in binaries.items() if not files <= tests.get(name, set())
    )
    if again:
        print(
            f"`cargo build --workspace --bins` compiles {len(again)} dependencies apart from "
            f"`cargo test --workspace`: {', '.join(again)}. A dev-dependency turns on a feature "
            "the binaries' build does not: pin it in tests/Cargo.toml (see its comment).",
            file=sys.stderr,
        )
        return 1
    print(f"the binaries' build reuses the tests' {len(binaries)} dependencies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
