"""Processes on loopback for the scripts and the bench: free ports, waiting for a port or a URL
to answer, and a set of child processes that are all stopped (by their own pid) on the way out.

    with Children(work_dir) as children:
        port = free_port()
        serve = children.start("serve", [binary, "serve", "--addr", f"127.0.0.1:{port}"])
        wait_for_port(port, serve)
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def status_kib(pid, field):
    """A size in /proc/<pid>/status, in KiB: `VmRSS` now, `VmHWM` the peak so far."""
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Child:
    """A started process, its name and the file its output goes to."""

    def __init__(self, name, process, log):
        self.name, self.process, self.log = name, process, log

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process.poll() is None

    def tail(self, lines=20):
        try:
            return "\n".join(Path(self.log).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM):
        """Stops the process by its pid and waits for it."""
        if self.alive():
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.wait()


class Children:
    """Child processes whose output goes to `work/<name>.log`; every one still running is
    stopped when the `with` block ends, however it ends."""

    def __init__(self, work):
        self.work = Path(work)
        self.work.mkdir(parents=True, exist_ok=True)
        self.started = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for child in reversed(self.started):
            child.stop()

    def start(self, name, argv, env=None, cwd=None, stdout_to_log=True):
        """Starts `argv`; its stderr (and stdout, unless `stdout_to_log` is false: then it is
        discarded, as a server's request log under load would cost disk writes) to the log."""
        log = self.work / f"{name}.log"
        with open(log, "ab") as out:
            process = subprocess.Popen(
                [str(a) for a in argv], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                stdout=out if stdout_to_log else subprocess.DEVNULL, stderr=out)
        child = Child(name, process, log)
        self.started.append(child)
        return child


def _wait(answers, what, child, seconds):
    """Until `answers()` is true; fails with the child's log if it exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answers():
            return
        if child is not None and not child.alive():
            sys.exit(f"{child.name} exited before {what}:\n{child.tail()}")
        time.sleep(0.05)
    sys.exit(f"no {what} after {seconds} s"
             + (f"; {child.name}'s log:\n{child.tail()}" if child else ""))


def wait_for_port(port, child=None, seconds=20):
    """Until something accepts on 127.0.0.1:port."""
    def accepts():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False
    _wait(accepts, f"listening on 127.0.0.1:{port}", child, seconds)


def wait_for_url(url, child=None, seconds=20, context=None):
    """Until an HTTP(S) GET of `url` gets any answer (an error status counts)."""
    def answers():
        try:
            urllib.request.urlopen(url, timeout=1, context=context).close()
        except urllib.error.HTTPError:
            pass
        except OSError:
            return False
        return True
    _wait(answers, f"answer from {url}", child, seconds)


def cargo_build_dev():
    """`cargo build` of the workspace's binaries (dev profile) into CARGO_TARGET_DIR (default
    target/); the folder of the binaries. The whole workspace is selected, as the tests' own
    builds of the binaries are, so that cargo unifies the same features and reuses what they
    built."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    subprocess.run(["cargo", "build", "--quiet", "--workspace", "--bins"], cwd=ROOT, check=True)
    return target / "debug"


def start_serve(children, binary, port, args, env=None, name="serve", stdout_to_log=True):
    """`chatpass serve --addr 127.0.0.1:PORT ARGS...`, waited for until it listens."""
    serve = children.start(name, [binary, "serve", "--addr", f"127.0.0.1:{port}", *args], env=env,
                           stdout_to_log=stdout_to_log)
    wait_for_port(port, serve)
    return serve
