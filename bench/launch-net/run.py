#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/launch-net: what the update check at launch adds to a start, in each
network condition (issue 23). Time from starting the launcher to the app's
first instruction (the test app's --stamp: CLOCK_MONOTONIC at the top of
main()), against starting the app directly, with no update available; p50
and p95 over RUNS starts each, and the requests and connections the server
saw per start.

  bench/launch-net/run.py [RUNS]        (default 30; the build: BL_BENCH_BUILD
                                         or build/gcc)

Everything is on 127.0.0.1: tests/server/testserver.py (http, and https
with --tls, HTTP/1.1 only), nginx with docs/deploy.md's server block (https
with HTTP/2; requests and connections from its access log), a private CA
made by docs/deploy.md's commands, a delaying
TCP proxy in this process for the added round-trip times (each direction
holds data RTT/2; a new connection's first bytes wait one more RTT, its TCP
handshake), and plain listeners that accept and never answer (http: a
request that gets no answer; https: a TLS handshake that never ends). The
unresolvable name is looked up from a network namespace of the launcher's
own with no interface up (unshare -rn), so no query leaves the machine; its
time includes unshare's own start (the "app directly, offline" row). Every start but the "within the interval" row first
removes cache/last-check, so it checks. The raw record goes to
bench/results/ (bench/record.py); bench/table.py makes the table."""
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "bench"))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "server"))
os.environ.setdefault("BL_BUILD_DIR", os.environ.get("BL_BENCH_BUILD", os.path.join(SRC, "build", "gcc")))
os.environ.setdefault("BL_SOURCE_DIR", SRC)
import record  # noqa: E402
from blrepo import Publisher, seed_install  # noqa: E402
from blroot import Root  # noqa: E402
from test_nginx_config import (NginxProcess, doc_config, free_port, make_certificates,  # noqa: E402
                               replace_in_doc)

TESTSERVER = os.path.join(SRC, "tests", "server", "testserver.py")


class Server:
    """testserver.py with a request log and a connection log."""

    def __init__(self, repo, folder, name, tls=None):
        self.requests = os.path.join(folder, f"{name}-requests.log")
        self.connections = os.path.join(folder, f"{name}-connections.log")
        cmd = [sys.executable, TESTSERVER, repo, "--log", self.requests, "--connections", self.connections]
        if tls:
            cmd += ["--tls", *tls]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
        self.port = int(self.proc.stdout.readline())

    def take_counts(self):
        counts = []
        for path in (self.requests, self.connections):
            try:
                with open(path) as f:
                    counts.append(len(f.read().splitlines()))
            except FileNotFoundError:
                counts.append(0)
            open(path, "w").close()
        return counts

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


class Nginx(NginxProcess):
    """docs/deploy.md's server block (TLS, HTTP/2) serving a copy of the
    repository under /updates; counts from its access log."""

    def __init__(self, repo, folder, crt, key):
        cls = type(self)
        cls.proc, cls.tmp = None, folder
        os.makedirs(folder)
        os.chmod(folder, 0o755)  # nginx's workers run as nobody when the bench runs as root
        shutil.copytree(repo, os.path.join(folder, "www", "updates"))
        subprocess.run(["chmod", "-R", "a+rX", os.path.join(folder, "www")], check=True)
        self.log = os.path.join(folder, "bench-access.log")
        for _ in range(3):  # a free port may be taken between the check and nginx's bind
            cls.https = self.port = free_port()
            conf = replace_in_doc(doc_config(), r"^server \{\n    listen 80;\n(.*\n)*?\}\n", "")
            conf = replace_in_doc(conf, r"^\s*listen \[::\]:\d+.*;\n", "")
            conf = replace_in_doc(conf, r"listen 443 ssl", f"listen 127.0.0.1:{self.port} ssl")
            conf = replace_in_doc(conf, r"ssl_certificate\s+\S+;", f"ssl_certificate {crt};")
            conf = replace_in_doc(conf, r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};")
            conf = replace_in_doc(conf, r"root /srv/bomiot;", f"root {folder}/www;\n    access_log {self.log} bench;")
            conf = replace_in_doc(conf, r"shared:bomiot_tls:", f"shared:bomiot_tls_{self.port}:")
            cls.write_conf(conf, "    log_format bench '$connection $server_protocol \"$request\" $status';\n")
            if cls.start_nginx():
                return
        raise RuntimeError("nginx did not start: " + cls.error_log())

    def take_counts(self):
        try:
            with open(self.log) as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            lines = []
        open(self.log, "w").close()
        return [len(lines), len({line.split()[0] for line in lines})]

    def stop(self):
        type(self).stop_nginx()


class Silent:
    """Accepts and never answers; counts connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held, self.accepted = [], 0
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            self.accepted += 1

    def take_counts(self):
        n, self.accepted = self.accepted, 0
        return [0, n]


class DelayProxy:
    """127.0.0.1:port -> 127.0.0.1:target, each direction delayed rtt/2."""

    def __init__(self, target, rtt_ms):
        self.target, self.half = target, rtt_ms / 2000.0
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        threading.Thread(target=self.run, args=(ready,), daemon=True).start()
        ready.wait()

    def run(self, ready):
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self.client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def pipe(self, reader, writer, first_extra):
        queue = asyncio.Queue()

        async def deliver():
            while True:
                at, data = await queue.get()
                await asyncio.sleep(max(0.0, at - time.monotonic()))
                if data is None:
                    writer.close()
                    return
                writer.write(data)
                await writer.drain()
        task = asyncio.ensure_future(deliver())
        extra = first_extra
        try:
            while True:
                data = await reader.read(65536)
                await queue.put((time.monotonic() + self.half + extra, data or None))
                extra = 0.0
                if not data:
                    break
        except (ConnectionError, OSError):
            await queue.put((time.monotonic(), None))
        try:
            await task
        except (ConnectionError, OSError):
            pass

    async def client(self, reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return
        # the TCP handshake a real link would cost: one more round trip
        await asyncio.gather(self.pipe(reader, up_writer, 2 * self.half), self.pipe(up_reader, writer, 0.0),
                             return_exceptions=True)


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(round(p * (len(sorted_values) - 1))))]


