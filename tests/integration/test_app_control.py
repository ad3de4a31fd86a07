# SPDX-License-Identifier: Apache-2.0
"""What the app can do (issue 24, docs/app-integration.md): exit with the
restart code to come back as the update staged while it ran, have a staged
update applied as it exits (apply_on_exit), restart through
`--restart-after PID` in exec mode, and check now with `--check`, in the
launcher's own process or relayed by the supervising launcher."""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from blrepo import published_install  # noqa: E402
from blroot import Root, end_processes, parse_report, wait_for  # noqa: E402
from server import TestServer  # noqa: E402

READY = os.path.join("cache", "update-ready")  # relative to the root, the app's working folder


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOMIOT_")}
    env.update(extra)
    return env


class AppControlTest(unittest.TestCase):
    """A repository with 1.0.0 served on 127.0.0.1 and an installation of it."""
    BEHAVIOUR = ()  # what 1.0.0 does besides its arguments

    def setUp(self):
        self.pub, self.root = published_install(behaviour=self.BEHAVIOUR)
        self.report = self.root.p("report.txt")
        self.server = TestServer(self.pub.repo)
        self.procs = []

    def tearDown(self):
        end_processes(self.procs)
        self.server.stop()
        self.root.cleanup()
        self.pub.cleanup()

    def popen(self, *args, env=None, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        p = subprocess.Popen([self.root.launcher, *args], env=clean_env(**(env or {})), cwd=self.root.path,
                             text=True, **kw)
        self.procs.append(p)
        return p

    def started(self):
        """(version, args after argv[0]) of every run of the app, in order."""
        if not os.path.exists(self.report):
            return []
        runs, version = [], None
        for line in parse_report(self.report)["lines"]:
            key, _, value = line.partition("=")
            if key == "version":
                version = value
                runs.append((version, []))
            elif key.startswith("arg") and key[3:].isdigit() and key != "arg0":
                runs[-1][1].append(bytes.fromhex(value).decode())
        return runs

    def wait_staged(self, version):
        wait_for(lambda: os.path.exists(self.root.p(READY)), 60, f"{version} to be staged")
        with open(self.root.p(READY)) as f:
            self.assertEqual(f.read(), version + "\n")


class RestartTest(AppControlTest):
    """1.0.0 waits until an update is staged, then exits with its own code
    (--exit= in the test's arguments, which every run gets again)."""
    BEHAVIOUR = ("--wait-file=" + READY,)

    def run_until_staged(self, config, *args):
        self.root.write_config({"update_url": self.server.url, **config})
        p = self.popen(f"--report={self.report}", *args, env={"BOMIOT_UPDATE_INTERVAL": "1"})
        wait_for(lambda: self.started(), 30, "the app to start")
        self.pub.add("1.1.0")
        return p

    def test_the_restart_code_starts_the_staged_version_at_once_with_the_same_arguments(self):
        p = self.run_until_staged({}, "--exit=85", "two words", "é")
        out, err = p.communicate(timeout=60)
        # 1.1.0 (no --wait-file) exits 85 too, with nothing staged now: the code is its own
        self.assertEqual(p.returncode, 85, err)
        args = ["--exit=85", "two words", "é"]
        self.assertEqual(self.started(), [("1.0.0", [f"--report={self.report}"] + args),
                                          ("1.1.0", [f"--report={self.report}"] + args)])
        log = self.root.log()
        self.assertIn("switching to 1.1.0, the app asked to restart into it", log)
        self.assertIn("version 1.1.0 on trial, start 1 of", log)
        self.assertIn("the app exited with the restart code 85 but no update is staged", log)
        state = self.root.read_state()
        # the restart code is no verdict on 1.1.0's trial: neither a crash nor a confirmation
        self.assertEqual((state["current"], state["previous"], state["trial"], state["blocked"]),
                         ("1.1.0", "1.0.0", True, []))
        self.assertFalse(os.path.exists(self.root.p(READY)))

    def test_a_restart_code_set_in_launcher_json_is_the_one(self):
        p = self.run_until_staged({"restart_exit_code": 3}, "--exit=3")
        p.communicate(timeout=60)
        self.assertEqual([v for v, _ in self.started()], ["1.0.0", "1.1.0"])
        self.assertEqual(p.returncode, 3)

    def test_apply_on_exit_switches_as_the_app_exits(self):
        p = self.run_until_staged({})
        p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0)
        self.assertEqual([v for v, _ in self.started()], ["1.0.0"])
        state = self.root.read_state()
        self.assertEqual((state["current"], state["previous"], state["trial"], state.get("pending", "")),
                         ("1.1.0", "1.0.0", True, ""))
        self.assertFalse(os.path.exists(self.root.p(READY)))
        self.assertIn("switching to 1.1.0, staged while the app ran (apply_on_exit)", self.root.log())
        # the next start runs it, on trial, with no switch to make
        self.server.stop()
        r = self.root.run(f"--report={self.report}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([v for v, _ in self.started()], ["1.0.0", "1.1.0"])
        self.assertEqual(self.root.log().count("switching to 1.1.0"), 1)

    def test_apply_on_exit_false_leaves_the_switch_to_the_next_start(self):
        p = self.run_until_staged({"apply_on_exit": False})
        p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0)
        state = self.root.read_state()
        self.assertEqual((state["current"], state["pending"]), ("1.0.0", "1.1.0"))
        self.assertTrue(os.path.exists(self.root.p(READY)))
        self.assertNotIn("apply_on_exit", self.root.log())


