#!/usr/bin/env python3
"""parliament on each role's policies (rehearsal_stack.py policies), and the suppressions kept
honest: every checkov or parliament skip in the transformed template's Metadata has a reason,
and SECURITY.md lists each one (its id and the resource on one line).

  template_checks.py TEMPLATE_JSON POLICIES_JSON SECURITY_MD

Runs in the static checks' own venv (.venv-checks: checkov pins a boto3 the SAM CLI cannot
share). Exits 1 with every unsuppressed finding or unlisted suppression.
"""

import json
import sys
from pathlib import Path

from parliament import analyze_policy_string


def parliament_findings(policies):
    problems, skipped = [], 0
    for policy in policies:
        skips = {s["id"] for s in policy["skip"]}
        analyzed = analyze_policy_string(json.dumps(policy["document"]),
                                         include_community_auditors=True)
        for finding in analyzed.findings:
            if finding.issue in skips:
                skipped += 1
                continue
            problems.append(f"parliament: {policy['role']} {policy['policy']}: {finding.issue} "
                            f"{finding.detail}")
    return problems, skipped


def suppressions(template, security):
    problems, listed = [], 0
    lines = security.splitlines()
    for logical, resource in template["Resources"].items():
        for tool in ("checkov", "parliament"):
            for skip in resource.get("Metadata", {}).get(tool, {}).get("skip", []):
                if not str(skip.get("comment", "")).strip():
                    problems.append(f"{logical}: the {tool} skip {skip['id']} gives no reason")
                if not any(skip["id"] in line and logical in line for line in lines):
                    problems.append(f"SECURITY.md does not list {logical}'s skip of {skip['id']}")
                listed += 1
    return problems, listed


def main():
    template = json.loads(Path(sys.argv[1]).read_text())
    policies = json.loads(Path(sys.argv[2]).read_text())
    security = Path(sys.argv[3]).read_text()
    problems, skipped = parliament_findings(policies)
    unlisted, listed = suppressions(template, security)
    problems += unlisted
    for problem in problems:
        print(problem)
    print(f"parliament: {len(policies)} policies, {skipped} findings suppressed; "
          f"{listed} suppressions in the template's Metadata")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
