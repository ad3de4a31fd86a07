# SPDX-License-Identifier: Apache-2.0
"""Issue 24's Windows side under Wine: what the app is told (its
environment), what it can ask (`--status --json`, "running" from a live
supervising launcher), and what it can do (`--check --json` in the
launcher's own process and relayed through the supervising launcher's named
pipe, the restart code, `--restart-after PID` in exec mode), with the
Windows build's bomiot-launcher.exe and test app in real install roots and
a repository made by the Windows bomiot-release.exe on 127.0.0.1.

The app waits on a file (the test app's --wait-file) where the Linux tests
send it SIGTERM: no signal reaches a Windows program, and a file ends it
cleanly whatever the test does."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "windows"))
from blrepo import seed_install  # noqa: E402
from server import TestServer  # noqa: E402
from test_windows_update import RELEASE, WinPublisher  # noqa: E402
from wineroot import (CHINESE, WINE, WinRoot, latin1_twin, missing, parse_report, wait_for,  # noqa: E402
                      wine_env, winpath)

WHY = missing()


def norm(path):
    """A Windows path as the tests compare it: backslashes, any case."""
    return path.replace("/", "\\").lower()


class WinAppTest(unittest.TestCase):
    """A Windows root; launchers run under Wine in the background end when
    the files their apps wait on appear (tearDown makes them all)."""

    name_hint = ""

    def setUp(self):
        self.root = WinRoot(self.name_hint)
        self.addCleanup(self.root.cleanup)
        self.report = self.root.p("report.txt")
        self.go_files, self.procs, self.other_roots = [], [], []
        self.addCleanup(self.end_procs)

    def go_file(self, root=None):
        """A file whose appearance ends an app started with --wait-file on it."""
        path = (root or self.root).p(f"go-{len(self.go_files)}")
        self.go_files.append(path)
        return path

    def end_procs(self):
        for path in self.go_files:
            if os.path.isdir(os.path.dirname(path)):
                open(path, "w").close()
        for p, err in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            err.close()
        for root in self.other_roots:  # after their apps ended: the files they wait on are there
            root.cleanup()

    def other_root(self, name_hint):
        root = WinRoot(name_hint)
        self.other_roots.append(root)
        return root

    def popen(self, root, *args, env=None):
        """root's launcher under Wine, not waited for; its stderr in a file
        (a pipe would be held open by what Wine starts detached)."""
        err = tempfile.TemporaryFile()
        p = subprocess.Popen([WINE, root.launcher, *args], env=wine_env(env), cwd=root.path,
                             stdout=subprocess.DEVNULL, stderr=err)
        self.procs.append((p, err))
        return p

    def stderr_of(self, p):
        for q, err in self.procs:
            if q is p:
                err.seek(0)
                return err.read().decode(errors="replace")
        return ""

    def status(self, root=None):
        r = (root or self.root).run("--status", "--json", timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def running(self, root=None):
        """--status's "running" once a supervising launcher shows its app."""
        seen = {}
        wait_for(lambda: seen.update(s=self.status(root)) or seen["s"]["running"], 60,
                 "--status to show the app running")
        return seen["s"]["running"]

    def started(self, report=None):
        """(version, args after argv[0]) of every run of the app, in order."""
        report = report or self.report
        if not os.path.exists(report):
            return []
        runs = []
        for line in parse_report(report)["lines"]:
            key, _, value = line.partition("=")
            if key == "version":
                runs.append((value, []))
            elif key.startswith("arg") and key[3:].isdigit() and key != "arg0":
                runs[-1][1].append(bytes.fromhex(value).decode())
        return runs


