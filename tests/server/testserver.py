#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A static HTTP server for the tests, on 127.0.0.1, with Range support and
injectable faults. It prints its port on the first line of stdout.

  testserver.py ROOT [--port N] [--log FILE] [--connections FILE] [--tls CERT KEY]

Faults are chosen per request by a path prefix, so one server serves a good
repository and every kind of bad one:
  /_fault/404/...           404
  /_fault/500/...           500 every time
  /_fault/flaky/N/...       503 for the first N requests of that path, then the file
  /_fault/429/...           429 with Retry-After: 1, once per path, then the file
  /_fault/slow/BPS/...      the file, BPS bytes per second
  /_fault/endless/...       200 with no length and bytes forever
  /_fault/liar/...          Content-Length one larger than the file, then close
  /_fault/reset/N/...       send N bytes of the file, then reset the connection
  /_fault/redirect-loop/... 302 to itself
  /_fault/hold/...          accept, read the request, send nothing (until the test ends)
  /_fault/stall/N/...       the first N requests under it held like hold, then the files
  /_fault/portal/...        200 and an HTML page for every path (a captive portal)
  /_fault/with/NAME/...     the file once a request for a file named NAME has come
                            (before this one or while it waits), 409 if none came
                            within 10 s: a client asking for both at once gets both,
                            one that waits for this answer before asking for NAME
                            gets a 409 (behind nginx: HTTP/2 streams, test_launch_checks)
  /_fault/only/NAME/KIND/[ARG/]...  fault KIND (with its ARG) only for a file named
                            NAME, every other file served as is (one bad file in a
                            good repository: an endless timestamp.json, a slow target)
Every request is appended to --log as "METHOD PATH RANGE" lines, so tests can
assert the order of requests (TUF clients must fetch in the spec's order).
Every connection accepted is appended to --connections as one line, so tests
can count connections per check. With --tls it speaks https (bench/launch-net).
"""
import argparse
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNTS = {}
FAULT_ARGS = {"flaky": 1, "slow": 1, "reset": 1, "stall": 1, "with": 1}  # faults with an argument before the path
LOCK = threading.Lock()
ARRIVED = threading.Condition(LOCK)  # notified as each request's file name is noted in COUNTS


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."
    log_file = None
    connections_file = None

    def setup(self):
        super().setup()
        if self.connections_file:
            with LOCK, open(self.connections_file, "a") as f:
                f.write(f"{self.client_address[0]}:{self.client_address[1]}\n")

    def log_message(self, fmt, *args):  # quiet
        pass

    def record(self):
        if self.log_file:
            with LOCK, open(self.log_file, "a") as f:
                f.write(f"{self.command} {self.path} {self.headers.get('Range', '-')}\n")

    def count(self, key):
        with LOCK:
            COUNTS[key] = COUNTS.get(key, 0) + 1
            return COUNTS[key]

    def send_plain(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        self.record()
        parts = self.path.split("?")[0].split("/")
        with ARRIVED:
            COUNTS["arrived", parts[-1]] = COUNTS.get(("arrived", parts[-1]), 0) + 1
            ARRIVED.notify_all()
        if len(parts) > 2 and parts[1] == "_fault":
            return self.fault(parts[2], parts[3:])
        return self.serve("/".join(parts))

    def fault(self, kind, rest):
        if kind == "only" and len(rest) >= 3:
            name, inner, args = rest[0], rest[1], rest[2:]
            if args[-1] == name:
                return self.fault(inner, args)
            return self.serve("/" + "/".join(args[FAULT_ARGS.get(inner, 0):]))
        if kind == "404":
            return self.send_plain(404, b"not found")
        if kind == "500":
            return self.send_plain(500, b"broken")
        if kind == "flaky":
            n, path = int(rest[0]), "/" + "/".join(rest[1:])
            if self.count(("flaky", path)) <= n:
                return self.send_plain(503, b"try later")
            return self.serve(path)
        if kind == "429":
            path = "/" + "/".join(rest)
            if self.count(("429", path)) == 1:
                return self.send_plain(429, b"slow down", [("Retry-After", "1")])
            return self.serve(path)
        if kind == "slow":
            return self.serve("/" + "/".join(rest[1:]), rate=int(rest[0]))
        if kind == "endless":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"\0" * 65536)
            except OSError:
                return
        if kind == "liar":
            data = self.read("/" + "/".join(rest))
            self.send_response(200)
            self.send_header("Content-Length", str(len(data) + 1))
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True
            return
        if kind == "reset":
            n, data = int(rest[0]), self.read("/" + "/".join(rest[1:]))
            if data is None:
                return self.send_plain(404, b"not found")
            start = self.range_start(len(data))
            self.send_response(206 if start else 200)
            self.send_header("Content-Length", str(len(data) - start))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            if self.count(("reset", "/".join(rest))) == 1:
                self.wfile.write(data[start:start + n])
                self.wfile.flush()
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                # The socket's fd closes (and the RST goes) only once its
                # reader is closed too; until then the client would wait on
                # a silent connection for its slow-server cut-off.
                self.rfile.close()
                self.connection.close()
                self.close_connection = True
                return
            self.wfile.write(data[start:])
            return
        if kind == "redirect-loop":
            return self.send_plain(302, b"", [("Location", self.path)])
        if kind == "hold":
            time.sleep(3600)
        if kind == "stall":
            if self.count(("stall",)) <= int(rest[0]):
                time.sleep(3600)
            return self.serve("/" + "/".join(rest[1:]))
        if kind == "with":
            with ARRIVED:
                came = ARRIVED.wait_for(lambda: COUNTS.get(("arrived", rest[0]), 0) > 0, timeout=10)
            if not came:
                return self.send_plain(409, f"no request for {rest[0]} came with this one".encode())
            return self.serve("/" + "/".join(rest[1:]))
        if kind == "portal":
            return self.send_plain(200, b"<html><body>Log in to the hotel's Wi-Fi</body></html>",
                                   [("Content-Type", "text/html; charset=utf-8")])
        return self.send_plain(400, b"unknown fault")

    def read(self, path):
        full = os.path.realpath(os.path.join(self.root, path.lstrip("/")))
        if not full.startswith(os.path.realpath(self.root)) or not os.path.isfile(full):
            return None
        with open(full, "rb") as f:
            return f.read()

    def range_start(self, size):
        r = self.headers.get("Range")
        if r and r.startswith("bytes=") and r.endswith("-"):
            start = int(r[6:-1])
            if start < size:
                return start
        return 0

    def serve(self, path, rate=None):
        data = self.read(path)
        if data is None:
            return self.send_plain(404, b"not found")
        start = self.range_start(len(data))
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if self.command == "HEAD":
            return
        body = data[start:]
        if rate:
            try:
                for i in range(0, len(body), max(1, rate // 10)):
                    self.wfile.write(body[i:i + max(1, rate // 10)])
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
            return
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up (resets, caps, deadlines) are what the faults are for


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log")
    ap.add_argument("--connections")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = ap.parse_args()
    Handler.root = args.root
    Handler.log_file = args.log
    Handler.connections_file = args.connections
    server = Server(("127.0.0.1", args.port), Handler)
    if args.tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*args.tls)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
