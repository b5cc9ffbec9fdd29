#!/usr/bin/env python3
"""Removes each statement of each function's role from template.yaml in turn, runs the deploy
rehearsal's main test against it, and prints which flow failed first (docs/security-testing.md,
"Deploy rehearsal"; the last run's table is in docs/records/security-runs.md). template.yaml is
restored at the end, whatever happens.

  scripts/drop_each_statement.py        (after scripts/test.sh has made .venv; ~15 s a statement)

A statement whose removal fails nothing is not needed and should go. The conditional KMS
statement (present only with SecretsKmsKeyArn) is listed but not run: moto's Secrets Manager
never calls KMS with the caller's credentials, so only a real account shows it is needed.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
TEST = "every_flow_runs_under_the_templates_own_roles_and_touches_only_what_they_name"
ITEM = "              - "  # a statement in a role's PolicyDocument


def statements(lines):
    """(role, label, first line, end line) of every statement of every role."""
    found, role, start, label = [], None, None, None
    for i, line in enumerate(lines + [""]):
        top = re.match(r"^  (\w+Role):$", line)
        ends = not line.startswith("              ") or line.startswith(ITEM)
        if start is not None and (ends or top):
            found.append((role, label, start, i))
            start = None
        if top:
            role = top.group(1)
        elif role and line.startswith(ITEM):
            sid = re.match(r"- Sid: (\w+)", line.strip())
            start, label = i, sid.group(1) if sid else line.strip()[2:]
        elif line and not line.startswith(" "):
            role = None
    return found


def first_failure(output):
    """`step` (function): its answer, and the call IAM refused."""
    step = re.search(r"step `([^`]+)` \(([\w-]+)\)", output)
    if not step:
        problem = re.search(r"panicked at [^\n]*\n(.*)", output)
        return problem.group(1) if problem else "(see the output)"
    answer = re.search(r"answered (\d+)", output)
    refused = re.search(r"DENIED: .*?perform: (\S+)", output)
    return (f"{step.group(2)}: `{step.group(1)}` answers "
            f"{answer.group(1) if answer else 'nothing'}; refused: "
            f"{refused.group(1) if refused else 'none'}")


def main():
    original = TEMPLATE.read_text()
    lines = original.splitlines()
    env = dict(os.environ, CHATPASS_MOTO_SERVER=str(ROOT / ".venv/bin/moto_server"))
    env.setdefault("CARGO_TARGET_DIR", str(ROOT / "target"))
    rows = []
    try:
        for role, label, start, end in statements(lines):
            if label.startswith("!If"):
                rows.append(f"| {role} | {label.split()[0]} (SecretsKmsKeyArn) | not run |")
                continue
            TEMPLATE.write_text("\n".join(lines[:start] + lines[end:]) + "\n")
            run = subprocess.run(
                ["cargo", "test", "-q", "-p", "chatpass-tests", "--test", "rehearsal", TEST],
                cwd=ROOT, env=env, capture_output=True, text=True)
            output = run.stdout + run.stderr
            outcome = "NOTHING FAILED" if run.returncode == 0 else first_failure(output)
            rows.append(f"| {role} | {label} | {outcome} |")
            print(rows[-1], flush=True)
    finally:
        TEMPLATE.write_text(original)
    print("\n| role | statement removed | first failure |\n|---|---|---|")
    print("\n".join(rows))
    return 1 if any("NOTHING FAILED" in row for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
