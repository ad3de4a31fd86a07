# SPDX-License-Identifier: Apache-2.0
"""The launch and update paths under valgrind's memcheck (the gcc build; the
ASan build has its own checks and cannot run under valgrind): an update by
patch, by full archive, a corrupt patch falling back to the archive, a
version that crashes on its first run rolled back, and a plain launch with
nothing to do. Any invalid read or write, use of uninitialised memory, or
definitely lost block fails the test with valgrind's report."""
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from blrepo import Publisher, flip_byte, seed_install  # noqa: E402
from blroot import BUILD, Root, parse_report  # noqa: E402
from server import TestServer  # noqa: E402

VALGRIND = shutil.which("valgrind")


def sanitized_build():
    try:
        with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
            return re.search(r"^BL_SANITIZE:BOOL=ON$", f.read(), re.M) is not None
    except FileNotFoundError:
        return False


WHY = ("valgrind is not installed (scripts/deps.sh installs it)" if not VALGRIND else
       "an ASan build cannot run under valgrind" if sanitized_build() else None)


@unittest.skipIf(WHY, WHY)
class ValgrindTest(unittest.TestCase):
    def setUp(self):
        self.pub = Publisher()
        self.addCleanup(self.pub.cleanup)
        self.pub.init()
        self.pub.add("1.0.0")
        self.pub.add("1.1.0")
        self.root = Root()
        self.addCleanup(self.root.cleanup)
        self.report = self.root.p("report.txt")
        self.server = TestServer(self.pub.repo)
        self.addCleanup(self.server.stop)

    def memcheck(self, *args, config=None):
        # check_seconds: under valgrind the update module's load alone takes
        # about half a second, and it counts in the time box (issue 23); the
        # time box is not what these tests check
        self.root.write_config(dict({"update_url": self.server.url, "check_seconds": 60}, **(config or {})))
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOMIOT_") and k != "DISPLAY"}
        env["BOMIOT_UPDATE_INTERVAL"] = "0"
        r = subprocess.run([VALGRIND, "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite",
                            "--track-origins=yes", self.root.launcher, f"--report={self.report}", *args],
                           capture_output=True, text=True, env=env, timeout=600)
        self.assertNotEqual(r.returncode, 99, r.stderr[-6000:])
        self.assertIn("ERROR SUMMARY: 0 errors", r.stderr, r.stderr[-6000:])
        return r

    def started(self):
        return [line[len("version="):] for line in parse_report(self.report)["lines"]
                if line.startswith("version=")]

    def test_update_by_patch(self):
        seed_install(self.root, self.pub, "1.0.0")
        r = self.memcheck()
        self.assertEqual(r.returncode, 0)
        self.assertEqual(self.started(), ["1.1.0"])
        self.assertIn("1 patch(es)", self.root.log())

    def test_update_by_full_archive(self):
        seed_install(self.root, self.pub, "1.0.0")
        r = self.memcheck(config={"incremental_update": False})
        self.assertEqual(r.returncode, 0)
        self.assertEqual(self.started(), ["1.1.0"])

    def test_corrupt_patch_falls_back_to_the_archive(self):
        seed_install(self.root, self.pub, "1.0.0")
        flip_byte(self.pub.zpatch("1.1.0"), 40, 0xFF)  # the patch the launcher takes
        r = self.memcheck()
        self.assertEqual(r.returncode, 0)
        self.assertEqual(self.started(), ["1.1.0"])
        self.assertIn("downloading the full archive instead", self.root.log())

    def test_a_crash_on_first_run_is_rolled_back(self):
        seed_install(self.root, self.pub, "1.0.0")
        self.root.add_version("1.2.0", behaviour=("--crash=segv",))
        self.root.write_state({"current": "1.2.0", "previous": "1.0.0", "trial": True})
        r = self.memcheck()
        self.assertEqual(r.returncode, 0)
        self.assertEqual(self.started(), ["1.2.0", "1.0.0"])
        self.assertIn("went back to 1.0.0", self.root.log())

    def test_a_launch_with_nothing_to_do(self):
        seed_install(self.root, self.pub, "1.1.0")
        r = self.memcheck("--exit=3")
        self.assertEqual(r.returncode, 3)  # the app's exit code, passed through
        self.assertIn("already up to date", self.root.log())


if __name__ == "__main__":
    unittest.main()
