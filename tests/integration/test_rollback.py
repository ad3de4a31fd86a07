# SPDX-License-Identifier: Apache-2.0
"""A new version on trial: confirmed when healthy, rolled back and blocked
when it crashes on its first run, with the previous version started at once."""
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from blroot import Root, parse_report  # noqa: E402


class TrialTest(unittest.TestCase):
    def setUp(self):
        self.root = Root()
        self.report = self.root.p("report.txt")
        self.root.add_version("1.0.0")
        self.root.write_config({"healthy_seconds": 2})

    def tearDown(self):
        self.root.cleanup()

    def switch_to(self, version, behaviour=(), attempts=0):
        """What an update does: install the new version and put it on trial."""
        self.root.add_version(version, behaviour=behaviour)
        self.root.write_state({"current": version, "previous": "1.0.0", "trial": True,
                               "attempts": attempts, "blocked": []})

    def versions_started(self):
        if not os.path.exists(self.report):
            return []
        return [line[len("version="):] for line in parse_report(self.report)["lines"]
                if line.startswith("version=")]

    def start(self, *args, **kw):
        return self.root.run(f"--report={self.report}", *args, **kw)

    def assert_rolled_back(self, r, cause):
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.versions_started(), ["1.1.0", "1.0.0"])
        state = self.root.read_state()
        self.assertEqual(state["current"], "1.0.0")
        self.assertEqual(state["blocked"], ["1.1.0"])
        self.assertFalse(state["trial"])
        self.assertIn(cause, self.root.log())
        self.assertIn("version 1.1.0 failed its trial; blocked it and went back to 1.0.0", self.root.log())

    def test_crash_by_signal_rolls_back_and_starts_the_previous_at_once(self):
        self.switch_to("1.1.0", behaviour=("--crash=segv",))
        self.assert_rolled_back(self.start(), "version 1.1.0 died of signal 11")

    def test_early_error_exit_rolls_back(self):
        self.switch_to("1.1.0", behaviour=("--exit=3",))
        self.assert_rolled_back(self.start(), "version 1.1.0 exited with code 3")

    def test_a_hang_killed_by_the_user_rolls_back(self):
        self.switch_to("1.1.0", behaviour=("--sleep=60000",))
        proc = subprocess.Popen([self.root.launcher, f"--report={self.report}"], stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while "1.1.0" not in self.versions_started() and time.time() < deadline:
            time.sleep(0.02)
        app_pid = int(subprocess.check_output(["pgrep", "-P", str(proc.pid)]).split()[0])
        os.kill(app_pid, signal.SIGKILL)
        self.assertEqual(proc.wait(timeout=10), 0)
        proc.stderr.close()
        self.assertEqual(self.versions_started(), ["1.1.0", "1.0.0"])
        self.assertEqual(self.root.read_state()["blocked"], ["1.1.0"])

    def start_and_wait(self, version="1.1.0", **kw):
        """Starts the launcher and waits until version has started."""
        proc = subprocess.Popen([self.root.launcher, f"--report={self.report}"], stderr=subprocess.PIPE, **kw)
        deadline = time.time() + 10
        while version not in self.versions_started() and time.time() < deadline:
            time.sleep(0.02)
        self.assertIn(version, self.versions_started())
        return proc

    def assert_still_on_trial(self, attempts=0):
        self.assertEqual(self.versions_started(), ["1.1.0"])
        state = self.root.read_state()
        self.assertEqual((state["current"], state["trial"], state["attempts"], state["blocked"]),
                         ("1.1.0", True, attempts, []))
        self.assertNotIn("failed its trial", self.root.log())
        self.assertIn("no verdict, it stays on trial", self.root.log())

    def test_a_signal_sent_to_the_launcher_is_a_quit_not_a_crash(self):
        for sig in (signal.SIGTERM, signal.SIGHUP):  # systemctl stop, shutdown; logout
            with self.subTest(signal=sig.name):
                self.switch_to("1.1.0", behaviour=("--sleep=60000",))
                proc = self.start_and_wait()
                proc.send_signal(sig)
                self.assertEqual(proc.wait(timeout=10), -sig)  # the launcher dies of it, as the README says
                proc.stderr.close()
                self.assert_still_on_trial()
                os.remove(self.report)

    def test_ctrl_c_in_the_terminal_is_a_quit_not_a_crash(self):
        self.switch_to("1.1.0", behaviour=("--sleep=60000",))
        proc = self.start_and_wait(start_new_session=True)  # its own foreground process group
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl+C
        self.assertEqual(proc.wait(timeout=10), -signal.SIGINT)
        proc.stderr.close()
        self.assert_still_on_trial()

    def test_an_app_that_ends_its_own_way_on_a_passed_on_signal_quits(self):
        self.switch_to("1.1.0", behaviour=("--wait-signal",))
        proc = self.start_and_wait()
        deadline = time.time() + 10
        while "ready" not in parse_report(self.report)["lines"] and time.time() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=10), 42)  # the app's own exit code after SIGTERM
        proc.stderr.close()
        self.assert_still_on_trial()

    def test_quits_do_not_use_up_the_trial_attempts(self):
        self.switch_to("1.1.0", behaviour=("--sleep=60000",))
        for _ in range(3):  # trial_attempts is 2
            proc = self.start_and_wait()
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=10), -signal.SIGTERM)
            proc.stderr.close()
            self.assert_still_on_trial()
            os.remove(self.report)

    def test_a_release_whose_app_cannot_run_rolls_back_in_the_same_launch(self):
        app = self.root.p("versions", "1.1.0", "bomiot")
        breakages = {
            "missing": os.remove,
            "not executable": lambda path: os.chmod(path, 0o644),
            "dangling link": lambda path: (os.remove(path), os.symlink("gone", path)),
        }
        for name, breakage in breakages.items():
            with self.subTest(name):
                self.switch_to("1.1.0")
                breakage(app)
                r = self.start()
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(self.versions_started(), ["1.0.0"])
                state = self.root.read_state()
                self.assertEqual((state["current"], state["blocked"], state["trial"]), ("1.0.0", ["1.1.0"], False))
                self.assertIn("version 1.1.0 failed its trial; blocked it and went back to 1.0.0", self.root.log())
                # A blocked release is no use on this machine: its folder goes.
                self.assertFalse(os.path.exists(self.root.p("versions", "1.1.0")))
                os.remove(self.report)
                os.remove(self.root.p("cache", "update.log"))

    def test_unblock_lifts_a_block(self):
        self.switch_to("1.1.0", behaviour=("--crash=segv",))
        self.start()
        self.assertEqual(self.root.read_state()["blocked"], ["1.1.0"])
        r = self.root.run("--unblock", "1.1.0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"1.1.0 is no longer blocked", r.stdout)
        state = self.root.read_state()
        self.assertEqual((state["current"], state["blocked"]), ("1.0.0", []))
        self.assertIn("version 1.1.0 unblocked by --unblock", self.root.log())
        r = self.root.run("--unblock", "1.1.0")  # again: nothing to do
        self.assertEqual((r.returncode, r.stdout), (0, b"1.1.0 is not blocked\n"))
        self.assertEqual(self.versions_started(), ["1.1.0", "1.0.0"])  # --unblock starts no app

    def test_unblock_refuses_a_bad_version_and_a_running_launcher(self):
        self.assertEqual(self.root.run("--unblock", "../x").returncode, 2)
        self.assertEqual(self.root.run("--unblock").returncode, 2)
        self.switch_to("1.1.0", behaviour=("--sleep=60000",))
        proc = self.start_and_wait()
        r = self.root.run("--unblock", "1.1.0")
        self.assertEqual(r.returncode, 125)
        self.assertIn(b"held by another launcher; close the app first", r.stderr)
        proc.terminate()  # passed on to the app: both end
        proc.wait(timeout=10)
        proc.stderr.close()

    def test_a_cli_app_lists_the_exit_codes_that_fail_its_trial(self):
        self.root.write_config({"healthy_seconds": 2, "trial_exit_codes": "64-78"})
        self.switch_to("1.1.0", behaviour=("--exit=1",))  # "no": an ordinary answer
        r = self.start()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(self.versions_started(), ["1.1.0"])
        state = self.root.read_state()
        self.assertEqual((state["current"], state["trial"], state["blocked"]), ("1.1.0", False, []))
        os.remove(self.report)
        self.switch_to("1.2.0", behaviour=("--exit=70",))  # EX_SOFTWARE: a failure
        self.assert_rolled_back_to_1_0_0_from("1.2.0", self.start())

    def assert_rolled_back_to_1_0_0_from(self, version, r):
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.versions_started(), [version, "1.0.0"])
        self.assertEqual(self.root.read_state()["blocked"], [version])

    def test_a_cli_app_is_not_run_twice_after_a_rollback(self):
        self.root.write_config({"healthy_seconds": 2, "rerun_after_rollback": False})
        self.switch_to("1.1.0", behaviour=("--crash=segv",))
        r = self.start("--delete-everything")
        self.assertEqual(r.returncode, -signal.SIGSEGV)  # the command's own end, once
        self.assertEqual(self.versions_started(), ["1.1.0"])
        state = self.root.read_state()
        self.assertEqual((state["current"], state["blocked"], state["trial"]), ("1.0.0", ["1.1.0"], False))
        self.assertIn("not starting 1.0.0 now (rerun_after_rollback is false)", self.root.log())
        os.remove(self.report)
        self.assertEqual(self.start().returncode, 0)
        self.assertEqual(self.versions_started(), ["1.0.0"])  # the next start runs it

    def test_without_restart_a_release_that_never_ran_still_falls_back_at_once(self):
        self.root.write_config({"healthy_seconds": 2, "rerun_after_rollback": False})
        self.switch_to("1.1.0")
        os.remove(self.root.p("versions", "1.1.0", "bomiot"))  # the command did not run: run it now
        self.assertEqual(self.start().returncode, 0)
        self.assertEqual(self.versions_started(), ["1.0.0"])

    def test_rollback_in_exec_mode_too(self):
        self.root.write_config({"healthy_seconds": 2, "mode": "exec"})
        self.switch_to("1.1.0", behaviour=("--crash=abort",))
        self.assert_rolled_back(self.start(), "version 1.1.0 died of signal 6")

    def test_clean_exit_confirms_and_prunes_old_versions(self):
        self.root.add_version("0.9.0")
        self.root.write_config({"healthy_seconds": 2, "keep_versions": 2})
        self.switch_to("1.1.0")
        r = self.start()
        self.assertEqual(r.returncode, 0, r.stderr)
        state = self.root.read_state()
        self.assertEqual((state["current"], state["trial"], state["attempts"]), ("1.1.0", False, 0))
        self.assertIn("version 1.1.0 confirmed: it exited normally", self.root.log())
        self.assertEqual(sorted(os.listdir(self.root.p("versions"))), ["1.0.0", "1.1.0"])

    def test_surviving_the_healthy_time_confirms_while_the_app_runs(self):
        self.switch_to("1.1.0", behaviour=("--sleep=3500", "--exit=5"))
        proc = subprocess.Popen([self.root.launcher, f"--report={self.report}"])
        time.sleep(2.8)  # past healthy_seconds = 2, the app still running
        self.assertIsNone(proc.poll())
        self.assertFalse(self.root.read_state()["trial"])
        self.assertEqual(proc.wait(timeout=10), 5)  # a later error exit is the app's own business
        self.assertEqual(self.versions_started(), ["1.1.0"])
        self.assertEqual(self.root.read_state()["blocked"], [])

    def test_health_file_confirms_early(self):
        self.switch_to("1.1.0", behaviour=("--touch-health", "--sleep=700", "--crash=segv"))
        r = self.start()
        self.assertEqual(r.returncode, -signal.SIGSEGV)
        self.assertIn("version 1.1.0 confirmed: it reported itself healthy", self.root.log())
        self.assertEqual(self.versions_started(), ["1.1.0"])
        self.assertEqual(self.root.read_state()["current"], "1.1.0")
        env = parse_report(self.report)["env"]
        self.assertEqual(env["BOMIOT_HEALTH_FILE"], self.root.p("cache", "app-healthy"))

    def test_the_python_lines_docs_give_publishers_confirm_early(self):
        """docs/release.md gives publishers Python lines that create the health
        file (issue 21, item 13): run as written, in an app that then crashes
        well within healthy_seconds, they confirm the version."""
        docs = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "release.md")
        with open(docs, encoding="utf-8") as f:
            text = f.read()
        section = text[text.index("### The health file"):]
        snippet = section[section.index("```python\n") + len("```python\n"):section.index("```\n", 10)]
        self.assertIn("BOMIOT_HEALTH_FILE", snippet)
        folder = self.root.add_version("1.1.0")
        app = os.path.join(folder, "bomiot")
        with open(app, "w") as f:
            f.write(f"#!{sys.executable}\n{snippet}\nimport signal, time\ntime.sleep(0.7)\n"
                    "os.kill(os.getpid(), signal.SIGSEGV)\n")
        os.chmod(app, 0o755)
        self.root.write_state({"current": "1.1.0", "previous": "1.0.0", "trial": True, "attempts": 0,
                               "blocked": []})
        r = self.start()
        self.assertEqual(r.returncode, -signal.SIGSEGV, r.stderr)
        self.assertIn("version 1.1.0 confirmed: it reported itself healthy", self.root.log())
        self.assertEqual(self.root.read_state()["blocked"], [])

    def test_launcher_killed_during_trial_rolls_back_after_the_attempt_limit(self):
        self.switch_to("1.1.0", behaviour=("--sleep=60000",))
        for attempt in (1, 2):  # power loss twice while 1.1.0 is on trial
            proc = subprocess.Popen([self.root.launcher, f"--report={self.report}"])
            deadline = time.time() + 10
            while self.versions_started().count("1.1.0") < attempt and time.time() < deadline:
                time.sleep(0.02)
            app_pid = int(subprocess.check_output(["pgrep", "-P", str(proc.pid)]).split()[0])
            proc.kill()
            proc.wait()
            os.kill(app_pid, signal.SIGKILL)
            self.assertEqual(self.root.read_state()["attempts"], attempt)
        r = self.start()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.versions_started(), ["1.1.0", "1.1.0", "1.0.0"])
        self.assertIn("version 1.1.0 was started 2 times without being confirmed", self.root.log())
        self.assertEqual(self.root.read_state()["blocked"], ["1.1.0"])

    def test_a_blocked_version_is_not_started_again(self):
        self.switch_to("1.1.0", behaviour=("--crash=segv",))
        self.start()
        os.remove(self.report)
        r = self.start()
        self.assertEqual(r.returncode, 0)
        self.assertEqual(self.versions_started(), ["1.0.0"])

    def test_no_previous_version_keeps_the_crashing_one(self):
        self.root.add_version("1.1.0", behaviour=("--exit=9",))
        os.remove(self.root.p("versions", "1.0.0", ".bomiot-complete"))
        self.root.write_state({"current": "1.1.0", "previous": "1.0.0", "trial": True})
        r = self.start()
        self.assertEqual(r.returncode, 9)
        self.assertIn("no other version is installed to go back to", self.root.log())


if __name__ == "__main__":
    unittest.main()
