"""Reading the deployed section's cold starts against the floor's, start by start."""

import sys
import unittest
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "scripts"))
from deployed import cpu_above_floor  # noqa: E402


def line(init_cpu_ms, first_cpu_ms, failures=()):
    return {"failures": list(failures),
            "each": {"init_cpu_ms": init_cpu_ms, "first_response_cpu_ms": first_cpu_ms}}


class CpuAboveFloorTest(unittest.TestCase):
    def test_each_start_is_read_against_the_floors_start_beside_it(self):
        # The machine slowed down half way: the pairs see 0.1 ms each, the medians 1.05 ms.
        ours = line([3.6, 3.6, 5.6, 5.6], [4.6, 4.7, 6.6, 6.7])
        floor = line([3.5, 3.5, 5.5, 5.5], [4.5, 4.5, 6.5, 6.5])
        init, first = cpu_above_floor(ours, floor)
        self.assertAlmostEqual(init, 100.0)
        self.assertAlmostEqual(first, 150.0)

    def test_an_odd_number_of_starts_takes_the_middle_difference(self):
        init, _ = cpu_above_floor(line([4.0, 4.3, 3.9], [5, 5, 5]), line([4.0, 4.0, 4.0], [5, 5, 5]))
        self.assertAlmostEqual(init, 0.0)

    def test_no_figure_when_a_start_failed_or_no_start_was_measured(self):
        floor = line([3.5], [4.5])
        self.assertIsNone(cpu_above_floor(line([3.6], [4.6], failures=["timeout"]), floor))
        self.assertIsNone(cpu_above_floor(line([], []), floor))
        self.assertIsNone(cpu_above_floor(None, floor))


if __name__ == "__main__":
    unittest.main()
