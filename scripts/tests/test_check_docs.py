"""scripts/check_docs.py against small made-up repositories: each rule must be able to fail."""

import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import check_docs  # noqa: E402

# Built from parts, so that this file names none of them itself.
ABSENT = "DESIGN" + ".md"
OUTSIDE = "../" + "shared"
TRACKER = "issue" + " 15"
HASH = "#"


class CheckDocs(unittest.TestCase):
    def repo(self, files):
        """A folder (not a git checkout) holding `files` and a short README."""
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        root = Path(folder.name)
        files = {"README.md": "# x\n", **files}
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        return check_docs.problems_in(root)

    def test_a_link_to_a_file_and_heading_that_exist_passes(self):
        problems = self.repo({
            "docs/a.md": "# A\n\n## The `serve` flags\n\n## Repeat\n\n## Repeat\n",
            "docs/b.md": "[a](a.md#the-serve-flags), [again](a.md#repeat-1), [up](../README.md), "
                         "[folder](../docs/), [web](https://example.com/x.md), [self](#b)\n\n# B\n",
        })
        self.assertEqual(problems, [])

    def test_a_link_to_a_missing_file_fails(self):
        problems = self.repo({"docs/b.md": "see [gone](gone.md)\n"})
        self.assertEqual(len(problems), 1)
        self.assertIn("docs/b.md:1: link to `gone.md`", problems[0])

    def test_a_link_to_a_missing_heading_fails(self):
        problems = self.repo({"docs/a.md": "# A\n", "docs/b.md": "[a](a.md#nowhere)\n"})
        self.assertEqual(len(problems), 1)
        self.assertIn("no heading `#nowhere` in docs/a.md", problems[0])

    def test_a_reference_link_leaving_the_repository_fails(self):
        problems = self.repo({"docs/b.md": "[x][y]\n\n[y]: ../../elsewhere.md\n"})
        self.assertEqual(len(problems), 1)

    def test_links_and_headings_inside_code_are_not_read(self):
        problems = self.repo({
            "docs/b.md": "```sh\n# not a heading\nsee [gone](gone.md)\n```\n`[gone](gone.md)`\n"
                         "[h](#not-a-heading)\n",
        })
        self.assertEqual(len(problems), 1)
        self.assertIn("#not-a-heading", problems[0])

    def test_a_file_naming_an_absent_document_fails_in_any_language(self):
        problems = self.repo({"src/lib.rs": f"//! The config ({ABSENT} \"Project config\").\n"})
        self.assertEqual(len(problems), 1)
        self.assertIn("src/lib.rs:1", problems[0])

    def test_a_tracker_number_fails_but_names_like_it_do_not(self):
        problems = self.repo({
            "bench/run.py": f"# measured for {TRACKER}\n",
            "notes.md": "the issue-jwt function; PKCS#8; r#\"x\"#; ${#list[@]}; page#12\n",
            "page.html": "body { color: " + HASH + "333; background: " + HASH + "1d2430 }\n",
            "more.md": "fixed in " + HASH + "12.\n",
        })
        self.assertEqual(sorted(p.split(":")[0] for p in problems), ["bench/run.py", "more.md"])

    def test_a_path_leaving_the_repository_fails_unless_it_is_a_listed_cross_check(self):
        problems = self.repo({
            "shared/signing/lib.rs": "",
            "fuzz/Cargo.toml": f'chatpass-signing = {{ path = "{OUTSIDE}/signing" }}\n',
            "scripts/test.sh": f"python3 scripts/check_vectors.py {OUTSIDE}/vectors\n",
            "vectors/README.md": f"CI keeps a copy at `{OUTSIDE}/vectors`.\n",
        })
        self.assertEqual(len(problems), 1)
        self.assertIn("vectors/README.md:1", problems[0])

    def test_a_long_readme_fails(self):
        problems = self.repo({"README.md": "line\n" * (check_docs.README_MAX_LINES + 1)})
        self.assertEqual(len(problems), 1)
        self.assertIn("README.md: 221 lines", problems[0])


if __name__ == "__main__":
    unittest.main()
