"""The bench's output: one `name=value` line per figure, `# ` lines for notes and sections, all
also kept in OUT/figures.txt; and the arithmetic the figures share (ratios, worst of several)."""

import datetime
import os


class Report:
    def __init__(self, out):
        self.path = out / "figures.txt"
        self.path.write_text("")
        self.values = {}
        self.failures = []

    def _line(self, line):
        print(line, flush=True)
        with open(self.path, "a") as out:
            out.write(line + "\n")

    def figure(self, name, value, note=None):
        self.values[name] = value
        self._line(f"{name}={value}" + (f" {note}" if note else ""))

    def note(self, text):
        self._line(f"# {text}")

    def section(self, title):
        self.note(f"{title} ({now()}, loadavg {loadavg()})")

    def fail(self, what):
        """Something that makes the run's figures wrong: said now, and the run exits 1."""
        self.failures.append(what)
        self.note(f"FAILED: {what}")

    def ratios(self, pairs):
        """The last line: `ratios: a=x b=y ...` (a ratio that was not measured reads `-`)."""
        self._line("ratios: " + " ".join(f"{k}={'-' if v is None else v}" for k, v in pairs))


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def load_1min():
    return os.getloadavg()[0]


def fmt(value, digits=3):
    return f"{value:.{digits}f}"


def ratio(a, b, digits=2):
    """a / b formatted, or None when either is missing."""
    if a is None or b is None or b == 0:
        return None
    return fmt(a / b, digits)


def worst(values):
    """The largest of the values that were measured, or None."""
    present = [float(v) for v in values if v is not None]
    return max(present) if present else None
