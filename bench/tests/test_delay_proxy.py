"""bench/delay_proxy.py adds the round trip it is asked for: one for a new connection's
handshake, one per exchange after that, and counts connections per endpoint."""

import json
import socket
import subprocess
import sys
import threading
import time
import unittest
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH.parent / "scripts"))
from local_run import free_port, wait_for_port  # noqa: E402

RTT_MS = 30


def echo_server():
    listener = socket.create_server(("127.0.0.1", 0))

    def echo(connection):
        while data := connection.recv(65536):
            connection.sendall(data)

    def accept():
        while True:
            connection, _ = listener.accept()
            threading.Thread(target=echo, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1]


def exchange(connection):
    started = time.monotonic()
    connection.sendall(b"ping")
    assert connection.recv(16) == b"ping"
    return (time.monotonic() - started) * 1000


class DelayProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ports = [free_port(), free_port()]
        cls.stats = Path(f"/tmp/delay-proxy-test-{cls.ports[0]}.json")
        cls.proxy = subprocess.Popen([
            sys.executable, BENCH / "delay_proxy.py", "--upstream", f"127.0.0.1:{echo_server()}",
            "--listen", str(cls.ports[0]), "--listen", str(cls.ports[1]),
            "--rtt-ms", str(RTT_MS), "--stats", cls.stats])
        for port in cls.ports:
            wait_for_port(port)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.terminate()
        cls.proxy.wait()
        cls.stats.unlink(missing_ok=True)

    def test_a_new_connection_pays_the_handshake_then_one_round_trip_per_exchange(self):
        with socket.create_connection(("127.0.0.1", self.ports[0])) as connection:
            first = exchange(connection)
            later = [exchange(connection) for _ in range(3)]
        self.assertGreaterEqual(first, 2 * RTT_MS)
        self.assertLess(first, 2 * RTT_MS + 25)
        for took in later:
            self.assertGreaterEqual(took, RTT_MS)
            self.assertLess(took, RTT_MS + 25)

    def test_each_listening_port_counts_its_own_connections(self):
        time.sleep(0.7)  # the stats file is rewritten every half second
        before = json.loads(self.stats.read_text())
        for _ in range(2):
            with socket.create_connection(("127.0.0.1", self.ports[1])) as connection:
                exchange(connection)
        time.sleep(0.7)
        after = json.loads(self.stats.read_text())
        port = str(self.ports[1])
        self.assertEqual(after[port]["connections"] - before[port]["connections"], 2)
        self.assertGreaterEqual(after[port]["answer_ms"]["count"], 2)


if __name__ == "__main__":
    unittest.main()
