# SPDX-License-Identifier: Apache-2.0
"""The Windows build under Wine: bomiot-launcher.exe in a real install root
starts the Windows test app, switches versions, rolls back a release that
fails its first run, and replaces itself (rename-pending) with the launcher a
release carries. Paths with Chinese characters go through end to end."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "windows"))
from wineroot import WinRoot, missing, parse_report, wait_for, winpath  # noqa: E402

WHY = missing()


@unittest.skipIf(WHY, WHY)
class WindowsLaunchTest(unittest.TestCase):
    name_hint = ""

    def setUp(self):
        self.root = WinRoot(self.name_hint)
        self.report = self.root.p("report.txt")

    def tearDown(self):
        self.root.cleanup()

    def start(self, *args, **kw):
        return self.root.run(f"--report={winpath(self.report)}", *args, **kw)

    def versions_started(self):
        if not os.path.exists(self.report):
            return []
        return [line[len("version="):] for line in parse_report(self.report)["lines"]
                if line.startswith("version=")]

    # --- launch ----------------------------------------------------------

    def test_passes_args_env_and_exit_code_to_the_app(self):
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})
        args = ["plain", "with space", "ünïcødé 中文", "a\"quote'", "back\\slash\\"]
        r = self.start(*args, "--exit=7", env={"TESTAPP_MARK": "kept 中"})
        self.assertEqual(r.returncode, 7, r.stderr)
        rep = parse_report(self.report)
        self.assertEqual(rep["version"], "1.0.0")
        self.assertEqual(rep["args"][1:], [f"--report={winpath(self.report)}", *args, "--exit=7"])
        # The launcher joins with '/', which Windows takes as well as '\\'.
        self.assertEqual(rep["args"][0].replace("/", "\\").lower(),
                         winpath(self.root.p("versions", "1.0.0", "bomiot.exe")).lower())
        self.assertEqual(rep["env"]["TESTAPP_MARK"], "kept 中")
        self.assertIn(b"testapp 1.0.0", r.stdout)
        self.assertEqual(self.root.read_state()["current"], "1.0.0")
        self.assertIn("1.0.0", self.root.log())

    def test_exec_mode_starts_the_app_and_steps_aside(self):
        self.root.add_version("1.0.0")
        self.root.write_config({"mode": "exec"})
        r = self.start("--exit=0")
        self.assertEqual(r.returncode, 0, r.stderr)
        # The app runs detached from the launcher (Windows has no exec).
        wait_for(lambda: self.versions_started(), what="the app's report")
        self.assertEqual(self.versions_started(), ["1.0.0"])

    def test_nothing_installed_exits_127_with_a_clear_message(self):
        r = self.start()
        self.assertEqual(r.returncode, 127)
        self.assertIn(b"no", r.stderr.lower())
        self.assertEqual(self.versions_started(), [])

    # --- install and switch ------------------------------------------------

    def test_starts_the_state_current_version_not_the_newest(self):
        self.root.add_version("1.0.0")
        self.root.add_version("2.0.0")
        self.root.write_state({"current": "1.0.0"})
        r = self.start()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.versions_started(), ["1.0.0"])
        # An update switches by writing the state: the next start runs 2.0.0.
        self.root.write_state({"current": "2.0.0", "previous": "1.0.0"})
        r = self.start()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.versions_started(), ["1.0.0", "2.0.0"])

    def test_missing_state_recovers_the_newest_complete_version(self):
        self.root.add_version("1.0.0")
        self.root.add_version("1.2.0")
        self.root.add_version("1.10.0", complete=False)
        r = self.start()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.versions_started(), ["1.2.0"])
        self.assertEqual(self.root.read_state()["current"], "1.2.0")

    def test_incomplete_version_is_never_launched_and_is_removed(self):
        self.root.add_version("1.0.0")
        self.root.add_version("2.0.0", complete=False)
        self.root.write_state({"current": "2.0.0"})
        r = self.start()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.versions_started(), ["1.0.0"])
        self.assertFalse(os.path.exists(self.root.p("versions", "2.0.0")))

    # --- rollback --------------------------------------------------------

    def switch_to(self, version, behaviour=()):
        self.root.add_version("1.0.0")
        self.root.add_version(version, behaviour=behaviour)
        self.root.write_config({"healthy_seconds": 5})
        self.root.write_state({"current": version, "previous": "1.0.0", "trial": True,
                               "attempts": 0, "blocked": []})

    def test_a_crash_on_first_run_rolls_back_and_starts_the_previous(self):
        self.switch_to("1.1.0", behaviour=("--crash=abort",))
        r = self.start()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.versions_started(), ["1.1.0", "1.0.0"])
        state = self.root.read_state()
        self.assertEqual(state["current"], "1.0.0")
        self.assertIn("1.1.0", state["blocked"])
        self.assertIn("version 1.1.0 failed its trial; blocked it and went back to 1.0.0", self.root.log())
        # Blocked: the next start does not try it again.
        r = self.start()
        self.assertEqual(self.versions_started(), ["1.1.0", "1.0.0", "1.0.0"])

    def test_a_clean_first_run_confirms_the_new_version(self):
        self.switch_to("1.1.0")
        r = self.start()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.versions_started(), ["1.1.0"])
        state = self.root.read_state()
        self.assertEqual(state["current"], "1.1.0")
        self.assertFalse(state.get("trial"))

    # --- self-update (rename-pending) --------------------------------------

    def launcher_bytes(self):
        with open(self.root.launcher, "rb") as f:
            return f.read()

    def test_replaces_itself_with_the_launcher_a_release_carries(self):
        old = self.launcher_bytes()
        new = old + b"\0bomiot-launcher test build 2\0"  # a PE ignores trailing data
        self.root.add_version("1.0.0")
        folder = self.root.add_version("1.1.0")
        with open(os.path.join(folder, "bomiot-launcher.exe"), "wb") as f:
            f.write(new)
        self.root.write_state({"current": "1.1.0", "previous": "1.0.0", "trial": False})
        r = self.start("x y")
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        # The new launcher runs in a process of its own, and starts the app.
        wait_for(lambda: self.versions_started(), what="the app's report")
        self.assertEqual(self.versions_started(), ["1.1.0"])
        rep = parse_report(self.report)
        self.assertEqual(rep["args"][1:], [f"--report={winpath(self.report)}", "x y"])
        self.assertEqual(self.launcher_bytes(), new)
        log = self.root.log()
        self.assertIn("version 1.1.0 carries a new launcher; installing it", log)
        self.assertIn("running the launcher from version 1.1.0", log)
        # The old image, renamed aside while it ran, is gone after a later start.
        r = self.start()
        self.assertEqual(r.returncode, 0, r.stderr)
        leftovers = [n for n in os.listdir(self.root.path)
                     if n.startswith("bomiot-launcher.") and n != "bomiot-launcher.exe"]
        self.assertEqual(leftovers, [])
        self.assertEqual(self.root.log().count("carries a new launcher"), 1)


class WindowsChinesePathTest(WindowsLaunchTest):
    """Every test again in a root whose path has Chinese characters, as under
    C:\\Users\\张伟\\AppData\\Local\\Programs."""
    name_hint = "用户张伟-"

    def test_the_root_path_is_not_ascii(self):
        self.assertIn("张伟", self.root.path)
        self.root.add_version("1.0.0")
        r = self.start()
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.root.p("versions", "1.0.0", ".bomiot-complete")) as f:
            self.assertEqual(json.load(f)["version"], "1.0.0")
        self.assertTrue(os.path.isfile(self.root.p("state.json")))
        self.assertIn("张伟", parse_report(self.report)["args"][0])


if __name__ == "__main__":
    unittest.main()