@unittest.skipIf(WHY, WHY)
class WindowsAppEnvironmentTest(WinAppTest):
    def test_a_supervised_app_is_told_its_launcher(self):
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})
        self.root.write_config({"restart_exit_code": 42, "update_at_launch": False})
        r = self.root.run(f"--report={winpath(self.report)}")
        self.assertEqual(r.returncode, 0, r.stderr)
        env = parse_report(self.report)["env"]
        self.assertEqual(env["BOMIOT_LAUNCHER_API"], "1")
        self.assertEqual(norm(env["BOMIOT_LAUNCHER"]), norm(winpath(self.root.launcher)))
        self.assertEqual(norm(env["BOMIOT_INSTALL_ROOT"]), norm(winpath(self.root.path)))
        self.assertEqual(env["BOMIOT_APP_VERSION"], "1.0.0")
        self.assertEqual(env["BOMIOT_ON_TRIAL"], "0")
        self.assertEqual(env["BOMIOT_LAUNCH_MODE"], "supervise")
        self.assertEqual(env["BOMIOT_RESTART_EXIT_CODE"], "42")
        self.assertEqual(norm(env["BOMIOT_HEALTH_FILE"]), norm(winpath(self.root.p("cache", "app-healthy"))))
        self.assertEqual(norm(env["BOMIOT_UPDATE_READY_FILE"]),
                         norm(winpath(self.root.p("cache", "update-ready"))))

    def test_an_exec_mode_app_is_told_so_and_a_trial_run_is_supervised(self):
        self.root.add_version("1.0.0")
        self.root.add_version("1.1.0")
        self.root.write_config({"mode": "exec", "update_at_launch": False})
        self.root.write_state({"current": "1.0.0"})
        r = self.root.run(f"--report={winpath(self.report)}")
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_for(lambda: self.started(), 30, "the app's report (detached)")  # Windows has no exec
        env = parse_report(self.report)["env"]
        self.assertEqual((env["BOMIOT_APP_VERSION"], env["BOMIOT_LAUNCH_MODE"], env["BOMIOT_ON_TRIAL"]),
                         ("1.0.0", "exec", "0"))
        self.assertEqual(env["BOMIOT_RESTART_EXIT_CODE"], "85")
        os.remove(self.report)
        self.root.write_state({"current": "1.1.0", "previous": "1.0.0", "trial": True})
        r = self.root.run(f"--report={winpath(self.report)}")
        self.assertEqual(r.returncode, 0, r.stderr)
        env = parse_report(self.report)["env"]
        self.assertEqual((env["BOMIOT_APP_VERSION"], env["BOMIOT_LAUNCH_MODE"], env["BOMIOT_ON_TRIAL"]),
                         ("1.1.0", "supervise", "1"))

    def test_a_second_launcher_tells_its_app_the_same(self):
        """A double double-click: the first launcher holds the lock (its app
        runs), the second starts the app as it is, told the same."""
        go = self.go_file()
        self.root.add_version("1.0.0", behaviour=(f"--wait-file={winpath(go)}",))
        self.root.write_state({"current": "1.0.0", "trial": True})
        self.root.write_config({"update_at_launch": False, "update_interval": 0, "healthy_seconds": 600})
        self.popen(self.root)
        self.running()
        second = self.root.p("second.txt")
        launcher = self.popen(self.root, f"--report={winpath(second)}")  # its app waits on go too
        wait_for(lambda: os.path.exists(second) and "BOMIOT_LAUNCHER_API" in parse_report(second)["env"], 60,
                 "the second launcher's app")
        env = parse_report(second)["env"]
        open(go, "w").close()
        self.assertEqual(launcher.wait(timeout=60), 0, self.stderr_of(launcher))
        self.assertEqual((env["BOMIOT_APP_VERSION"], env["BOMIOT_ON_TRIAL"], env["BOMIOT_LAUNCH_MODE"]),
                         ("1.0.0", "0", "supervise"))  # not judged by this launcher
        self.assertEqual(env["BOMIOT_LAUNCHER_API"], "1")
        self.assertIn("BOMIOT_HEALTH_FILE", env)