def start_once(root, stamp, direct=None, offline=False):
    if os.path.exists(stamp):
        os.remove(stamp)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOMIOT_")}
    cmd = [direct, f"--stamp={stamp}"] if direct else [root.launcher, f"--stamp={stamp}"]
    if offline:  # a network namespace of its own, nothing up: the resolver is unreachable
        cmd = ["unshare", "-rn", *cmd]
    t0 = time.monotonic_ns()
    r = subprocess.run(cmd, env=env, cwd=root.path, capture_output=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"{cmd}: exit {r.returncode}: {r.stderr.decode(errors='replace')}")
    with open(stamp) as f:
        return (int(f.read().split()[0]) - t0) / 1e6


def main(argv):
    runs = int(argv[1]) if len(argv) > 1 else 30
    rec = record.begin("launch-net", argv)
    tmp = tempfile.mkdtemp(prefix="bl-bench-net-")
    pub = Publisher()
    pub.init()
    pub.add("1.0.0")
    root = Root("bench-net-")
    seed_install(root, pub, "1.0.0")
    ca, crt, key = make_certificates(os.path.join(tmp, "ca"))
    http = Server(pub.repo, tmp, "http")
    https11 = Server(pub.repo, tmp, "https", tls=(crt, key))
    https = Nginx(pub.repo, os.path.join(tmp, "nginx"), crt, key)
    silent = Silent()
    proxies = {(name, rtt): DelayProxy(server.port, rtt)
               for name, server in (("http", http), ("https", https), ("https11", https11)) for rtt in (50, 200)}
    stamp = root.p("stamp.txt")
    direct = root.p("versions", "1.0.0", "bomiot")

    def cfg(url, **extra):
        c = {"update_url": url, "ca_file": ca, "healthy_seconds": 1}
        c.update(extra)
        return c
    conditions = [
        ("app started directly", None, None, True),
        ("app started directly, offline (unshare -rn)", None, None, True),
        ("no check (update_at_launch false)", cfg(f"http://127.0.0.1:{http.port}", update_at_launch=False),
         None, True),
        ("a check made within the interval", cfg(f"http://127.0.0.1:{http.port}"), http, True),
        ("http, nothing new", cfg(f"http://127.0.0.1:{http.port}"), http, False),
        ("https (nginx, HTTP/2), nothing new", cfg(f"https://127.0.0.1:{https.port}/updates"), https, False),
        ("http, +50 ms RTT", cfg(f"http://127.0.0.1:{proxies['http', 50].port}"), http, False),
        ("https (nginx, HTTP/2), +50 ms RTT", cfg(f"https://127.0.0.1:{proxies['https', 50].port}/updates"), https,
         False),
        ("http, +200 ms RTT", cfg(f"http://127.0.0.1:{proxies['http', 200].port}"), http, False),
        ("https (nginx, HTTP/2), +200 ms RTT", cfg(f"https://127.0.0.1:{proxies['https', 200].port}/updates"),
         https, False),
        ("https (test server, HTTP/1.1), +200 ms RTT", cfg(f"https://127.0.0.1:{proxies['https11', 200].port}"),
         https11, False),
        ("connection refused", cfg("http://127.0.0.1:9"), None, False),
        ("a name that does not resolve (unshare -rn)", cfg("http://bomiot-bench.invalid"), None, False),
        ("a listener that never answers", cfg(f"http://127.0.0.1:{silent.port}"), silent, False),
        ("a TLS handshake that stalls", cfg(f"https://127.0.0.1:{silent.port}"), silent, False),
        ("a captive portal (200 + HTML)", cfg(f"http://127.0.0.1:{http.port}/_fault/portal"), http, False),
        ("1 byte/s drip", cfg(f"http://127.0.0.1:{http.port}/_fault/slow/1"), http, False),
    ]
    rows = ["condition\tp50_ms\tp95_ms\trequests\tconnections\truns"]
    try:
        for name, config, server, keep_record in conditions:
            if config:
                root.write_config(config)
            if keep_record:  # one check now; then every start is within the interval
                root.interval_passed()
                if config and config.get("update_at_launch", True):
                    start_once(root, stamp)
            times, requests, connections = [], [], []
            for _ in range(runs):
                if not keep_record:
                    root.interval_passed()
                if server:
                    server.take_counts()
                times.append(start_once(root, stamp, direct if config is None else None, "unshare" in name))
                if server:
                    time.sleep(0.02)  # the server logs a request as it ends
                    got = server.take_counts()
                    requests.append(got[0])
                    connections.append(got[1])
            times.sort()
            req = f"{statistics.mean(requests):.1f}" if requests else "0"
            con = f"{statistics.mean(connections):.1f}" if connections else "0"
            rows.append(f"{name}\t{statistics.median(times):.1f}\t{percentile(times, 0.95):.1f}\t{req}\t{con}\t{runs}")
            print(rows[-1], flush=True)
    finally:
        http.stop()
        https11.stop()
        https.stop()
        root.cleanup()
        pub.cleanup()
        shutil.rmtree(tmp, True)
    record.append(rec, "starts", "\n".join(rows) + "\n")
    record.end(rec)
    print(rec)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
