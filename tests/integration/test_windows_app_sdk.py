# SPDX-License-Identifier: Apache-2.0
"""The app's side of issue 24 on Windows, under Wine: the Windows build's
bomiot-launcher.exe starts bl-sdk-app.exe, a native app on
sdk/c/bomiot_launcher.h (CreateProcessW, pipes, UTF-8 to UTF-16), which asks
--status, is refused a restart with nothing staged, restarts in exec mode
through a detached `--restart-after` with its arguments intact, confirms its
health, and gets Busy while another launcher is updating and an error from a
folder that is not an installation; and, with a repository made by
bomiot-release.exe, a check now relayed over the named pipe and the restart
code bringing the new version with the same arguments. The Linux twin is
test_app_sdk.py; tests/app/sdk_app.c documents the app's
arguments and report."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "windows"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from wineroot import BUILD, LAUNCHER, WINE, WinRoot, missing, wait_for, wine, wine_env, winpath  # noqa: E402
from blroot import MARKER, install_launcher  # noqa: E402
from server import TestServer  # noqa: E402
from blrepo import APP, Publisher, seed_install  # noqa: E402
from test_app_sdk import runs  # noqa: E402
from test_windows_update import RELEASE, WinPublisher  # noqa: E402  (its tests do not run here)
import test_splash_launcher as sl  # noqa: E402  (its tests do not run here)

SDK_APP = os.path.join(BUILD, "tests", "bl-sdk-app.exe")
WHY = missing() or (None if os.path.isfile(SDK_APP) else f"{SDK_APP} is not built")
ARGS = ["plain", "with space", "ünïcødé 中文", "a\"quote'", "back\\slash\\"]


@unittest.skipIf(WHY, WHY)
class WindowsSdkTest(unittest.TestCase):
    def setUp(self):
        self.root = WinRoot()
        self.addCleanup(self.root.cleanup)
        self.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})
        self.root.write_config({"update_url": "http://127.0.0.1:9/updates"})
        self.report = self.root.p("report.txt")

    def add_version(self, version):
        folder = self.root.add_version(version, complete=False)
        shutil.copy2(SDK_APP, os.path.join(folder, "bomiot.exe"))
        with open(os.path.join(folder, MARKER), "w") as f:
            json.dump({"version": version}, f)

    def launch(self, *args):
        proc = subprocess.Popen([WINE, self.root.launcher, f"--report={winpath(self.report)}", *args],
                                env=wine_env(), cwd=self.root.path, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.communicate()))
        return proc

    def app_by_hand(self, *args):
        """bl-sdk-app.exe run without a launcher (its version is then "unknown")."""
        return wine(SDK_APP, f"--report={winpath(self.report)}", *args, timeout=120)

    def error(self, run):
        self.assertEqual(len(run["errors"]), 1, run)
        kind, code, message = run["errors"][0].split(" ", 2)
        return kind, int(code), message

    def test_status_environment_health_and_a_restart_with_nothing_staged(self):
        r = self.root.run(f"--report={winpath(self.report)}", "--on=1.0.0:status,restart,confirm,exit-3", *ARGS)
        self.assertEqual(r.returncode, 3, r.stderr)
        [run] = runs(self.report)
        self.assertEqual(run["args"][2:], ["--on=1.0.0:status,restart,confirm,exit-3", *ARGS])
        self.assertEqual(run["launched"], "1")
        self.assertEqual((run["status.current"], run["status.staged"], run["status.running"]), ("1.0.0", "", "1.0.0"))
        env = run["env"]
        self.assertEqual(env["BOMIOT_LAUNCHER_API"], "1")
        self.assertEqual(env["BOMIOT_LAUNCHER"].replace("/", "\\").lower(), winpath(self.root.launcher).lower())
        self.assertEqual((env["BOMIOT_APP_VERSION"], env["BOMIOT_LAUNCH_MODE"]), ("1.0.0", "supervise"))
        self.assertEqual(env["BOMIOT_RESTART_EXIT_CODE"], "85")
        kind, _, message = self.error(run)
        self.assertEqual(kind, "NothingStaged", message)
        self.assertEqual(run["confirmed"], "1")

    def test_exec_mode_restarts_through_restart_after_with_the_same_arguments(self):
        self.root.write_config({"update_url": "http://127.0.0.1:9/updates", "mode": "exec"})
        self.launch("--on=1.0.0:hold,status,restart", *ARGS)
        wait_for(lambda: (runs(self.report) or [{}])[0].get("holding"), 60, "the app to start")
        # Staged meanwhile, as a --check run in exec mode leaves it (no launcher runs now).
        self.add_version("1.1.0")
        self.root.write_state({"current": "1.0.0", "pending": "1.1.0"})
        open(self.report + ".go", "w").close()
        wait_for(lambda: len(runs(self.report)) == 2 and runs(self.report)[1].get("exiting"), 120,
                 "1.1.0 to start and end")
        first, second = runs(self.report)
        self.assertEqual(first["env"]["BOMIOT_LAUNCH_MODE"], "exec")
        self.assertEqual((first["status.staged"], first["restart"]), ("1.1.0", "0"))
        self.assertEqual(second["version"], "1.1.0")
        self.assertEqual(second["args"][1:], first["args"][1:])
        self.assertEqual(second["args"][2:], ["--on=1.0.0:hold,status,restart", *ARGS])
        wait_for(lambda: self.root.read_state().get("current") == "1.1.0" and not self.root.read_state().get("trial"),
                 60, "1.1.0 to be current and confirmed")

    def test_a_folder_that_is_not_an_installation(self):
        folder = tempfile.mkdtemp(prefix="bl-winsdk-not-a-root-")
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        install_launcher(LAUNCHER, folder, "bomiot-launcher.exe")
        launcher = winpath(os.path.join(folder, "bomiot-launcher.exe"))
        r = self.app_by_hand(f"--launcher={launcher}", "--on=unknown:status")
        self.assertEqual(r.returncode, 0, r.stderr)
        [run] = runs(self.report)
        kind, code, message = self.error(run)
        self.assertEqual((kind, code), ("LauncherError", 127), message)
        self.assertIn("not in an installation", message)

    def test_a_check_while_another_launcher_updates_at_launch_is_busy(self):
        tmp = tempfile.mkdtemp(prefix="bl-winsdk-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        os.makedirs(self.root.p("resources"), exist_ok=True)
        with open(self.root.p("resources", "root.json"), "w") as f:
            f.write(sl.signed_root(tmp))
        log = os.path.join(tmp, "requests.log")
        server = TestServer(tmp, log=log)
        self.addCleanup(server.stop)
        # The update at launch waits on a request the server holds, with the lock.
        self.root.write_config({"update_url": f"{server.url}/_fault/hold/x", "check_seconds": 60, "splash": False})
        self.launch()
        wait_for(lambda: os.path.exists(log) and "/_fault/hold/x/" in open(log).read(), 60, "the held check")
        r = self.app_by_hand(f"--launcher={winpath(self.root.launcher)}", "--on=unknown:check")
        self.assertEqual(r.returncode, 0, r.stderr)
        [run] = runs(self.report)
        kind, code, message = self.error(run)
        self.assertEqual((kind, code), ("Busy", 11), message)
        self.assertEqual(run["events"][-1]["event"], "busy")


class SdkWinPublisher(WinPublisher):
    """bomiot-release.exe publishing versions made of bl-sdk-app.exe."""

    def add(self, version, *flags, **app_kw):
        return Publisher.add(self, version, *flags, exe=APP + ".exe", testapp=SDK_APP, **app_kw)


WHY_UPDATE = WHY or (None if os.path.isfile(RELEASE) else f"{RELEASE} is not built")


@unittest.skipIf(WHY_UPDATE, WHY_UPDATE)
class WindowsSdkUpdateTest(unittest.TestCase):
    """The done-when's main path on Windows: a check now relayed to the
    supervising launcher over its named pipe, with progress lines, then the
    restart code, and the new version back with the same arguments."""

    def setUp(self):
        self.pub = SdkWinPublisher()
        self.addCleanup(self.pub.cleanup)
        self.pub.init()
        self.pub.add("1.0.0", data_size=64 * 1024)
        self.root = WinRoot()
        self.addCleanup(self.root.cleanup)
        seed_install(self.root, self.pub, "1.0.0")
        self.server = TestServer(self.pub.repo)
        self.addCleanup(self.server.stop)
        self.report = self.root.p("report.txt")
        self.root.write_config({"update_url": self.server.url, "check_seconds": 60, "splash": False})

    def test_a_check_now_then_the_restart_code_brings_the_new_version_with_the_same_arguments(self):
        proc = subprocess.Popen([WINE, self.root.launcher, f"--report={winpath(self.report)}",
                                 "--on=1.0.0:hold,check,status,restart", *ARGS],
                                env=wine_env(), cwd=self.root.path, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.communicate()))
        wait_for(lambda: (runs(self.report) or [{}])[0].get("holding"), 120, "the app to start")
        self.pub.add("1.1.0", data_size=64 * 1024)
        open(self.report + ".go", "w").close()
        _, stderr = proc.communicate(timeout=300)
        self.assertEqual(proc.returncode, 0, stderr)
        first, second = runs(self.report)
        self.assertEqual(first["errors"], [])
        self.assertEqual(first["events"][0], {"event": "checking"})
        self.assertEqual(first["events"][-1], {"event": "staged", "version": "1.1.0"})
        self.assertEqual((first["check"], first["status.staged"], first["restart"]), ("staged 1.1.0", "1.1.0", "85"))
        self.assertEqual(second["version"], "1.1.0")
        self.assertEqual(second["args"][1:], first["args"][1:])
        self.assertEqual(second["env"]["BOMIOT_ON_TRIAL"], "1")
        self.assertEqual(self.root.read_state()["current"], "1.1.0")


if __name__ == "__main__":
    unittest.main()
