# SPDX-License-Identifier: Apache-2.0
"""The system's proxy on Windows, under Wine (issue 29): a proxy set in the
user's Internet Settings is the one bomiot-launcher.exe goes through, and
--print-config names it as the system's. Wine 8's winhttp reads the user's
settings (WinHttpGetIEProxyConfigForCurrentUser) from the binary value
Internet Settings\\Connections\\DefaultConnectionSettings only, not from
ProxyEnable and ProxyServer beside it: the test writes both, as Internet
Options does on Windows. tinyproxy on 127.0.0.1 (test_launch_proxy's) is
the proxy; its log shows the launcher's requests. Each test removes what it
wrote to the registry."""
import os
import shutil
import struct
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "windows"))
from blrepo import seed_install  # noqa: E402
from server import TestServer  # noqa: E402
from test_launch_proxy import PROXY_VARIABLES, TINYPROXY, Tinyproxy  # noqa: E402
from test_windows_update import WHY as UPDATE_WHY, WinPublisher  # noqa: E402
from wineroot import WinRoot, wine  # noqa: E402

SETTINGS = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings"
CONNECTIONS = SETTINGS + r"\Connections"
WHY = UPDATE_WHY or (None if TINYPROXY else "tinyproxy not installed (scripts/deps.sh installs it)")


def connection_settings(proxy, bypass=""):
    """DefaultConnectionSettings as Internet Options writes it: version 0x46,
    a counter, the flags (1 direct | 2 proxy), then the proxy, the bypass list
    and the script's URL, each a little-endian length and ASCII bytes."""
    blob = struct.pack("<III", 0x46, 1, 0x1 | 0x2)
    for text in (proxy, bypass, ""):
        blob += struct.pack("<I", len(text)) + text.encode("ascii")
    return blob + bytes(28)  # the fields Windows adds after them, unused here


@unittest.skipIf(WHY, WHY)
class WindowsSystemProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pub = WinPublisher()
        cls.pub.init()
        cls.pub.add("1.0.0")

    @classmethod
    def tearDownClass(cls):
        cls.pub.cleanup()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bl-winproxy-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        os.chmod(self.tmp, 0o755)
        self.root = WinRoot()
        self.addCleanup(self.root.cleanup)
        seed_install(self.root, self.pub, "1.0.0")
        self.server = TestServer(self.pub.repo)
        self.addCleanup(self.server.stop)
        self.proxy = Tinyproxy(self.tmp)
        self.addCleanup(self.proxy.stop)
        self.addCleanup(self.forget_settings)
        # Wine starts slowly: the check gets its time box
        self.root.write_config({"update_url": self.server.url, "check_seconds": 60, "healthy_seconds": 1})

    def forget_settings(self):
        wine("reg", "delete", CONNECTIONS, "/v", "DefaultConnectionSettings", "/f")
        wine("reg", "delete", SETTINGS, "/v", "ProxyEnable", "/f")
        wine("reg", "delete", SETTINGS, "/v", "ProxyServer", "/f")

    def set_system_proxy(self, proxy, bypass=""):
        for args in ((CONNECTIONS, "/v", "DefaultConnectionSettings", "/t", "REG_BINARY", "/d",
                      connection_settings(proxy, bypass).hex()),
                     (SETTINGS, "/v", "ProxyEnable", "/t", "REG_DWORD", "/d", "1"),
                     (SETTINGS, "/v", "ProxyServer", "/t", "REG_SZ", "/d", proxy)):
            r = wine("reg", "add", *args, "/f")
            self.assertEqual(r.returncode, 0, r.stderr)

    def run_launcher(self, *args):
        env = {k: "" for k in PROXY_VARIABLES}  # Wine's winhttp would read http_proxy too
        return self.root.run(*args, env=env, timeout=120)

    def proxied(self):
        return [r for r in self.proxy.requests() if f"127.0.0.1:{self.server.port}/metadata/" in r]

    def test_the_proxy_of_internet_settings_carries_the_check(self):
        # main's launcher: libcurl reads no Windows setting, and goes direct
        self.set_system_proxy(f"127.0.0.1:{self.proxy.port}")
        out = self.run_launcher("--print-config").stdout.decode()
        self.assertRegex(out, rf"(?m)^update proxy\s+127\.0\.0\.1:{self.proxy.port} \(system \(Internet "
                              r"Options\)\)\r?$")
        r = self.run_launcher("--exit=0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(self.proxied(), (self.proxy.requests(), self.root.log()))
        self.assertIn(f"through the proxy 127.0.0.1:{self.proxy.port} (system (Internet Options))", self.root.log())

    def test_the_bypass_list_goes_direct(self):
        self.set_system_proxy(f"127.0.0.1:{self.proxy.port}", "127.0.0.*;<local>")
        r = self.run_launcher("--exit=0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.proxied(), [])
        self.assertIn("(system bypass list (Internet Options))", self.root.log())

    def test_no_setting_no_proxy(self):
        r = self.run_launcher("--exit=0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.proxied(), [])
        self.assertRegex(self.run_launcher("--print-config").stdout.decode(),
                         r"(?m)^update proxy\s+none \(nothing sets one\)\r?$")


if __name__ == "__main__":
    unittest.main()
