# SPDX-License-Identifier: Apache-2.0
"""What the app is told and what it can ask (issue 24, part A): the
environment the launcher sets for the app it starts, and
`bomiot-launcher --status [--json]` from another process, with the real
launcher in a real install root, while the app runs and after."""
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from blrepo import PublishedInstallCase, published_install  # noqa: E402
from blroot import LAUNCHER, Root, install_launcher, parse_report, wait_for  # noqa: E402
from server import TestServer  # noqa: E402


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def folder_bytes(folder):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(folder) for f in files)


class AppEnvironmentTest(unittest.TestCase):
    def setUp(self):
        self.root = Root("env-")
        self.report = self.root.p("report.txt")

    def tearDown(self):
        self.root.cleanup()

    def env_of_a_start(self, **kw):
        r = self.root.run(f"--report={self.report}", **kw)
        self.assertEqual(r.returncode, 0, r.stderr)
        return parse_report(self.report)["env"]

    def test_a_supervised_app_is_told_its_launcher(self):
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})
        self.root.write_config({"restart_exit_code": 42})
        env = self.env_of_a_start()
        self.assertEqual(env["BOMIOT_LAUNCHER_API"], "1")
        self.assertEqual(env["BOMIOT_LAUNCHER"], os.path.realpath(self.root.launcher))
        self.assertEqual(env["BOMIOT_INSTALL_ROOT"], os.path.realpath(self.root.path))
        self.assertEqual(env["BOMIOT_APP_VERSION"], "1.0.0")
        self.assertEqual(env["BOMIOT_ON_TRIAL"], "0")
        self.assertEqual(env["BOMIOT_LAUNCH_MODE"], "supervise")
        self.assertEqual(env["BOMIOT_RESTART_EXIT_CODE"], "42")
        self.assertEqual(env["BOMIOT_HEALTH_FILE"], os.path.join(os.path.realpath(self.root.path), "cache",
                                                                 "app-healthy"))
        self.assertEqual(env["BOMIOT_UPDATE_READY_FILE"], os.path.join(os.path.realpath(self.root.path), "cache",
                                                                       "update-ready"))

    def test_an_execd_app_is_told_so_and_a_trial_run_is_supervised(self):
        self.root.add_version("1.0.0")
        self.root.add_version("1.1.0")
        self.root.write_config({"mode": "exec"})
        self.root.write_state({"current": "1.0.0"})
        env = self.env_of_a_start()
        self.assertEqual(env["BOMIOT_LAUNCH_MODE"], "exec")
        self.assertEqual(env["BOMIOT_ON_TRIAL"], "0")
        self.assertEqual(env["BOMIOT_RESTART_EXIT_CODE"], "85")
        self.root.write_state({"current": "1.1.0", "previous": "1.0.0", "trial": True})
        env = self.env_of_a_start()
        self.assertEqual(env["BOMIOT_APP_VERSION"], "1.1.0")
        self.assertEqual(env["BOMIOT_ON_TRIAL"], "1")
        self.assertEqual(env["BOMIOT_LAUNCH_MODE"], "supervise")

    def test_a_second_launcher_tells_its_app_the_same(self):
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0", "trial": True})
        os.makedirs(self.root.p("cache"), exist_ok=True)
        with open(self.root.p("cache", "launcher.lock"), "w") as held:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
            env = self.env_of_a_start()
        self.assertEqual(env["BOMIOT_APP_VERSION"], "1.0.0")
        self.assertEqual(env["BOMIOT_ON_TRIAL"], "0")  # not judged by this launcher
        self.assertEqual(env["BOMIOT_LAUNCH_MODE"], "supervise")
        self.assertIn("BOMIOT_HEALTH_FILE", env)
        self.assertEqual(env["BOMIOT_LAUNCHER_API"], "1")

    def test_a_health_file_left_by_an_earlier_run_does_not_confirm_a_trial(self):
        """Every run is told the health file now, so an app off trial may
        leave one behind; the next trial must not take it for its own."""
        self.root.add_version("1.0.0")
        self.root.add_version("1.1.0", behaviour=("--sleep=600", "--exit=3"))
        self.root.write_state({"current": "1.0.0"})
        r = self.root.run("--touch-health")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(self.root.p("cache", "app-healthy")))
        self.root.write_state({"current": "1.1.0", "previous": "1.0.0", "trial": True})
        self.root.write_config({"rerun_after_rollback": False})
        r = self.root.run()
        self.assertEqual(r.returncode, 3)
        self.assertNotIn("reported itself healthy", self.root.log())
        state = self.root.read_state()
        self.assertEqual(state["current"], "1.0.0")
        self.assertEqual(state["blocked"], ["1.1.0"])


