#!/usr/bin/env python3
"""The TLS end of the bench's "AWS": HTTPS with keep-alive in front of a plain-HTTP moto.
moto's server (werkzeug's) closes the connection after every answer, which AWS's endpoints do
not; a client would pay a new TCP and TLS handshake per call. This front keeps each client's
connection open, as AWS does, and passes every request to moto on a connection of its own.

    tls_front.py --listen PORT --upstream 127.0.0.1:MOTO_PORT --cert CHAIN.pem --key KEY.pem
"""

import argparse
import http.client
import http.server
import socket
import ssl

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None

    def setup(self):
        # In the connection's own thread, so a slow client's handshake holds up no other.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request.do_handshake()
        super().setup()

    def forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        connection = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            answer = connection.getresponse()
            payload = answer.read()
        finally:
            connection.close()
        head = [f"HTTP/1.1 {answer.status} {answer.reason}"]
        head += [f"{k}: {v}" for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
        head.append(f"Content-Length: {len(payload)}")
        # One write, one TLS record: headers and body in two small writes would wait on the
        # peer's delayed ACK (Nagle).
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="HOST:PORT of moto (plain HTTP)")
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    args = parser.parse_args()
    host, port = args.upstream.rsplit(":", 1)
    Front.upstream = (host, int(port))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.listen), Front)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    server.serve_forever()


if __name__ == "__main__":
    main()
