#!/usr/bin/env python3
"""Checks that every worked case of a reference vectors folder is in the repository's copy.

Usage: scripts/check_vectors.py REFERENCE_DIR [REPO_VECTORS_DIR]

For each JSON file of REFERENCE_DIR (this project's CI keeps one at ../shared/vectors), the
repository's file of the same name must exist, hold every reference case (matched by `name`,
or Wycheproof's `tcId`) with exactly the same content, and agree on every top-level member
other than the case lists. The repository's copy may hold more cases. Exits 1 on any drift.
"""

import json
import sys
from pathlib import Path


def cases(doc):
    """Each case by its key: `name` for chatpass's files, `tcId` (with its group) for Wycheproof."""
    if "testGroups" in doc:
        found = {}
        for group in doc["testGroups"]:
            shape = {k: v for k, v in group.items() if k != "tests"}
            for test in group["tests"]:
                found[f"tcId {test['tcId']}"] = {"group": shape, **test}
        return found
    return {case["name"]: case for case in doc.get("cases", [])}


def compare(name, reference, ours):
    problems = []
    for member, value in reference.items():
        if member in ("cases", "testGroups", "numberOfTests"):
            continue
        if ours.get(member) != value:
            problems.append(f"{name}: top-level `{member}` differs")
    theirs, mine = cases(reference), cases(ours)
    for key, case in theirs.items():
        if key not in mine:
            problems.append(f"{name}: case `{key}` is missing from the repository's copy")
        elif mine[key] != case:
            problems.append(f"{name}: case `{key}` differs from the reference")
    return problems, len(theirs)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    reference_dir = Path(sys.argv[1])
    repo_dir = Path(sys.argv[2]) if len(sys.argv) == 3 else Path(__file__).parent.parent / "vectors"
    problems, checked = [], 0
    for reference_file in sorted(reference_dir.glob("*.json")):
        ours_file = repo_dir / reference_file.name
        if not ours_file.is_file():
            problems.append(f"{reference_file.name}: not in {repo_dir}")
            continue
        found, count = compare(
            reference_file.name,
            json.loads(reference_file.read_text()),
            json.loads(ours_file.read_text()),
        )
        problems += found
        checked += count
    for problem in problems:
        print(f"vectors drift: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"vectors: all {checked} reference cases in {reference_dir} match the repository's copy")


if __name__ == "__main__":
    main()
