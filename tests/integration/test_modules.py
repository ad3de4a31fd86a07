# SPDX-License-Identifier: Apache-2.0
"""The launcher's modules (launcher/start/module.h): what a launch loads, and what
happens when a module is missing or is not one. A launch that checks for no
update loads neither libcurl nor SDL2; a missing or foreign module costs the
updates of that start, never the app."""
import glob
import os
import shutil
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from blroot import Root, parse_report  # noqa: E402

HERE = os.path.dirname(Root.LAUNCHER)
MODULES = sorted(glob.glob(os.path.join(HERE, "bomiot-*.so")))
UNREACHABLE = "http://127.0.0.1:9/updates"  # the discard port: refused at once


@unittest.skipUnless(MODULES, "a build with built-in modules")
class ModuleTest(unittest.TestCase):
    def setUp(self):
        self.root = Root()
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})
        self.root.write_config({"update_url": UNREACHABLE, "update_interval": 0})
        self.report = self.root.p("report.txt")

    def tearDown(self):
        self.root.cleanup()

    def module(self, name):
        found = [m for m in os.listdir(self.root.path) if m.startswith(f"bomiot-{name}-") and m.endswith(".so")]
        self.assertEqual(len(found), 1, found)
        return self.root.p(found[0])

    def trust_a_root(self):
        # The launcher only looks for the file before it loads the update
        # module; the module then refuses this one, which is all it takes.
        os.makedirs(self.root.p("resources"), exist_ok=True)
        with open(self.root.p("resources", "root.json"), "w") as f:
            f.write("{}")

    def libraries_while_the_app_runs(self):
        """The shared objects the supervising launcher has mapped while the
        app sleeps; the launch's update check is over by then."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("BOMIOT_") and k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        proc = subprocess.Popen([self.root.launcher, f"--report={self.report}", "--sleep=5000"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 20
            while not os.path.exists(self.report) and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertTrue(os.path.exists(self.report), "the app did not start")
            with open(f"/proc/{proc.pid}/maps") as f:
                maps = f.read()
        finally:
            proc.kill()
            proc.communicate()
        return {os.path.basename(line.split()[-1]) for line in maps.splitlines() if ".so" in line}

    def test_a_launch_that_checks_nothing_loads_no_module(self):
        libs = self.libraries_while_the_app_runs()  # no trusted root: no check
        self.assertFalse([lib for lib in libs if lib.startswith(("libcurl", "libarchive", "libSDL2", "bomiot-"))],
                         libs)
        self.assertIn("no trusted root", self.root.log())

    def test_a_check_loads_the_update_module_and_not_the_splash(self):
        self.trust_a_root()
        libs = self.libraries_while_the_app_runs()
        self.assertTrue([lib for lib in libs if lib.startswith("bomiot-update-")], libs)
        self.assertTrue([lib for lib in libs if lib.startswith("libcurl")], libs)
        self.assertFalse([lib for lib in libs if lib.startswith(("libSDL2", "bomiot-splash-"))], libs)

    def test_a_missing_update_module_costs_the_update_not_the_app(self):
        self.trust_a_root()
        missing = self.module("update")
        os.remove(missing)
        r = self.root.run(f"--report={self.report}", "--exit=7")
        self.assertEqual(r.returncode, 7, r.stderr)
        self.assertEqual(parse_report(self.report)["version"], "1.0.0")
        log = self.root.log()
        self.assertIn(f"cannot load {missing}", log)
        self.assertIn("starting the installed version 1.0.0", log)
        self.assertIn(b"cannot load", r.stderr)  # a warning: the user running it from a terminal sees it

    def test_a_file_that_is_not_a_module_is_refused_by_name(self):
        self.trust_a_root()
        update = self.module("update")
        shutil.copy2(self.module("splash"), update)  # a shared object, but not the update module
        r = self.root.run(f"--report={self.report}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"{update} is not a launcher module", self.root.log())
        self.assertEqual(parse_report(self.report)["version"], "1.0.0")

    def test_self_check_passes_with_the_modules_and_names_a_missing_one(self):
        r = self.root.run("--self-check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"modules fit", r.stdout)
        splash = self.module("splash")
        os.remove(splash)
        r = self.root.run("--self-check")
        self.assertEqual(r.returncode, 125)
        self.assertIn(f"cannot load {splash}".encode(), r.stderr)

    def test_a_missing_splash_module_costs_the_window_not_the_app(self):
        from test_splash_launcher import signed_root  # a root the check gets past
        os.remove(self.module("splash"))
        os.makedirs(self.root.p("resources"), exist_ok=True)
        with open(self.root.p("resources", "root.json"), "w") as f:
            f.write(signed_root(self.root.path))
        # a display that would be used: the module is looked for only when
        # the check outlasts the grace, so hold it on a port that never answers
        quiet = socket.socket()
        quiet.bind(("127.0.0.1", 0))
        quiet.listen(1)
        self.addCleanup(quiet.close)
        self.root.write_config({"update_url": f"http://127.0.0.1:{quiet.getsockname()[1]}/u",
                                "update_interval": 0, "check_seconds": 1})
        r = self.root.run(f"--report={self.report}", env={"DISPLAY": ":987"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse_report(self.report)["version"], "1.0.0")
        self.assertIn("bomiot-splash-", self.root.log())
        self.assertIn("; continuing without a splash", self.root.log())


SOURCE = os.path.join(os.environ.get("BL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")), "launcher")
# What each object set may include of the others: the tree's plan
# (launcher/CMakeLists.txt). The launcher side (start/) sees a module only
# through its interface header, so a change inside a module never changes
# what every launch compiles against.
ALLOWED = {
    "base": set(),
    "start": {"base", "update/update_module.h", "splash/splash_module.h"},
    "delta": {"base"},
    "tuf": {"base"},
    "update": {"base", "start", "delta", "tuf"},
    "splash": {"base", "start"},
}


class BoundaryTest(unittest.TestCase):
    def includes(self, folder):
        """(file, header) for every #include "set/header.h" in a set's folder."""
        found = []
        for name in sorted(os.listdir(os.path.join(SOURCE, folder))):
            if name.endswith((".c", ".h")):
                with open(os.path.join(SOURCE, folder, name), encoding="utf-8") as f:
                    for line in f:
                        line = line.strip()
                        if line.startswith('#include "') and "/" in line:
                            found.append((name, line.split('"')[1]))
        return found

    def test_every_set_includes_only_what_the_plan_allows(self):
        self.assertEqual(sorted(ALLOWED), sorted(d for d in os.listdir(SOURCE)
                                                 if os.path.isdir(os.path.join(SOURCE, d))))
        for folder, allowed in ALLOWED.items():
            for name, header in self.includes(folder):
                with self.subTest(file=f"{folder}/{name}", include=header):
                    self.assertTrue(header in allowed or header.split("/")[0] in allowed,
                                    f"launcher/{folder}/{name} includes {header}")

    def test_the_launcher_sees_the_modules_through_their_interfaces_only(self):
        seen = {header for _, header in self.includes("start") if header.split("/")[0] in ("update", "splash")}
        self.assertEqual(seen, {"update/update_module.h", "splash/splash_module.h"})



class LicenseTest(unittest.TestCase):
    """Every source file says its license in an SPDX line (issue 27): the
    README promises it, and a new file without one fails here."""

    def test_every_source_file_names_its_license(self):
        top = os.path.dirname(SOURCE)
        if not os.path.isdir(os.path.join(top, ".git")):
            self.skipTest("not a git checkout: the file list comes from git ls-files")
        files = subprocess.check_output(
            ["git", "ls-files", "*.c", "*.h", "*.py", "*.sh", "*.cmake", "*.nsi", "*.rc", "CMakeLists.txt",
             "*/CMakeLists.txt", ".ci/run"], cwd=top, text=True).split()
        self.assertGreater(len(files), 200)
        missing = []
        for name in files:
            with open(os.path.join(top, name), encoding="utf-8") as f:
                if "SPDX-License-Identifier: Apache-2.0" not in f.read():
                    missing.append(name)
        self.assertEqual(missing, [])
        with open(os.path.join(top, "LICENSE"), encoding="utf-8") as f:
            self.assertIn("Apache License", f.read(200))

if __name__ == "__main__":
    unittest.main()