class CheckTest(AppControlTest):
    def check(self, *args, **kw):
        r = self.root.run("--check", *args, timeout=120, **kw)
        return r, [json.loads(line) for line in r.stdout.decode().splitlines()] if "--json" in args else None

    def configure(self, **config):
        self.root.write_config({"update_url": self.server.url, **config})

    def slow_release(self):
        """1.1.0 published, its archive served at about a third of its size a
        second: a download that shows progress."""
        self.pub.add("1.1.0", data_size=64 * 1024)
        rate = os.path.getsize(self.pub.archive("1.1.0")) // 3
        self.configure(update_url=f"{self.server.url}/_fault/only/bomiot-1.1.0.tar.gz/slow/{rate}",
                       incremental_update=False)

    def test_up_to_date(self):
        self.configure()
        r, events = self.check("--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(events, [{"event": "checking"}, {"event": "up-to-date", "version": "1.0.0"}])
        self.assertTrue(os.path.exists(self.root.p("cache", "last-check")))  # recorded like any check
        self.assertFalse(os.path.exists(self.root.p("cache", "activity.json")))  # removed as it exits

    def test_a_release_is_downloaded_and_staged_never_switched(self):
        self.slow_release()
        r, events = self.check("--json")
        self.assertEqual(r.returncode, 10, r.stderr)
        kinds = [e["event"] for e in events]
        self.assertEqual(kinds[:2], ["checking", "found"])
        self.assertEqual(events[1], {"event": "found", "version": "1.1.0", "current": "1.0.0"})
        downloads = [e for e in events if e["event"] == "downloading"]
        self.assertGreaterEqual(len(downloads), 2, events)
        self.assertEqual(downloads[0]["version"], "1.1.0")
        self.assertEqual(downloads[-1]["total"], os.path.getsize(self.pub.archive("1.1.0")))
        self.assertIn("installing", kinds)
        self.assertEqual(events[-1], {"event": "staged", "version": "1.1.0"})
        state = self.root.read_state()
        self.assertEqual((state["current"], state["pending"]), ("1.0.0", "1.1.0"))
        self.assertTrue(os.path.exists(self.root.p("versions", "1.1.0", ".bomiot-complete")))
        with open(self.root.p(READY)) as f:
            self.assertEqual(f.read(), "1.1.0\n")
        # staged already: said at once, nothing downloaded again
        r, events = self.check("--json")
        self.assertEqual((r.returncode, events), (10, [{"event": "staged", "version": "1.1.0"}]))

    def test_the_terminal_lines_without_json(self):
        self.slow_release()
        r, _ = self.check()
        self.assertEqual(r.returncode, 10, r.stderr)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(lines[0], "Checking for updates...")
        self.assertEqual(lines[1], "Bomiot 1.1.0 is available (this is 1.0.0).")
        self.assertTrue(any(line.startswith("Downloading Bomiot 1.1.0: ") for line in lines), lines)
        self.assertEqual(lines[-1], "Bomiot 1.1.0 is ready: it starts at the next launch, or restart now.")

    def test_a_dead_server_fails(self):
        self.configure(update_url="http://127.0.0.1:1/updates")
        r, events = self.check("--json")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(events[0], {"event": "checking"})
        self.assertEqual(events[-1]["event"], "failed")
        self.assertTrue(events[-1]["error"])

    def test_a_failure_is_said_once_on_stdout_not_again_on_stderr(self):
        # a failure the log also records (not a network one, which it keeps
        # quiet): --check prints every outcome itself, so stderr stays empty
        self.configure()
        with open(os.path.join(self.pub.repo, "metadata", "timestamp.json"), "w") as f:
            f.write("not json")
        r, _ = self.check()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"timestamp", r.stdout)
        self.assertEqual(r.stderr, b"")

    def test_auto_update_false_reports_the_release_without_downloading_it(self):
        self.pub.add("1.1.0")
        self.configure(auto_update=False)
        r, events = self.check("--json")
        self.assertEqual(r.returncode, 12, r.stderr)
        self.assertEqual(events[-1], {"event": "available", "version": "1.1.0"})
        self.assertFalse(os.path.exists(self.root.p("versions", "1.1.0")))
        if os.path.exists(self.root.p("state.json")):
            self.assertFalse(self.root.read_state().get("pending"))

    def test_usage(self):
        for args in (["--check", "--jsn"], ["--check", "--json", "x"]):
            r = self.root.run(*args)
            self.assertEqual(r.returncode, 2, args)

    def test_a_second_check_while_one_runs_without_an_endpoint_is_busy(self):
        self.slow_release()
        first = self.popen("--check", "--json")
        wait_for(lambda: os.path.exists(self.root.p("cache", "activity.json")), 30, "the first check to run")
        r, events = self.check("--json")
        self.assertEqual(r.returncode, 11, r.stderr)
        self.assertEqual(events, [{"event": "busy", "error": "another bomiot-launcher is updating this "
                                                             "installation; try again in a moment"}])
        out, err = first.communicate(timeout=60)
        self.assertEqual(first.returncode, 10, err)


