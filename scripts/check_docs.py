#!/usr/bin/env python3
"""The repository's documents hold together, and point at nothing a clone lacks:

1. every relative link in a tracked Markdown file (inline, reference or HTML) names a tracked
   file or folder, and its `#anchor` a heading of the Markdown file it names (GitHub's slugs);
2. no tracked file names a document that is not in the repository (the old contract and
   vendor notes), a path `../shared/...` that leaves the repository, or a tracker number (the
   word "issue" or a "#" followed by digits); the CI's optional cross-checks are the
   exceptions listed in ALLOWED;
3. README.md is at most README_MAX_LINES lines.

  check_docs.py [ROOT]      (default: the repository this script is in)

Prints one line per problem (path:line: what) and exits 1 if there is any. Standard library
only; scripts/tests/test_check_docs.py is its test.
"""

import os
import re
import subprocess
import sys
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

README_MAX_LINES = 220

# Files that are data, not prose: never scanned for names.
DATA_PREFIXES = ("fuzz/corpus/",)
# This checker names the forbidden patterns itself.
SELF = "scripts/check_docs.py"
# The CI's cross-checks against the reference folder it keeps beside the repository: these
# files (and no others) may name these paths outside it.
ALLOWED = {
    "scripts/test.sh": ("../shared/vectors", "../shared/advisory-db"),
    "scripts/check_vectors.py": ("../shared/vectors",),
}

ABSENT_DOCUMENT = re.compile(r"\b(?:DESIGN|VENDORS)\.md\b")
SHARED_PATH = re.compile(r"(?:\.\./)+shared\b[^\s\"'`)\]>,;:]*")
TRACKER_WORD = re.compile(r"\b(?:issues?|tickets?|PRs?|pull requests?)\s+#?\d+\b", re.IGNORECASE)
TRACKER_HASH = re.compile(r"(?<![\w$&{#/\\])#\d+(?![\w-])")
CSS_COLOUR = re.compile(r"#(?:\d{3}|\d{4}|\d{6}|\d{8})\b")
COLOUR_FILES = (".html", ".css", ".svg")

FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$")
HTML_LINK = re.compile(r"<(?:a|img)\b[^>]*?\s(?:href|src)=\"([^\"]*)\"", re.IGNORECASE)
HTML_ANCHOR = re.compile(r"<a\b[^>]*?\s(?:name|id)=\"([^\"]+)\"", re.IGNORECASE)
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")


def tracked_files(root):
    """The repository's tracked files (relative POSIX paths); every file outside build and
    tool folders when ROOT is not a git checkout."""
    if (root / ".git").exists():
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], check=True,
                             capture_output=True).stdout
        return sorted(p for p in out.decode().split("\0") if p and (root / p).is_file())
    skip = {".git", "target", "node_modules", ".aws-sam"}
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip and not d.startswith(".venv")]
        for name in files:
            found.append((Path(folder) / name).relative_to(root).as_posix())
    return sorted(found)


def slug(heading):
    """GitHub's anchor for a heading's text: inline markup dropped, lower case, punctuation
    other than `-` and `_` removed, spaces made hyphens."""
    text = CODE_SPAN.sub(lambda m: m.group(2), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text).replace("*", "")
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def outside_fences(text):
    """(line number, line) of a Markdown document outside its fenced code blocks."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        marker = FENCE.match(line)
        if fence:
            if marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence):
                fence = None
            continue
        if marker:
            fence = marker.group(1)
            continue
        yield number, line


def prose_lines(text):
    """Lines outside fenced code blocks, with inline code spans blanked."""
    for number, line in outside_fences(text):
        yield number, CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


def anchors(text):
    """Every anchor a Markdown document defines: its headings' slugs (repeats numbered as
    GitHub numbers them) and explicit HTML anchors."""
    seen, found = {}, set()
    for _, line in prose_lines(text):
        found.update(HTML_ANCHOR.findall(line))
    for _, line in outside_fences(text):
        heading = HEADING.match(line)
        if heading:
            base = slug(heading.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(text):
    """(line number, target) of every link in a Markdown document's prose."""
    for number, line in prose_lines(text):
        for pattern in (INLINE_LINK, HTML_LINK):
            for target in pattern.findall(line):
                yield number, target
        definition = REFERENCE_DEF.match(line)
        if definition:
            yield number, definition.group(1)


