# SPDX-License-Identifier: Apache-2.0
"""The Windows build's update at launch under Wine, end to end: a repository
made by the Windows bomiot-release.exe (ed25519 keys, then ECDSA P-256 keys:
issue 22), served on 127.0.0.1, and bomiot-launcher.exe patching 1.0.0 to
1.1.0 through the libcrypto it links statically; metadata whose signature no
longer matches is refused, and the installed version starts."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "windows"))
from blrepo import APP, Publisher, seed_install  # noqa: E402
from server import TestServer  # noqa: E402
from wineroot import BUILD, TESTAPP, WinRoot, missing, parse_report, wine, winpath  # noqa: E402

RELEASE = os.path.join(BUILD, "tools", "bomiot-release.exe")
WHY = missing() or (None if os.path.isfile(RELEASE) else f"{RELEASE} is not built")


class WinPublisher(Publisher):
    """A Publisher driving the Windows bomiot-release.exe under Wine, its
    versions made of the Windows test app."""

    def run(self, *args, check=True, env=None):
        args = [winpath(a) if os.path.isabs(a) else a for a in args]
        r = wine(RELEASE, "--repo", winpath(self.repo), "--keys", winpath(self.keys), *args, env=env,
                 timeout=300)
        r.stdout, r.stderr = (r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace"))
        if check and r.returncode != 0:
            raise AssertionError(f"bomiot-release.exe {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r

    def add(self, version, *flags, **app_kw):
        return super().add(version, *flags, exe=APP + ".exe", testapp=TESTAPP, **app_kw)


@unittest.skipIf(WHY, WHY)
class WindowsUpdateTest(unittest.TestCase):
    key_type = "ed25519"

    def setUp(self):
        self.pub = WinPublisher()
        self.addCleanup(self.pub.cleanup)
        self.pub.init("--key-type", self.key_type)
        self.pub.add("1.0.0", data_size=64 * 1024)
        self.pub.add("1.1.0", data_size=64 * 1024)
        self.root = WinRoot()
        self.addCleanup(self.root.cleanup)
        seed_install(self.root, self.pub, "1.0.0")
        self.requests = os.path.join(self.pub.dir, "requests.log")
        self.server = TestServer(self.pub.repo, log=self.requests)
        self.addCleanup(self.server.stop)
        self.report = self.root.p("report.txt")
        # Wine starts slowly: the check gets its time box, so the launch
        # updates rather than handing the check to the background.
        self.root.write_config({"update_url": self.server.url, "check_seconds": 60, "healthy_seconds": 2,
                                "splash": False})

    def start(self):
        r = self.root.run(f"--report={winpath(self.report)}", timeout=180)
        self.assertEqual(r.returncode, 0, r.stderr)
        return [line[len("version="):] for line in parse_report(self.report)["lines"]
                if line.startswith("version=")]

    def test_the_keys_are_of_the_type_asked_for(self):
        with open(self.pub.trusted_root()) as f:
            keys = json.load(f)["signed"]["keys"]
        self.assertEqual({k["keytype"] for k in keys.values()}, {self.key_type})

    def test_a_patch_updates_1_0_to_1_1(self):
        self.assertEqual(self.start(), ["1.1.0"])
        self.assertEqual(self.root.read_state()["current"], "1.1.0")
        self.assertIn("installed 1.1.0", self.root.log())
        with open(self.requests) as f:
            fetched = [os.path.basename(line.split()[1]) for line in f if "/targets/" in line]
        self.assertEqual(fetched, [f"{APP}-1.1.0.zpatch"])  # add's default lists both; the zstd one is taken

    def test_a_timestamp_changed_after_signing_is_refused(self):
        path = os.path.join(self.pub.repo, "metadata", "timestamp.json")
        with open(path) as f:
            doc = json.load(f)
        doc["signed"]["expires"] = doc["signed"]["expires"].replace("20", "21", 1)  # later, not re-signed
        with open(path, "w") as f:
            json.dump(doc, f)
        self.assertEqual(self.start(), ["1.0.0"])
        self.assertEqual(self.root.read_state()["current"], "1.0.0")
        self.assertIn("0 of 1 required signatures by timestamp keys", self.root.log())


class WindowsUpdateEcdsaTest(WindowsUpdateTest):
    """The same with ECDSA P-256 keys (init --key-type ecdsa), which the
    Windows build verifies through libcrypto since issue 22."""
    key_type = "ecdsa"


if __name__ == "__main__":
    unittest.main()