class CheckWhileTheAppRunsTest(AppControlTest):
    """The supervising launcher holds the lock: --check relays its check."""

    def start_app(self, **config):
        self.root.write_config({"update_url": self.server.url, **config})
        # the app's output not piped: killed in tearDown, the launcher would leave it holding the pipe
        self.app = self.popen(f"--report={self.report}", "--wait-signal", stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        wait_for(lambda: os.path.exists(self.report) and "ready" in parse_report(self.report)["lines"], 30,
                 "the app to start")
        wait_for(lambda: os.path.exists(self.root.p("cache", "control.sock")), 10, "the endpoint")

    def tearDown(self):
        if self.app.poll() is None:  # the launcher passes SIGTERM on: the app ends too
            self.app.send_signal(signal.SIGTERM)
        super().tearDown()

    def stop_app(self):
        self.app.send_signal(signal.SIGTERM)
        self.assertEqual(self.app.wait(timeout=30), 42)

    def test_the_check_runs_in_the_supervising_launcher_even_with_update_interval_0(self):
        self.start_app(update_interval=0, apply_on_exit=False)
        self.pub.add("1.1.0")
        r = self.root.run("--check", "--json", timeout=120)
        self.assertEqual(r.returncode, 10, r.stderr)
        events = [json.loads(line) for line in r.stdout.decode().splitlines()]
        self.assertEqual(events[0], {"event": "checking"})
        self.assertEqual(events[-1], {"event": "staged", "version": "1.1.0"})
        log = self.root.log()
        self.assertIn("control: a check was asked for (--check)", log)
        self.assertIn("checking for updates now, as asked (--check)", log)  # the supervisor's background
        self.assertIsNone(self.app.poll())
        state = self.root.read_state()
        self.assertEqual((state["current"], state["pending"]), ("1.0.0", "1.1.0"))
        # asked again: staged already
        r = self.root.run("--check")
        self.assertEqual(r.returncode, 10)
        self.assertEqual(r.stdout.decode(), "Bomiot 1.1.0 is ready: it starts at the next launch, or restart now.\n")
        self.stop_app()
        self.assertFalse(os.path.exists(self.root.p("cache", "control.sock")))  # removed as the app ended

    def test_a_check_asked_for_while_one_runs_there_joins_it(self):
        # about 3 s for 1.1.0's 65 kB archive, published once 1.0.0 runs
        self.start_app(update_url=f"{self.server.url}/_fault/only/bomiot-1.1.0.tar.gz/slow/20000",
                       incremental_update=False, update_interval=0)
        self.pub.add("1.1.0", data_size=64 * 1024)
        first = self.popen("--check", "--json")
        wait_for(lambda: "checking for updates now" in self.root.log(), 30, "the first check to start")
        second = self.popen("--check", "--json")
        for p in (first, second):
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 10, err)
            events = [json.loads(line) for line in out.splitlines()]
            self.assertEqual(events[0], {"event": "checking"})
            self.assertIn("downloading", [e["event"] for e in events])
            self.assertEqual(events[-1], {"event": "staged", "version": "1.1.0"})
        log = self.root.log()
        self.assertEqual(log.count("control: a check was asked for (--check)"), 2)
        self.assertEqual(log.count("checking for updates now, as asked (--check)"), 1)  # one check, joined
        self.assertEqual(log.count("downloading bomiot-1.1.0.tar.gz"), 1)
        self.stop_app()

    def test_an_unknown_request_is_refused(self):
        import socket
        self.start_app()
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.root.p("cache", "control.sock"))
            s.sendall(b'{"request": "reboot"}\n')
            reply = b""
            while chunk := s.recv(4096):
                reply += chunk
        self.assertEqual(json.loads(reply), {"event": "failed", "error": "unknown request"})
        self.stop_app()