@unittest.skipIf(WHY, WHY)
class WindowsStatusTest(WinAppTest):
    def test_json_describes_an_installation_with_a_staged_version(self):
        self.root.add_version("1.0.0")
        self.root.add_version("1.1.0")
        staged = self.root.add_version("1.2.0")
        with open(os.path.join(staged, "data.bin"), "wb") as f:
            f.write(b"x" * 100000)
        self.root.write_state({"current": "1.1.0", "previous": "1.0.0", "blocked": [], "pending": "1.2.0"})
        s = self.status()
        self.assertEqual(s["schema"], 1)
        self.assertEqual(norm(s["launcher"]["path"]), norm(winpath(self.root.launcher)))
        self.assertEqual(norm(s["root"]), norm(winpath(self.root.path)))
        self.assertEqual(s["current"], "1.1.0")
        self.assertEqual(s["previous"], "1.0.0")
        self.assertEqual(s["installed"], ["1.0.0", "1.1.0", "1.2.0"])
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(staged) for f in files)
        self.assertEqual(s["staged"], {"version": "1.2.0", "size": size})
        self.assertIsNone(s["running"])
        r = self.root.run("--status", timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Update ready: 1.2.0 (", r.stdout.decode())

    def test_running_while_a_supervised_app_runs_and_null_after(self):
        go = self.go_file()
        self.root.add_version("1.0.0", behaviour=(f"--wait-file={winpath(go)}",))
        self.root.write_state({"current": "1.0.0"})
        self.root.write_config({"update_at_launch": False, "update_interval": 0})
        launcher = self.popen(self.root, f"--report={winpath(self.report)}")
        running = self.running()
        self.assertEqual((running["version"], running["mode"]), ("1.0.0", "supervise"))
        pids = running["launcher_pid"], running["app_pid"]
        self.assertTrue(all(isinstance(pid, int) and pid > 0 for pid in pids), running)
        self.assertNotEqual(*pids)
        wait_for(lambda: os.path.exists(self.report) and "ppid" in parse_report(self.report), 30,
                 "the app's report")
        # Windows pids: the app's parent, as the app itself reports it, is that launcher
        self.assertEqual(int(parse_report(self.report)["ppid"]), running["launcher_pid"])
        open(go, "w").close()
        self.assertEqual(launcher.wait(timeout=60), 0, self.stderr_of(launcher))
        self.assertIsNone(self.status()["running"])
        self.assertFalse(os.path.exists(self.root.p("cache", "activity.json")))


class PublishedTest(WinAppTest):
    """1.0.0 published by bomiot-release.exe, served on 127.0.0.1 and
    installed as an installer leaves it."""
    BEHAVIOUR = ()

    def setUp(self):
        super().setUp()
        self.pub = WinPublisher()
        self.addCleanup(self.pub.cleanup)
        self.pub.init()
        self.pub.add("1.0.0", behaviour=self.behaviour())
        seed_install(self.root, self.pub, "1.0.0")
        self.server = TestServer(self.pub.repo)
        self.addCleanup(self.server.stop)

    def behaviour(self):
        return ()

    def configure(self, **config):
        # Wine starts slowly: every check gets its time.
        self.root.write_config({"update_url": self.server.url, "check_seconds": 60, **config})

    def check(self):
        r = self.root.run("--check", "--json", timeout=180)
        return r, [json.loads(line) for line in r.stdout.decode().splitlines()]


@unittest.skipIf(WHY or not os.path.isfile(RELEASE), WHY or f"{RELEASE} is not built")
class WindowsCheckTest(PublishedTest):
    """--check --json with no app running: the check runs in its own process."""

    def test_up_to_date(self):
        self.configure()
        r, events = self.check()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(events, [{"event": "checking"}, {"event": "up-to-date", "version": "1.0.0"}])
        self.assertTrue(os.path.exists(self.root.p("cache", "last-check")))
        self.assertFalse(os.path.exists(self.root.p("cache", "activity.json")))

    def test_a_release_is_downloaded_and_staged(self):
        self.pub.add("1.1.0", data_size=64 * 1024)
        archive = os.path.getsize(self.pub.archive("1.1.0"))
        # about 3 s for the archive: a download that shows progress
        self.configure(update_url=f"{self.server.url}/_fault/only/bomiot-1.1.0.tar.gz/slow/{archive // 3}",
                       incremental_update=False)
        r, events = self.check()
        self.assertEqual(r.returncode, 10, r.stderr)
        self.assertEqual(events[:2], [{"event": "checking"}, {"event": "found", "version": "1.1.0",
                                                              "current": "1.0.0"}])
        downloads = [e for e in events if e["event"] == "downloading"]
        self.assertTrue(downloads, events)
        self.assertEqual(downloads[-1]["version"], "1.1.0")
        self.assertEqual(downloads[-1]["total"], archive)
        self.assertEqual(events[-1], {"event": "staged", "version": "1.1.0"})
        state = self.root.read_state()
        self.assertEqual((state["current"], state["pending"]), ("1.0.0", "1.1.0"))
        with open(self.root.p("cache", "update-ready")) as f:
            self.assertEqual(f.read(), "1.1.0\n")
        s = self.status()
        self.assertEqual((s["current"], s["staged"]["version"], s["installed"]), ("1.0.0", "1.1.0",
                                                                                  ["1.0.0", "1.1.0"]))

    def test_a_dead_server_fails(self):
        self.configure(update_url="http://127.0.0.1:1/updates")
        r, events = self.check()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(events[0], {"event": "checking"})
        self.assertEqual(events[-1]["event"], "failed")
        self.assertTrue(events[-1]["error"])

    def test_a_second_check_while_one_runs_without_a_pipe_is_busy(self):
        """The lock is held by a launcher that serves no pipe: connecting to
        a named pipe nobody made is "busy", not a failure."""
        self.pub.add("1.1.0", data_size=64 * 1024)
        rate = os.path.getsize(self.pub.archive("1.1.0")) // 3
        self.configure(update_url=f"{self.server.url}/_fault/only/bomiot-1.1.0.tar.gz/slow/{rate}",
                       incremental_update=False)
        first = subprocess.Popen([WINE, self.root.launcher, "--check", "--json"], env=wine_env(),
                                 cwd=self.root.path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: os.path.exists(self.root.p("cache", "activity.json")), 60, "the first check to run")
            r, events = self.check()
            self.assertEqual(r.returncode, 11, r.stderr)
            self.assertEqual(events, [{"event": "busy", "error": "another bomiot-launcher is updating this "
                                                                 "installation; try again in a moment"}])
        finally:
            out = first.communicate(timeout=120)[0].decode()
        self.assertEqual(first.returncode, 10, out)


@unittest.skipIf(WHY or not os.path.isfile(RELEASE), WHY or f"{RELEASE} is not built")
class WindowsCheckThroughThePipeTest(PublishedTest):
    """A supervising launcher runs the app and holds the lock: --check asks
    it through its named pipe (\\\\.\\pipe\\bomiot-<16 hex>)."""

    def behaviour(self):
        self.go = self.go_file()
        return (f"--wait-file={winpath(self.go)}",)

    def test_the_check_runs_in_the_supervising_launcher(self):
        self.configure(update_interval=0, apply_on_exit=False, update_at_launch=False)
        launcher = self.popen(self.root, f"--report={winpath(self.report)}")
        self.running()  # written as the app started, just before the pipe is made
        self.pub.add("1.1.0")
        r, events = self.check()
        self.assertEqual(r.returncode, 10, r.stderr)
        self.assertEqual(events[0], {"event": "checking"})
        self.assertEqual(events[-1], {"event": "staged", "version": "1.1.0"})
        log = self.root.log()
        self.assertIn("control: a check was asked for (--check)", log)
        self.assertIn("now, as asked (--check)", log)  # the supervisor's check
        self.assertIsNone(launcher.poll())
        state = self.root.read_state()
        self.assertEqual((state["current"], state["pending"]), ("1.0.0", "1.1.0"))
        with open(self.root.p("versions", "1.1.0", "version.txt")) as f:  # the files, where they belong
            self.assertEqual(f.read(), "1.1.0\n")
        # asked again: staged already, said at once
        r, events = self.check()
        self.assertEqual((r.returncode, events), (10, [{"event": "staged", "version": "1.1.0"}]))
        self.assertEqual(self.root.log().count("control: a check was asked for (--check)"), 2)
        open(self.go, "w").close()
        self.assertEqual(launcher.wait(timeout=60), 0, self.stderr_of(launcher))
        self.assertEqual(self.root.read_state()["current"], "1.0.0")  # apply_on_exit false

    def test_a_check_asked_for_while_one_runs_there_joins_it(self):
        """Two clients on the pipe at once (two instances of it), one check."""
        self.pub.add("1.1.0", data_size=64 * 1024)
        rate = os.path.getsize(self.pub.archive("1.1.0")) // 3
        self.configure(update_url=f"{self.server.url}/_fault/only/bomiot-1.1.0.tar.gz/slow/{rate}",
                       incremental_update=False, update_interval=0, update_at_launch=False,
                       apply_on_exit=False)
        launcher = self.popen(self.root, f"--report={winpath(self.report)}")
        self.running()
        checks = [subprocess.Popen([WINE, self.root.launcher, "--check", "--json"], env=wine_env(),
                                   cwd=self.root.path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)]
        wait_for(lambda: "now, as asked (--check)" in self.root.log(), 60, "the first check to start")
        checks.append(subprocess.Popen([WINE, self.root.launcher, "--check", "--json"], env=wine_env(),
                                       cwd=self.root.path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL))
        for p in checks:
            out = p.communicate(timeout=120)[0].decode()
            self.assertEqual(p.returncode, 10, out)
            events = [json.loads(line) for line in out.splitlines()]
            self.assertEqual(events[0], {"event": "checking"})
            self.assertEqual(events[-1], {"event": "staged", "version": "1.1.0"})
        log = self.root.log()
        self.assertEqual(log.count("control: a check was asked for (--check)"), 2)
        self.assertEqual(log.count("now, as asked (--check)"), 1)  # one check, joined
        self.assertEqual(log.count("downloading bomiot-1.1.0.tar.gz"), 1)
        open(self.go, "w").close()
        self.assertEqual(launcher.wait(timeout=60), 0, self.stderr_of(launcher))
        # the pipe went with the app; a check now runs in its own process
        r, events = self.check()
        self.assertEqual((r.returncode, events), (10, [{"event": "staged", "version": "1.1.0"}]))
        self.assertEqual(self.root.log().count("control: a check was asked for (--check)"), 2)

    def test_status_shows_the_check_in_progress_while_it_runs(self):
        """The supervisor replaces cache/activity.json up to twice a second
        during a download while --status opens and reads it: every read
        parses, and shows the app running and the check's progress."""
        # published before the app starts, whose launcher does not check on its own
        self.pub.add("1.1.0", data_size=64 * 1024)
        rate = os.path.getsize(self.pub.archive("1.1.0")) // 3  # a download of about 3 s
        self.configure(update_url=f"{self.server.url}/_fault/only/bomiot-1.1.0.tar.gz/slow/{rate}",
                       incremental_update=False, update_interval=0, apply_on_exit=False,
                       update_at_launch=False)
        launcher = self.popen(self.root, f"--report={winpath(self.report)}")
        self.running()
        check = subprocess.Popen([WINE, self.root.launcher, "--check", "--json"], env=wine_env(),
                                 cwd=self.root.path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        seen = []
        while check.poll() is None:
            s = self.status()
            self.assertEqual((s["running"] or {}).get("version"), "1.0.0", s)
            if s["check"]:
                seen.append((s["check"]["stage"], s["check"]["version"]))
        out = check.communicate()[0].decode()
        self.assertEqual(check.returncode, 10, out)
        self.assertEqual(json.loads(out.splitlines()[-1]), {"event": "staged", "version": "1.1.0"})
        self.assertIn(("downloading", "1.1.0"), seen)
        self.assertIsNone(self.status()["check"])  # over
        open(self.go, "w").close()
        self.assertEqual(launcher.wait(timeout=60), 0, self.stderr_of(launcher))


@unittest.skipIf(WHY or not os.path.isfile(RELEASE), WHY or f"{RELEASE} is not built")
class WindowsRestartTest(PublishedTest):
    """1.0.0 waits until an update is staged (cache/update-ready), then
    exits with the code in its arguments, which every run gets again."""

    def behaviour(self):
        return (f"--wait-file={winpath(self.root.p('cache', 'update-ready'))}",)

    def test_the_restart_code_starts_the_staged_version_with_the_same_arguments(self):
        self.configure()
        args = [f"--report={winpath(self.report)}", "--exit=85", "two words", "é"]
        launcher = self.popen(self.root, *args, env={"BOMIOT_UPDATE_INTERVAL": "1"})
        wait_for(lambda: self.started(), 60, "the app to start")
        self.pub.add("1.1.0")  # no --wait-file: it exits 85 at once, with nothing staged now
        self.assertEqual(launcher.wait(timeout=180), 85, self.stderr_of(launcher))
        self.assertEqual(self.started(), [("1.0.0", args), ("1.1.0", args)])
        log = self.root.log()
        self.assertIn("switching to 1.1.0, the app asked to restart into it", log)
        self.assertIn("the app exited with the restart code 85 but no update is staged", log)
        state = self.root.read_state()
        self.assertEqual((state["current"], state["previous"], state["trial"]), ("1.1.0", "1.0.0", True))

    def test_apply_on_exit_switches_as_the_app_exits(self):
        self.configure()
        launcher = self.popen(self.root, f"--report={winpath(self.report)}", env={"BOMIOT_UPDATE_INTERVAL": "1"})
        wait_for(lambda: self.started(), 60, "the app to start")
        self.pub.add("1.1.0")
        self.assertEqual(launcher.wait(timeout=180), 0, self.stderr_of(launcher))
        self.assertEqual([v for v, _ in self.started()], ["1.0.0"])
        state = self.root.read_state()
        self.assertEqual((state["current"], state["previous"], state["trial"], state.get("pending", "")),
                         ("1.1.0", "1.0.0", True, ""))
        self.assertFalse(os.path.exists(self.root.p("cache", "update-ready")))
        self.assertIn("switching to 1.1.0, staged while the app ran (apply_on_exit)", self.root.log())


@unittest.skipIf(WHY, WHY)
class WindowsRestartNothingStagedTest(WinAppTest):
    def test_the_restart_code_with_nothing_staged_is_the_apps_exit_code_once(self):
        self.root.add_version("1.0.0")
        self.root.write_config({"update_at_launch": False})
        r = self.root.run(f"--report={winpath(self.report)}", "--exit=85")
        self.assertEqual(r.returncode, 85, r.stderr)
        self.assertEqual([v for v, _ in self.started()], ["1.0.0"])
        self.assertIn("the app exited with the restart code 85 but no update is staged: exiting with it",
                      self.root.log())


@unittest.skipIf(WHY, WHY)
class WindowsRestartAfterTest(WinAppTest):
    """Exec mode: the app spawns `--restart-after PID -- ARGS` and exits.
    The process waited for is a Windows one whose pid the test knows: an
    app supervised in another root, as that root's --status names it."""

    def test_restart_after_waits_for_the_process_then_starts_the_staged_version(self):
        other = self.other_root("other-")
        go = self.go_file(other)
        other.add_version("1.0.0", behaviour=(f"--wait-file={winpath(go)}",))
        other.write_config({"update_at_launch": False, "update_interval": 0})
        self.popen(other)
        pid = self.running(other)["app_pid"]

        self.root.add_version("1.0.0")
        self.root.add_version("1.1.0")
        self.root.write_state({"current": "1.0.0", "pending": "1.1.0", "blocked": []})
        self.root.write_config({"mode": "exec", "update_at_launch": False, "update_interval": 0})
        waiter = self.popen(self.root, "--restart-after", str(pid), "--", f"--report={winpath(self.report)}",
                            "a b")
        wait_for(lambda: f"waiting for process {pid} to exit" in self.root.log(), 60, "the waiter to wait")
        time.sleep(1)
        self.assertIsNone(waiter.poll())
        self.assertEqual(self.started(), [])  # nothing starts while that process runs
        open(go, "w").close()
        self.assertEqual(waiter.wait(timeout=60), 0, self.stderr_of(waiter))
        wait_for(lambda: self.started(), 30, "the app's report")
        self.assertEqual(self.started(), [("1.1.0", [f"--report={winpath(self.report)}", "a b"])])
        # a switch puts 1.1.0 on trial, and a trial run is supervised whatever the mode
        env = parse_report(self.report)["env"]
        self.assertEqual((env["BOMIOT_LAUNCH_MODE"], env["BOMIOT_ON_TRIAL"]), ("supervise", "1"))
        self.assertIn("switching to 1.1.0, staged in the background", self.root.log())

    def test_restart_after_a_process_that_is_gone_starts_at_once(self):
        self.root.add_version("1.0.0")
        self.root.write_config({"mode": "exec", "update_at_launch": False, "update_interval": 0})
        r = self.root.run("--restart-after", "999999", "--", f"--report={winpath(self.report)}", timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_for(lambda: self.started(), 30, "the app's report (detached: exec mode)")
        self.assertEqual(self.started(), [("1.0.0", [f"--report={winpath(self.report)}"])])
        self.assertEqual(parse_report(self.report)["env"]["BOMIOT_LAUNCH_MODE"], "exec")
        for bad in (["--restart-after"], ["--restart-after", "x"], ["--restart-after", "0"]):
            r = self.root.run(*bad)
            self.assertEqual(r.returncode, 2, bad)


class WindowsAppEnvironmentChinesePathTest(WindowsAppEnvironmentTest):
    """The environment again from a root whose path has Chinese characters
    (BOMIOT_INSTALL_ROOT and the rest, UTF-8 to the app)."""
    name_hint = CHINESE

    def test_the_root_path_is_not_ascii(self):
        self.assertIn("张伟", self.root.path)


class WindowsStatusChinesePathTest(WindowsStatusTest):
    name_hint = CHINESE


class WindowsCheckThroughThePipeChinesePathTest(WindowsCheckThroughThePipeTest):
    """The pipe's name comes from the root's SHA-256: the same from both
    ends whatever the root's characters. The staged version holds its files
    (test_windows_update's Chinese-path case: they went elsewhere once)."""
    name_hint = CHINESE

    def setUp(self):
        super().setUp()
        self.addCleanup(shutil.rmtree, latin1_twin(self.root.path), ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
