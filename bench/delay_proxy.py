#!/usr/bin/env python3
"""A TCP proxy on loopback that puts a network round trip between a client and a server: every
byte waits half the round trip each way, and a new connection's first bytes wait one round
trip more (the TCP handshake the client would have waited for). TLS passes through untouched.

    delay_proxy.py --upstream 127.0.0.1:PORT --listen PORT [--listen PORT ...] --rtt-ms 2
                   --stats FILE

Each --listen port is one "endpoint" (its own connections, as Secrets Manager and DynamoDB
are two hosts). FILE is rewritten (JSON) every half second and on SIGTERM: per port, the
connections opened, how late each forwarded chunk went out against its due time, and the
server's answer times (from the last byte sent to it to the first byte back). Stops on SIGTERM.
"""

import argparse
import json
import os
import queue
import signal
import socket
import sys
import threading
import time

SAMPLES = 100_000


class Endpoint:
    """One listening port and what was seen on it."""

    def __init__(self, port):
        self.port = port
        self.lock = threading.Lock()
        self.connections = 0
        self.late_ms = []
        self.answer_ms = []

    def note(self, samples, value):
        with self.lock:
            if len(samples) < SAMPLES:
                samples.append(value)

    def summary(self):
        with self.lock:
            return {"connections": self.connections, "late_ms": summarize(self.late_ms),
                    "answer_ms": summarize(self.answer_ms)}


def summarize(values):
    if not values:
        return None
    ordered = sorted(values)
    at = lambda q: round(ordered[round((len(ordered) - 1) * q)], 3)  # noqa: E731
    return {"count": len(ordered), "median": at(0.5), "p90": at(0.9), "p99": at(0.99),
            "max": round(ordered[-1], 3)}


class Connection:
    """A client connection and its upstream: two directions, each a reader and a sender."""

    def __init__(self, endpoint, client, upstream, one_way, handshake):
        self.endpoint, self.one_way, self.handshake = endpoint, one_way, handshake
        self.client, self.upstream = client, upstream
        self.lock = threading.Lock()
        self.sent_up_at = None  # when bytes last went to the server with no answer yet

    def run(self):
        for source, sink, up in ((self.client, self.upstream, True),
                                 (self.upstream, self.client, False)):
            chunks = queue.Queue()
            threading.Thread(target=self.read, args=(source, chunks, up), daemon=True).start()
            threading.Thread(target=self.send, args=(sink, chunks, up), daemon=True).start()

    def read(self, source, chunks, up):
        due = 0.0
        first = up
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            now = time.monotonic()
            if not up and data:
                with self.lock:
                    if self.sent_up_at is not None:
                        self.endpoint.note(self.endpoint.answer_ms, (now - self.sent_up_at) * 1e3)
                        self.sent_up_at = None
            due = max(due, now + self.one_way + (self.handshake if first else 0.0))
            first = False
            chunks.put((due, data))
            if not data:
                return

    def send(self, sink, chunks, up):
        while True:
            due, data = chunks.get()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.endpoint.note(self.endpoint.late_ms, (time.monotonic() - due) * 1e3)
            if up and data:
                with self.lock:
                    self.sent_up_at = time.monotonic()
            try:
                if not data:
                    sink.shutdown(socket.SHUT_WR)
                    return
                sink.sendall(data)
            except OSError:
                return


def serve(endpoint, upstream, one_way):
    listener = socket.create_server(("127.0.0.1", endpoint.port))
    while True:
        client, _ = listener.accept()
        try:
            server = socket.create_connection(upstream)
        except OSError:
            client.close()
            continue
        for s in (client, server):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with endpoint.lock:
            endpoint.connections += 1
        Connection(endpoint, client, server, one_way, 2 * one_way).run()


def write_stats(path, endpoints):
    temporary = f"{path}.tmp"
    with open(temporary, "w") as out:
        json.dump({str(e.port): e.summary() for e in endpoints}, out)
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="HOST:PORT")
    parser.add_argument("--listen", type=int, action="append", required=True)
    parser.add_argument("--rtt-ms", type=float, default=2.0)
    parser.add_argument("--stats", required=True)
    args = parser.parse_args()
    host, port = args.upstream.rsplit(":", 1)
    one_way = args.rtt_ms / 2000
    endpoints = [Endpoint(p) for p in args.listen]
    for endpoint in endpoints:
        threading.Thread(target=serve, args=(endpoint, (host, int(port)), one_way),
                         daemon=True).start()
    write_stats(args.stats, endpoints)
    signal.signal(signal.SIGTERM, lambda *_: (write_stats(args.stats, endpoints), sys.exit(0)))
    while True:
        time.sleep(0.5)
        write_stats(args.stats, endpoints)


if __name__ == "__main__":
    main()