class StatusTest(unittest.TestCase):
    def setUp(self):
        self.root = Root("status-")

    def tearDown(self):
        self.root.cleanup()

    def status(self, *args, timeout=10):
        r = self.root.run("--status", "--json", *args, timeout=timeout)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_json_describes_an_installation_with_a_staged_version(self):
        self.root.add_version("1.0.0")
        self.root.add_version("1.1.0")
        staged = self.root.add_version("1.2.0")
        with open(os.path.join(staged, "data.bin"), "wb") as f:
            f.write(b"x" * 100000)
        self.root.write_state({"current": "1.1.0", "previous": "1.0.0", "trial": True, "attempts": 1,
                               "blocked": ["1.0.5"], "pending": "1.2.0"})
        self.root.write_config({"update_url": "https://updates.example.com/bomiot", "trial_attempts": 3})
        s = self.status()
        self.assertEqual(s["schema"], 1)
        self.assertEqual(s["launcher"]["path"], os.path.realpath(self.root.launcher))
        self.assertRegex(s["launcher"]["version"], r"^\d+\.\d+\.\d+$")
        self.assertEqual(s["root"], os.path.realpath(self.root.path))
        self.assertEqual(s["current"], "1.1.0")
        self.assertIsNone(s["running"])
        self.assertEqual(s["previous"], "1.0.0")
        self.assertEqual(s["installed"], ["1.0.0", "1.1.0", "1.2.0"])
        self.assertEqual(s["trial"], {"version": "1.1.0", "attempts": 1, "max_attempts": 3})
        self.assertEqual(s["blocked"], ["1.0.5"])
        self.assertEqual(s["channel"], "stable")
        self.assertEqual(s["update_url"], "https://updates.example.com/bomiot")
        self.assertIs(s["auto_update"], True)
        self.assertEqual(s["update_interval"], 3600)
        self.assertEqual(s["rollout"], {"install_id": None})
        self.assertIsNone(s["last_check"])
        self.assertEqual(s["staged"], {"version": "1.2.0", "size": folder_bytes(staged)})
        self.assertGreater(s["staged"]["size"], 100000)
        self.assertIsNone(s["check"])
        r = self.root.run("--status")
        self.assertEqual(r.returncode, 0, r.stderr)
        text = r.stdout.decode()
        self.assertIn("Version:      1.1.0 (on trial: start 1 of 3)\n", text)
        self.assertIn("Update ready: 1.2.0 (", text)
        self.assertIn("Last check:   never\n", text)

    def test_the_pick_is_a_launchs_and_the_last_check_is_shown(self):
        self.root.add_version("1.0.0")
        self.root.add_version("1.1.0")
        self.root.write_state("not json")  # a launch recovers: the newest complete version
        os.makedirs(self.root.p("cache"), exist_ok=True)
        now = int(time.time())
        with open(self.root.p("cache", "last-check"), "w") as f:
            f.write(f"{now - 120} 2 {now - 7200}\n")
        s = self.status()
        self.assertEqual(s["current"], "1.1.0")
        self.assertEqual(s["last_check"]["failures_in_a_row"], 2)
        self.assertIs(s["last_check"]["ok"], False)
        self.assertEqual(s["last_check"]["at"], time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 120)))
        self.assertEqual(s["last_check"]["next_due"], time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)))
        self.assertIsNone(s["staged"])

    def test_running_while_the_app_runs_and_null_after(self):
        self.root.add_version("1.0.0", behaviour=("--sleep=2500",))
        self.root.write_state({"current": "1.0.0"})
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOMIOT_")}
        proc = subprocess.Popen([self.root.launcher], env=env, cwd=self.root.path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            s = wait_for(lambda: (lambda s: s if s["running"] else None)(self.status()), timeout=10,
                         what="--status to show the app running")
            self.assertEqual(s["running"]["version"], "1.0.0")
            self.assertEqual(s["running"]["launcher_pid"], proc.pid)
            self.assertEqual(s["running"]["mode"], "supervise")
            app_pid = s["running"]["app_pid"]
            self.assertNotEqual(app_pid, proc.pid)
            self.assertTrue(alive(app_pid))
            with open(f"/proc/{app_pid}/status") as f:
                self.assertIn(f"PPid:\t{proc.pid}\n", f.read())  # the launcher's own child
            self.assertEqual(proc.wait(timeout=20), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertIsNone(self.status()["running"])
        self.assertFalse(os.path.exists(self.root.p("cache", "activity.json")))

    def test_an_activity_file_whose_launcher_is_gone_is_ignored(self):
        self.root.add_version("1.0.0")
        os.makedirs(self.root.p("cache"), exist_ok=True)
        dead = subprocess.Popen(["true"])
        dead.wait()
        with open(self.root.p("cache", "activity.json"), "w") as f:
            json.dump({"launcher_pid": dead.pid, "app_pid": dead.pid, "running": "1.0.0", "mode": "supervise",
                       "check": {"stage": "checking", "version": None, "bytes": 0, "total": 0, "rate": 0,
                                 "since": "2026-12-05T03:00:00Z"}, "updated": 1}, f)
        s = self.status()
        self.assertIsNone(s["running"])
        self.assertIsNone(s["check"])

    def test_the_lock_holder_removes_an_activity_file_left_by_a_launcher_that_died(self):
        """Whose pid another process may have taken since: a launch removes
        it once it holds the lock, before anything else (here: nothing is
        installed, so it goes no further)."""
        os.makedirs(self.root.p("cache"), exist_ok=True)
        activity = self.root.p("cache", "activity.json")
        with open(activity, "w") as f:
            json.dump({"launcher_pid": os.getpid(), "app_pid": os.getpid(), "running": "1.0.0",
                       "mode": "supervise", "check": None, "updated": 1}, f)
        self.assertEqual(self.root.run().returncode, 127)
        self.assertFalse(os.path.exists(activity))

    def test_a_check_in_progress_is_shown_from_a_live_launcher(self):
        """The file as a launcher in a check writes it (its own pid is this
        test's: alive)."""
        self.root.add_version("1.0.0")
        os.makedirs(self.root.p("cache"), exist_ok=True)
        with open(self.root.p("cache", "activity.json"), "w") as f:
            json.dump({"launcher_pid": os.getpid(), "app_pid": None, "running": None, "mode": "supervise",
                       "check": {"stage": "downloading", "version": "1.2.0", "bytes": 1000, "total": 5000,
                                 "rate": 250000.0, "since": "2026-12-05T03:00:00Z"}, "updated": 1}, f)
        s = self.status()
        self.assertIsNone(s["running"])
        self.assertEqual(s["check"], {"stage": "downloading", "version": "1.2.0", "bytes": 1000, "total": 5000,
                                      "rate": 250000.0, "since": "2026-12-05T03:00:00Z"})

    def test_not_an_installation(self):
        folder = tempfile.mkdtemp(prefix="bl-not-root-")
        try:
            install_launcher(LAUNCHER, folder, "bomiot-launcher")
            launcher = os.path.join(folder, "bomiot-launcher")
            r = subprocess.run([launcher, "--status"], capture_output=True, timeout=10)
            self.assertEqual(r.returncode, 127)
            self.assertEqual(r.stdout, b"")
            self.assertIn(b"no versions folder beside the launcher", r.stderr)
            r = subprocess.run([launcher, "--status", "--json"], capture_output=True, timeout=10)
            self.assertEqual(r.returncode, 127)
            s = json.loads(r.stdout)
            self.assertEqual(s["schema"], 1)
            self.assertIn("not in an installation", s["error"])
            os.makedirs(os.path.join(folder, "versions", "1.0.0"))  # incomplete: nothing installed
            r = subprocess.run([launcher, "--status", "--json"], capture_output=True, timeout=10)
            self.assertEqual(r.returncode, 127)
            self.assertIn("no version is installed", json.loads(r.stdout)["error"])
            r = subprocess.run([launcher, "--status", "--yaml"], capture_output=True, timeout=10)
            self.assertEqual(r.returncode, 2)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def test_returns_at_once_while_another_launcher_holds_the_lock(self):
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})
        os.makedirs(self.root.p("cache"), exist_ok=True)
        with open(self.root.p("cache", "launcher.lock"), "w") as held:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
            t = time.monotonic()
            s = self.status(timeout=5)
            self.assertLess(time.monotonic() - t, 2)
            self.assertEqual(s["current"], "1.0.0")
        self.assertFalse(os.path.exists(self.root.p("cache", "update.log")))  # it only reads


