# SPDX-License-Identifier: Apache-2.0
"""The launcher behind a proxy (issue 29): a real tinyproxy on 127.0.0.1
between the launcher and the test's server. tinyproxy rather than squid:
one small program started in the foreground with a config of a few lines
and a log naming each request, where squid needs a cache folder, its own
user and seconds to start. The proxy from launcher.json and from the
environment, Basic authentication right, wrong and missing (the message
names the proxy, never the server, and the password reaches neither
update.log, --print-config nor --status), https:// through CONNECT with the
update server's certificate still checked against the private CA, and
no_proxy."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from blrepo import published_install  # noqa: E402
from blroot import parse_report  # noqa: E402
from server import TestServer  # noqa: E402
from test_launch_checks import Http2Nginx  # noqa: E402
from test_nginx_config import MISSING, make_certificates  # noqa: E402

TINYPROXY = shutil.which("tinyproxy") or ("/usr/bin/tinyproxy" if os.path.exists("/usr/bin/tinyproxy") else None)
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                   "no_proxy", "NO_PROXY")
USER, PASSWORD = "alice", "s3cret-Pa55"


class Tinyproxy:
    """tinyproxy in the foreground on a free port of 127.0.0.1, its log in
    folder; with auth, Basic authentication as USER, PASSWORD."""

    def __init__(self, folder, auth=False):
        self.log = os.path.join(folder, "tinyproxy.log")
        for _ in range(3):  # a free port may be taken between the check and tinyproxy's bind
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                self.port = s.getsockname()[1]
            conf = os.path.join(folder, "tinyproxy.conf")
            with open(conf, "w") as f:
                f.write(f"Port {self.port}\nListen 127.0.0.1\nTimeout 60\nMaxClients 20\n"
                        f"LogFile \"{self.log}\"\nLogLevel Info\n"
                        + (f"BasicAuth {USER} {PASSWORD}\n" if auth else ""))
            open(self.log, "w").close()
            os.chmod(self.log, 0o666)  # tinyproxy run as root writes it as nobody
            self.proc = subprocess.Popen([TINYPROXY, "-d", "-c", conf], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
            if self.wait_listening():
                return
            self.stop()
        raise AssertionError("tinyproxy did not start")

    def wait_listening(self):
        deadline = time.time() + 10
        while time.time() < deadline and self.proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def requests(self):
        """The request lines tinyproxy saw ("GET http://...", "CONNECT 127.0.0.1:443")."""
        with open(self.log, errors="replace") as f:
            return [line.split("): ", 1)[1] for line in f.read().splitlines()
                    if "Request (file descriptor" in line and "): " in line]


@unittest.skipIf(not TINYPROXY, "tinyproxy not installed (scripts/deps.sh installs it)")
class ProxyCase(unittest.TestCase):
    """An installed 1.0.0, a repository with 1.1.0, a proxy."""
    auth = False

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bl-proxy-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        os.chmod(self.tmp, 0o755)
        self.pub, self.root = published_install()
        self.addCleanup(self.pub.cleanup)
        self.addCleanup(self.root.cleanup)
        self.pub.add("1.1.0")
        self.server = TestServer(self.pub.repo)
        self.addCleanup(self.server.stop)
        self.proxy = Tinyproxy(self.tmp, auth=self.auth)
        self.addCleanup(self.proxy.stop)
        self.report = self.root.p("report.txt")

    def proxy_url(self, credentials=""):
        return f"http://{credentials}127.0.0.1:{self.proxy.port}"

    def run_launcher(self, *args, env=None, **config):
        """The launcher with config as launcher.json, in an environment
        without the caller's proxy variables, plus env."""
        self.root.write_config({"update_url": self.server.url, "healthy_seconds": 1, "check_seconds": 30,
                                **config})
        self.root.interval_passed()
        clean = {k: "" for k in PROXY_VARIABLES}  # blroot's run adds os.environ: empty is unset for both
        clean.update(env or {})
        if os.path.exists(self.report):
            os.remove(self.report)
        return self.root.run(*args, env=clean, timeout=90)

    def start(self, env=None, **config):
        r = self.run_launcher(f"--report={self.report}", env=env, **config)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def started(self):
        return [line[len("version="):] for line in parse_report(self.report)["lines"]
                if line.startswith("version=")]

    def assert_through_proxy(self):
        seen = self.proxy.requests()
        self.assertTrue(any(f"127.0.0.1:{self.server.port}/" in r and "timestamp.json" in r for r in seen), seen)

    def print_config(self, env=None, **config):
        r = self.run_launcher("--print-config", env=env, **config)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.decode()

    def status(self, env=None, **config):
        r = self.run_launcher("--status", "--json", env=env, **config)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)