def resolve(base, target):
    """The repository path `target` names from the file at `base`, or None when it leaves the
    repository."""
    if target.startswith("/"):
        parts = PurePosixPath(target.lstrip("/")).parts
    else:
        parts = PurePosixPath(base).parent.joinpath(target).parts
    resolved = []
    for part in parts:
        if part == "..":
            if not resolved:
                return None
            resolved.pop()
        elif part not in (".", ""):
            resolved.append(part)
    return "/".join(resolved)


def check_links(root, files):
    problems = []
    folders = {str(PurePosixPath(f).parent) for f in files}
    folders |= {str(p) for f in files for p in PurePosixPath(f).parents}
    known = set(files)
    markdown = [f for f in files if f.endswith(".md")]
    cache = {}

    def anchors_of(path):
        if path not in cache:
            cache[path] = anchors((root / path).read_text(encoding="utf-8"))
        return cache[path]

    for path in markdown:
        text = (root / path).read_text(encoding="utf-8")
        for number, target in links(text):
            if not target or SCHEME.match(target):
                continue
            file_part, _, anchor = target.partition("#")
            file_part = unquote(file_part)
            if file_part:
                resolved = resolve(path, file_part)
                if resolved is None or (resolved not in known and resolved not in folders):
                    problems.append(f"{path}:{number}: link to `{target}`: no such file in the repository")
                    continue
            else:
                resolved = path
            if anchor and resolved.endswith(".md") and resolved in known:
                if unquote(anchor) not in anchors_of(resolved):
                    problems.append(f"{path}:{number}: link to `{target}`: no heading `#{anchor}` in {resolved}")
    return problems


def check_names(root, files):
    problems = []
    known = set(files)
    folders = {str(p) for f in files for p in PurePosixPath(f).parents}
    for path in files:
        if path == SELF or path.startswith(DATA_PREFIXES):
            continue
        try:
            text = (root / path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        allowed = ALLOWED.get(path, ())
        colours = path.endswith(COLOUR_FILES)
        for number, line in enumerate(text.splitlines(), 1):
            for name in ABSENT_DOCUMENT.findall(line):
                problems.append(f"{path}:{number}: names {name}, which is not in the repository")
            for reference in SHARED_PATH.findall(line):
                inside = resolve(path, reference.rstrip("."))
                if inside is not None and (inside in known or inside in folders):
                    continue
                if any(reference.startswith(a) for a in allowed):
                    continue
                problems.append(f"{path}:{number}: names `{reference}`, outside the repository")
            for mention in TRACKER_WORD.findall(line):
                problems.append(f"{path}:{number}: names a tracker number (`{mention}`)")
            for match in TRACKER_HASH.finditer(line):
                if colours and CSS_COLOUR.match(line, match.start()):
                    continue
                problems.append(f"{path}:{number}: names a tracker number (`{match.group(0)}`)")
    return problems


def check_readme(root):
    readme = root / "README.md"
    if not readme.is_file():
        return ["README.md: missing"]
    lines = len(readme.read_text(encoding="utf-8").splitlines())
    if lines > README_MAX_LINES:
        return [f"README.md: {lines} lines, more than {README_MAX_LINES}: move the detail to docs/"]
    return []


def problems_in(root):
    root = Path(root)
    files = tracked_files(root)
    return check_links(root, files) + check_names(root, files) + check_readme(root)


def main(argv):
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    problems = problems_in(root)
    for problem in problems:
        print(problem)
    markdown = sum(1 for f in tracked_files(root) if f.endswith(".md"))
    print(f"check_docs: {markdown} Markdown files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