class CheckProgressTest(PublishedInstallCase):
    """A background check's progress reaches --status through
    cache/activity.json, from the launcher that runs it."""

    def status(self):
        r = self.root.run("--status", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_a_download_in_the_background_shows_as_a_check_then_as_staged(self):
        self.pub.add("1.1.0", data_size=16 * 1024)
        archive = os.path.getsize(self.pub.archive("1.1.0"))
        self.server = TestServer(self.pub.repo)
        slow = f"{self.server.url}/_fault/only/bomiot-1.1.0.tar.gz/slow/{archive // 4}"  # about 4 s
        self.root.write_config({"update_url": slow, "incremental_update": False, "update_at_launch": False})
        report = self.root.p("report.txt")
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOMIOT_")}
        self.proc = subprocess.Popen([self.root.launcher, f"--report={report}", "--wait-signal"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        check = wait_for(lambda: (lambda s: s["check"] if s["check"] and s["check"]["stage"] == "downloading"
                                  and s["check"]["bytes"] > 0 else None)(self.status()),
                         30, "--status to show the download")
        self.assertEqual(check["version"], "1.1.0")
        self.assertEqual(check["total"], archive)
        self.assertLess(check["bytes"], archive)
        self.assertRegex(check["since"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        s = wait_for(lambda: (lambda s: s if s["staged"] and not s["check"] else None)(self.status()),
                     30, "the check to end with 1.1.0 staged")
        self.assertEqual(s["staged"]["version"], "1.1.0")
        self.assertEqual(s["running"]["version"], "1.0.0")
        self.assertEqual(s["running"]["launcher_pid"], self.proc.pid)
        self.assertIsNotNone(s["last_check"])
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(timeout=30), 42)
        self.assertFalse(os.path.exists(self.root.p("cache", "activity.json")))


if __name__ == "__main__":
    unittest.main()