class NoAuthTest(ProxyCase):
    def test_the_proxy_of_launcher_json_carries_the_update(self):
        # main's launcher: 'proxy' is an unknown key, it goes direct and the proxy sees nothing
        self.start(proxy=self.proxy_url())
        self.assertEqual(self.started(), ["1.1.0"])
        self.assert_through_proxy()
        self.assertIn(f"through the proxy http://127.0.0.1:{self.proxy.port} (launcher.json proxy)", self.root.log())

    def test_the_environment_proxy_is_named_where_it_came_from(self):
        env = {"http_proxy": self.proxy_url()}
        self.start(env=env)
        self.assertEqual(self.started(), ["1.1.0"])
        self.assert_through_proxy()
        # main's launcher went through it too (libcurl read it) but never said which: these lines are new
        self.assertRegex(self.print_config(env=env),
                         rf"update proxy +http://127\.0\.0\.1:{self.proxy.port} \(environment http_proxy\)")
        self.assertEqual(self.status(env=env)["proxy"],
                         {"url": self.proxy_url(), "source": "environment http_proxy"})

    def test_launcher_json_wins_over_the_environment(self):
        self.start(env={"http_proxy": "http://127.0.0.1:1"}, proxy=self.proxy_url())
        self.assertEqual(self.started(), ["1.1.0"])
        self.assert_through_proxy()

    def test_no_proxy_goes_direct(self):
        # main's launcher: libcurl takes http_proxy, and no_proxy of launcher.json is unknown to it
        self.start(env={"http_proxy": self.proxy_url()}, no_proxy="localhost,127.0.0.1")
        self.assertEqual(self.started(), ["1.1.0"])
        self.assertEqual(self.proxy.requests(), [])
        self.assertIn("(launcher.json no_proxy)", self.root.log())
        self.assertEqual(self.status(env={"http_proxy": self.proxy_url()}, no_proxy="127.0.0.1")["proxy"],
                         {"url": None, "source": "launcher.json no_proxy"})

    def test_the_environment_no_proxy_goes_direct(self):
        self.start(env={"http_proxy": self.proxy_url(), "no_proxy": "example.com, 127.0.0.0/8"})
        self.assertEqual(self.started(), ["1.1.0"])
        self.assertEqual(self.proxy.requests(), [])

    def test_a_proxy_that_is_not_there_is_named(self):
        r = self.start(proxy="http://127.0.0.1:1")
        self.assertEqual(self.started(), ["1.0.0"])
        self.assertIn("through the proxy 127.0.0.1:1 (launcher.json proxy)", self.root.log(), r.stderr)

    def test_a_malformed_proxy_is_reported_and_ignored(self):
        r = self.start(proxy="ftp://user:hidden@127.0.0.1:21")
        self.assertIn(b"'proxy' must be a proxy URL", r.stderr)
        self.assertNotIn(b"hidden", r.stderr)
        self.assertEqual(self.started(), ["1.1.0"])


