"""The cost line's arithmetic and the reading of wrk's report."""

import sys
import unittest
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "scripts"))
import cost  # noqa: E402
from http_load import parse_wrk, wrk_ms  # noqa: E402

WRK_REPORT = """Running 15s test @ http://127.0.0.1:1/v1/projects/acme-jsm/token
  1 threads and 32 connections
  Latency Distribution
     50%    1.02ms
     75%    1.30ms
     90%  812.00us
     99%    2.19s
  425055 requests in 15.00s, 205.12MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  28337.01
Transfer/sec:     13.67MB
"""


class CostTest(unittest.TestCase):
    def test_a_million_2_ms_invocations_at_128_mb_are_250_gb_seconds(self):
        self.assertAlmostEqual(cost.gb_seconds_per_million(128, 2.0), 250.0)
        duration, requests = cost.usd_per_million(128, 2.0)
        self.assertAlmostEqual(duration, 250 * 0.0000133334)
        self.assertEqual(requests, 0.20)

    def test_doubling_the_memory_doubles_the_gb_seconds_at_the_same_duration(self):
        self.assertAlmostEqual(cost.gb_seconds_per_million(256, 3.0),
                               2 * cost.gb_seconds_per_million(128, 3.0))


class WrkTest(unittest.TestCase):
    def test_reads_requests_throughput_percentiles_and_errors(self):
        self.assertEqual(parse_wrk(WRK_REPORT), {
            "requests": 425055, "rps": 28337.01, "p50_ms": 1.02, "p99_ms": 2190.0, "errors": 7})

    def test_latencies_in_every_unit_become_ms(self):
        self.assertAlmostEqual(wrk_ms("812.00us"), 0.812)
        self.assertAlmostEqual(wrk_ms("1.5s"), 1500.0)


if __name__ == "__main__":
    unittest.main()
