"""moto servers forked from one Python that has already imported moto: what the Rust tests'
harness (tests/src/moto.rs) starts instead of a fresh `moto_server` per test.

Importing moto costs about a second of CPU; a test run starts moto over a hundred times. This
process pays for the import once, then forks one server per request, each `moto.server.main`
in its own process, port, working folder and state, exactly as `moto_server` would run.

Commands, one per line on stdin, each answered with one line on stdout:

    start PORT FOLDER   a server on 127.0.0.1:PORT, working in FOLDER (its log `moto.log`,
                        its request recording `requests.jsonl`) -> "started PID"
    stop PID            SIGKILL, then reaped: the port is closed when it answers -> "stopped"
    poll PID            -> "running", or "exited STATUS" (the server died)

The first line it writes is "ready". When stdin closes (the tests are done or died), every
server still running is killed and it exits.
"""

import ctypes
import os
import signal
import sys

# Read by moto's recorder when it is imported: every server records each request into
# requests.jsonl in its own working folder.
os.environ["MOTO_ENABLE_RECORDING"] = "true"
os.environ["MOTO_RECORDER_FILEPATH"] = "requests.jsonl"

import moto.server  # noqa: E402
from moto.backends import get_backend  # noqa: E402

# The services the tests call, imported before any fork rather than in every server.
for service in ("secretsmanager", "dynamodb", "iam", "sts", "s3", "cloudformation", "lambda", "logs"):
    get_backend(service)

PR_SET_PDEATHSIG = 1


def serve(port, folder):
    """In the forked child: moto's own server until killed, dying with this process."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.chdir(folder)
    log = os.open("moto.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    try:
        moto.server.main(["-H", "127.0.0.1", "-p", port])
    finally:
        os._exit(1)


def answer(servers, command):
    # The folder is the rest of the line: it may hold spaces.
    match command.split(" ", 2):
        case ["start", port, folder]:
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                serve(port, folder)
            servers.add(pid)
            return f"started {pid}"
        case ["stop", pid]:
            pid = int(pid)
            if pid in servers:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                servers.discard(pid)
            return "stopped"
        case ["poll", pid]:
            pid = int(pid)
            if pid not in servers:
                return "exited unknown"
            done, status = os.waitpid(pid, os.WNOHANG)
            if done == 0:
                return "running"
            servers.discard(pid)
            return f"exited {os.waitstatus_to_exitcode(status)}"
    return f"error: unknown command {command!r}"


def main():
    servers = set()
    print("ready", flush=True)
    try:
        for line in sys.stdin:
            print(answer(servers, line.strip()), flush=True)
    finally:
        for pid in servers:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