class BasicAuthTest(ProxyCase):
    auth = True

    def assert_no_password_anywhere(self, env=None, **config):
        self.assertNotIn(PASSWORD, self.root.log())
        self.assertNotIn(PASSWORD, self.print_config(env=env, **config))
        self.assertNotIn(PASSWORD, json.dumps(self.status(env=env, **config)))

    def test_the_right_password_gets_through(self):
        proxy = self.proxy_url(f"{USER}:{PASSWORD}@")
        self.start(proxy=proxy)
        self.assertEqual(self.started(), ["1.1.0"])
        self.assert_through_proxy()
        self.assertIn(self.proxy_url(), self.print_config(proxy=proxy))
        self.assert_no_password_anywhere(proxy=proxy)

    def test_a_wrong_password_is_the_proxys_refusal(self):
        # main's launcher: "the server answered HTTP 401" (tinyproxy answers a wrong password so)
        env = {"http_proxy": self.proxy_url(f"{USER}:wrong-{PASSWORD}@")}
        self.start(env=env)
        self.assertEqual(self.started(), ["1.0.0"])
        log = self.root.log()
        self.assertIn(f"the proxy 127.0.0.1:{self.proxy.port} (environment http_proxy) refused its user name and "
                      "password", log)
        self.assertNotIn("the server answered", log)
        self.assert_no_password_anywhere(env=env)

    def test_no_password_is_the_proxys_request_for_one(self):
        # main's launcher: "the server answered HTTP 407"
        self.start(proxy=self.proxy_url())
        self.assertEqual(self.started(), ["1.0.0"])
        log = self.root.log()
        self.assertIn(f"the proxy 127.0.0.1:{self.proxy.port} (launcher.json proxy) asks for a user name and "
                      "password (HTTP 407)", log)
        self.assertNotIn("the server answered", log)


@unittest.skipIf(MISSING, f"{', '.join(MISSING)} not installed (scripts/deps.sh installs them)")
class ConnectTest(ProxyCase):
    """https:// through the proxy's CONNECT tunnel: nginx with the private
    CA's certificate in front of the test's server."""
    auth = True

    def setUp(self):
        super().setUp()
        self.ca, crt, key = make_certificates(os.path.join(self.tmp, "ca"))
        Http2Nginx.start_in_front_of(self.tmp, self.server.port, crt, key)
        self.addCleanup(Http2Nginx.stop_nginx)
        self.https = f"https://127.0.0.1:{Http2Nginx.https}"

    def connects(self):
        return [r for r in self.proxy.requests() if r.startswith(f"CONNECT 127.0.0.1:{Http2Nginx.https}")]

    def test_https_goes_through_connect_with_the_certificate_checked(self):
        proxy = self.proxy_url(f"{USER}:{PASSWORD}@")
        self.start(update_url=self.https, ca_file=self.ca, proxy=proxy)
        self.assertEqual(self.started(), ["1.1.0"])
        self.assertTrue(self.connects(), self.proxy.requests())
        self.assertNotIn(PASSWORD, self.root.log())

    def test_a_certificate_the_ca_file_does_not_vouch_for_fails_through_the_tunnel(self):
        # no ca_file: the server's certificate is checked end to end, through the tunnel, and fails
        self.start(update_url=self.https, proxy=self.proxy_url(f"{USER}:{PASSWORD}@"))
        self.assertEqual(self.started(), ["1.0.0"])
        self.assertTrue(self.connects(), self.proxy.requests())
        self.assertRegex(self.root.log(), r"certificate|SSL")

    def test_connect_refused_for_a_wrong_password_names_the_proxy(self):
        # main's launcher: libcurl's "CONNECT tunnel failed, response 401", the proxy unnamed
        self.start(update_url=self.https, ca_file=self.ca, proxy=self.proxy_url(f"{USER}:nope@"))
        self.assertEqual(self.started(), ["1.0.0"])
        self.assertIn(f"the proxy 127.0.0.1:{self.proxy.port} (launcher.json proxy) refused its user name and "
                      "password", self.root.log())


if __name__ == "__main__":
    unittest.main()