class RestartNothingStagedTest(unittest.TestCase):
    def setUp(self):
        self.root = Root()
        self.report = self.root.p("report.txt")
        self.root.add_version("1.0.0")
        self.root.write_config({"update_at_launch": False})

    def tearDown(self):
        self.root.cleanup()

    def test_the_restart_code_with_nothing_staged_is_the_apps_exit_code_once(self):
        r = self.root.run(f"--report={self.report}", "--exit=85")
        self.assertEqual(r.returncode, 85, r.stderr)
        self.assertEqual(parse_report(self.report)["lines"].count("version=1.0.0"), 1)
        self.assertIn("the app exited with the restart code 85 but no update is staged: exiting with it",
                      self.root.log())

    def test_the_restart_code_ends_no_trial(self):
        self.root.add_version("1.1.0")
        self.root.write_state({"current": "1.1.0", "previous": "1.0.0", "trial": True, "attempts": 0,
                               "blocked": []})
        r = self.root.run(f"--report={self.report}", "--exit=85")
        self.assertEqual(r.returncode, 85, r.stderr)
        state = self.root.read_state()
        self.assertEqual((state["current"], state["trial"], state["blocked"]), ("1.1.0", True, []))
        self.assertEqual([l for l in parse_report(self.report)["lines"] if l.startswith("version=")],
                         ["version=1.1.0"])


class RestartAfterTest(unittest.TestCase):
    """Exec mode: no launcher waits on the app, so the app spawns
    `--restart-after PID -- ARGS` and exits."""

    def setUp(self):
        self.root = Root()
        self.report = self.root.p("report.txt")
        self.root.add_version("1.0.0")
        self.root.add_version("1.1.0")
        self.root.write_state({"current": "1.0.0", "pending": "1.1.0", "blocked": []})
        self.root.write_config({"mode": "exec", "update_at_launch": False, "update_interval": 0})
        self.app = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])

    def tearDown(self):
        if self.app.poll() is None:
            self.app.kill()
            self.app.wait()
        self.root.cleanup()

    def test_restart_after_waits_for_the_app_then_launches_the_staged_version_with_the_arguments(self):
        waiter = subprocess.Popen([self.root.launcher, "--restart-after", str(self.app.pid), "--",
                                   f"--report={self.report}", "a b"], env=clean_env(), cwd=self.root.path,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.5)
        self.assertIsNone(waiter.poll())
        self.assertFalse(os.path.exists(self.report))  # nothing started while the app runs
        self.app.terminate()
        self.app.wait()
        out, err = waiter.communicate(timeout=30)
        self.assertEqual(waiter.returncode, 0, err)
        report = parse_report(self.report)
        self.assertEqual(report["version"], "1.1.0")
        self.assertEqual(report["args"][1:], [f"--report={self.report}", "a b"])
        log = self.root.log()
        self.assertIn(f"restart requested: waiting for process {self.app.pid} to exit", log)
        self.assertIn("switching to 1.1.0, staged in the background", log)

    def test_restart_after_without_arguments_and_with_a_bad_pid(self):
        self.app.kill()
        self.app.wait()
        r = self.root.run("--restart-after", str(self.app.pid))
        self.assertEqual(r.returncode, 0, r.stderr)  # the test app exits 0
        self.assertEqual(self.root.read_state()["current"], "1.1.0")
        for bad in (["--restart-after"], ["--restart-after", "x"], ["--restart-after", "0"],
                    ["--restart-after", "12", "a"]):
            r = self.root.run(*bad)
            self.assertEqual(r.returncode, 2, bad)
            self.assertIn(b"usage: bomiot-launcher --restart-after PID [-- ARGS...]", r.stderr)


if __name__ == "__main__":
    unittest.main()
