"""bench/http_load.py's load against a stand-in wrk: the warm-up's report is thrown away and
never read, the measured run's is; a report without figures says which line it lacks."""

import contextlib
import io
import os
import stat
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "scripts"))
import http_load  # noqa: E402
from report import Report  # noqa: E402
from test_cost_and_wrk import WRK_REPORT  # noqa: E402

SETTINGS = {"threads": "1", "connections": "2", "duration": "1", "warmup": "1", "active": "2",
            "renewals": "3"}


class LoadTest(unittest.TestCase):
    def setUp(self):
        work = tempfile.TemporaryDirectory()
        self.addCleanup(work.cleanup)
        self.out = Path(work.name)
        # A wrk that prints the same report, with or without --latency, and logs its calls.
        self.calls = self.out / "calls"
        fake = self.out / "bin" / "wrk"
        fake.parent.mkdir()
        fake.write_text(f"#!/bin/sh\necho \"$*\" >> {self.calls}\ncat <<'EOF'\n{WRK_REPORT}EOF\n")
        fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
        path = f"{fake.parent}{os.pathsep}{os.environ.get('PATH', '')}"
        for patch in (mock.patch.dict(os.environ, PATH=path),
                      mock.patch.object(http_load, "shape", return_value="status=200")):
            patch.start()
            self.addCleanup(patch.stop)

    def test_the_warm_up_runs_first_and_only_the_measured_report_is_read(self):
        report = Report(self.out)
        with contextlib.redirect_stdout(io.StringIO()):
            result = http_load.load(report, "serve", os.getpid(), "http://127.0.0.1:1/", "t",
                                    SETTINGS, self.out)
        calls = self.calls.read_text().splitlines()
        self.assertEqual(len(calls), 2)
        self.assertNotIn("--latency", calls[0])
        self.assertIn("--latency", calls[1])
        self.assertEqual(result["requests"], 425055)
        self.assertEqual(report.values["http.serve.throughput_rps"], 28337.01)
        self.assertEqual((self.out / "wrk-serve.txt").read_text(), WRK_REPORT)

    def test_a_report_without_figures_names_the_line_it_lacks(self):
        with self.assertRaisesRegex(ValueError, "requests in"):
            http_load.parse_wrk("")


if __name__ == "__main__":
    unittest.main()
