# SPDX-License-Identifier: Apache-2.0
"""The launcher replaces itself with the one a confirmed release carries,
and re-executes into it (POSIX: same process, execv)."""
import glob
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from blroot import Root, parse_report  # noqa: E402


class SelfUpdateTest(unittest.TestCase):
    def setUp(self):
        self.root = Root()
        self.report = self.root.p("report.txt")
        self.root.add_version("1.0.0")
        self.old_bytes = self.launcher_bytes()

    def tearDown(self):
        self.root.cleanup()

    def release_with_launcher(self, version, content, trial=False):
        folder = self.root.add_version(version)
        path = os.path.join(folder, "bomiot-launcher")
        with open(path, "wb") as f:
            f.write(content)
        os.chmod(path, 0o755)
        self.root.write_state({"current": version, "previous": "1.0.0", "trial": trial})

    def launcher_bytes(self):
        with open(self.root.launcher, "rb") as f:
            return f.read()

    def leftovers(self):
        return [n for n in os.listdir(self.root.path) if n.startswith("bomiot-launcher.")]

    def test_replaces_itself_and_reexecutes_in_the_same_process(self):
        # A working launcher with different bytes: ELF ignores trailing data.
        new = self.old_bytes + b"\0bomiot-launcher test build 2\0"
        self.release_with_launcher("1.1.0", new)
        proc = subprocess.Popen([self.root.launcher, f"--report={self.report}", "x y"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, err)
        rep = parse_report(self.report)
        self.assertEqual(rep["version"], "1.1.0")
        self.assertEqual(int(rep["ppid"]), proc.pid)  # execv kept the pid: the app's parent is us
        self.assertEqual(rep["args"][1:], [f"--report={self.report}", "x y"])
        self.assertEqual(self.launcher_bytes(), new)
        log = self.root.log()
        self.assertIn("version 1.1.0 carries a new launcher; installing it", log)
        self.assertIn("launcher replaced; restarting into it", log)
        self.assertIn("running the launcher from version 1.1.0", log)
        self.assertEqual(self.leftovers(), [])
        # The next start finds nothing to do.
        r = self.root.run(f"--report={self.report}")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(self.root.log().count("carries a new launcher"), 1)

    def test_a_launcher_that_fails_its_check_is_not_installed(self):
        self.release_with_launcher("1.1.0", b"#!/bin/sh\nexit 3\n")
        r = self.root.run(f"--report={self.report}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse_report(self.report)["version"], "1.1.0")
        self.assertEqual(self.launcher_bytes(), self.old_bytes)
        self.assertIn("the new launcher failed its check (--self-check exited with 3); keeping the current launcher",
                      self.root.log())
        self.assertEqual(self.leftovers(), [])

    def test_a_launcher_that_is_not_a_program_is_not_installed(self):
        self.release_with_launcher("1.1.0", b"\x7fELF garbage")
        r = self.root.run(f"--report={self.report}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.launcher_bytes(), self.old_bytes)
        self.assertIn("keeping the current launcher", self.root.log())

    def modules(self):
        return sorted(n for n in os.listdir(self.root.path) if n.startswith("bomiot-") and n.endswith(".so"))

    @unittest.skipUnless(glob.glob(os.path.join(os.path.dirname(Root.LAUNCHER), "bomiot-update-*.so")),
                         "a build with built-in modules")
    def test_modules_come_with_the_new_launcher_and_old_ones_go(self):
        mine = self.modules()
        self.assertEqual(len(mine), 2)  # update and splash, as the build made them
        self.release_with_launcher("1.1.0", self.old_bytes + b"\0bomiot-launcher test build 2\0")
        folder = self.root.p("versions", "1.1.0")
        # what a later launcher's release carries: its modules, named after its version
        shutil.copy2(self.root.p(mine[0]), os.path.join(folder, "bomiot-update-9.9.9.so"))
        with open(self.root.p("bomiot-splash-0.0.1.so"), "wb") as f:  # an older launcher's, left behind
            f.write(b"old")
        r = self.root.run(f"--report={self.report}")
        self.assertEqual(r.returncode, 0, r.stderr)
        log = self.root.log()
        self.assertIn("copying the module bomiot-update-9.9.9.so beside the launcher", log)
        self.assertIn("running the launcher from version 1.1.0", log)
        # the launcher now running is of this build: what is not its own goes
        self.assertIn("removed bomiot-update-9.9.9.so, a module of the launcher this one replaced", log)
        self.assertIn("removed bomiot-splash-0.0.1.so, a module of the launcher this one replaced", log)
        self.assertEqual(self.modules(), mine)
        self.assertEqual(parse_report(self.report)["version"], "1.1.0")

    def test_a_version_on_trial_does_not_replace_the_launcher(self):
        self.release_with_launcher("1.1.0", self.old_bytes + b"\0v2", trial=True)
        r = self.root.run(f"--report={self.report}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.launcher_bytes(), self.old_bytes)
        self.assertNotIn("carries a new launcher", self.root.log())


if __name__ == "__main__":
    unittest.main()
