# SPDX-License-Identifier: Apache-2.0
"""The app's side of issue 24, end to end: an app the real launcher starts
asks it for its status, checks now, restarts into the staged update and
confirms its health, through sdk/python/bomiot_launcher.py (a Python script
as the app, tests/app/sdk_app.py) and through sdk/c/bomiot_launcher.h (a
native app, tests/app/sdk_app.c). Both apps take the same arguments and
write the same report, so every test runs once for each.

The updates come from a signed repository made by bomiot-release and served
on 127.0.0.1 (tests/server); the bad uses (not an installation, a check while
another launcher updates, a restart with nothing staged) get the errors the
SDKs document."""
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from blrepo import Publisher, app_folder, seed_install  # noqa: E402
from blroot import BUILD, LAUNCHER, Root, end_processes, install_launcher, wait_for  # noqa: E402
from server import TestServer  # noqa: E402

SOURCE = os.environ.get("BL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SDK_PYTHON = os.path.abspath(os.path.join(SOURCE, "sdk", "python"))
PYTHON_APP = os.path.abspath(os.path.join(SOURCE, "tests", "app", "sdk_app.py"))
C_APP = os.path.join(BUILD, "tests", "bl-sdk-app")
RESTART_EXIT_CODE = 85  # the default of restart_exit_code (docs/app-integration.md)


def runs(report):
    """The report as one dict per run of the app: version, args (decoded),
    env (BOMIOT_*), events (the check's lines as dicts), and the other keys."""
    out = []
    if not os.path.exists(report):
        return out
    with open(report, encoding="utf-8", errors="replace") as f:
        for line in f.read().splitlines():
            key, _, value = line.partition("=")
            if key == "version":
                out.append({"version": value, "args": [], "env": {}, "events": [], "errors": []})
            elif not out:
                continue
            elif key.startswith("arg") and key[3:].isdigit():
                out[-1]["args"].append(bytes.fromhex(value).decode("utf-8", "surrogateescape"))
            elif key == "env":
                k, _, v = value.partition("=")
                out[-1]["env"][k] = v
            elif key == "event":
                out[-1]["events"].append(json.loads(value))
            elif key == "error":
                out[-1]["errors"].append(value)
            else:
                out[-1][key] = value
    return out


class SdkAppCase:
    """The tests, for an app made by put_app (a subclass per SDK)."""
    maxDiff = None

    def put_app(self, folder):
        raise NotImplementedError

    def app_command(self):
        """The app run by hand, not by a launcher."""
        raise NotImplementedError

    def setUp(self):
        self.pub = Publisher()
        self.pub.init()
        self.publish("1.0.0")
        self.root = Root()
        seed_install(self.root, self.pub, "1.0.0")
        self.report = self.root.p("report.txt")
        self.server = None
        self.procs = []
        self.others = []

    def tearDown(self):
        end_processes(self.procs)
        if self.server:
            self.server.stop()
        self.root.cleanup()
        self.pub.cleanup()
        for folder in self.others:
            shutil.rmtree(folder, ignore_errors=True)

    # --- helpers -------------------------------------------------------------

    def publish(self, version, *flags, **app_kw):
        folder = app_folder(self.pub.apps, version, **app_kw)
        self.put_app(folder)
        self.pub.run("add", folder, version, *flags)

    def serve(self):
        self.server = TestServer(self.pub.repo)
        return self.server.url

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOMIOT_")}
        env["BL_SDK_PYTHON"] = SDK_PYTHON
        env.update(extra)
        return env

    def launch(self, *args, env=None):
        """The launcher started as a user would, in the background."""
        proc = subprocess.Popen([self.root.launcher, f"--report={self.report}", *args], env=self.env(**(env or {})),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.procs.append(proc)
        return proc

    def finish(self, proc, timeout=90):
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError(f"the launcher did not end in {timeout} s; report: {runs(self.report)}; "
                                 f"log:\n{self.root.log()}")
        return code, proc.stderr.read().decode("utf-8", "replace")

    def wait_report(self, key, what, timeout=60, run=-1):
        return wait_for(lambda: (runs(self.report)[run:] or [{}])[0].get(key), timeout, what)

    def go(self):
        """Lets an app waiting in its "hold" action go on."""
        open(self.report + ".go", "w").close()

    def run_app_by_hand(self, *args, env=None):
        r = subprocess.run([*self.app_command(), f"--report={self.report}", *args], env=self.env(**(env or {})),
                           capture_output=True, timeout=120)
        return r, runs(self.report)

    def not_an_installation(self, with_versions):
        folder = tempfile.mkdtemp(prefix="bl-not-a-root-")
        self.others.append(folder)
        install_launcher(LAUNCHER, folder, "bomiot-launcher")
        if with_versions:
            os.makedirs(os.path.join(folder, "versions"))
        return os.path.join(folder, "bomiot-launcher")

    def error(self, run):
        """(kind, exit code, message) of the run's one error."""
        self.assertEqual(len(run["errors"]), 1, run)
        kind, code, message = run["errors"][0].split(" ", 2)
        return kind, int(code), message

    # --- the done-when ---------------------------------------------------------

    def test_an_update_staged_while_the_app_runs_is_reported_and_restarted_into_with_the_same_arguments(self):
        url = self.serve()
        self.root.write_config({"update_url": url})
        user_args = ["plain", "with space", "ünïcødé 中文", "--on=x", "-- not an option"]
        proc = self.launch("--on=1.0.0:wait-ready,status,restart", *user_args, env={"BOMIOT_UPDATE_INTERVAL": "1"})
        self.wait_report("launched", "the app to start")
        self.publish("1.1.0")  # the background check (every second) stages it while the app waits
        code, stderr = self.finish(proc)
        self.assertEqual(code, 0, stderr)
        first, second = runs(self.report)
        self.assertEqual(first["version"], "1.0.0")
        self.assertEqual(first["ready"], "1.1.0")
        self.assertEqual((first["status.current"], first["status.staged"], first["status.running"]),
                         ("1.0.0", "1.1.0", "1.0.0"))
        self.assertGreater(int(first["status.staged_size"]), 256 * 1024)  # data.bin at least
        self.assertEqual(first["restart"], str(RESTART_EXIT_CODE))
        self.assertEqual(first["errors"], [])
        # Told what it needs, in supervise mode.
        env = first["env"]
        self.assertEqual(env["BOMIOT_LAUNCHER_API"], "1")
        self.assertEqual(env["BOMIOT_LAUNCHER"], self.root.launcher)
        self.assertEqual(env["BOMIOT_INSTALL_ROOT"], self.root.path)
        self.assertEqual(env["BOMIOT_APP_VERSION"], "1.0.0")
        self.assertEqual(env["BOMIOT_LAUNCH_MODE"], "supervise")
        self.assertEqual(env["BOMIOT_RESTART_EXIT_CODE"], str(RESTART_EXIT_CODE))
        self.assertEqual(env["BOMIOT_ON_TRIAL"], "0")
        # Back as the new version, on trial, with the same arguments.
        self.assertEqual(second["version"], "1.1.0")
        self.assertEqual(second["args"][1:], first["args"][1:])
        self.assertEqual(second["env"]["BOMIOT_APP_VERSION"], "1.1.0")
        self.assertEqual(second["env"]["BOMIOT_ON_TRIAL"], "1")
        state = self.root.read_state()
        self.assertEqual((state["current"], state["previous"], state.get("pending", "")), ("1.1.0", "1.0.0", ""))
        self.assertFalse(os.path.exists(self.root.p("cache", "update-ready")))

    def test_a_check_now_reports_its_progress_and_stages_and_apply_on_exit_switches(self):
        url = self.serve()
        # The archive (not a patch) trickles, so the download shows as progress lines.
        self.root.write_config({"update_url": f"{url}/_fault/only/bomiot-1.1.0.tar.gz/slow/200000",
                                "incremental_update": False})
        proc = self.launch("--on=1.0.0:hold,check,status,exit-0")
        self.wait_report("holding", "the app to start")
        self.publish("1.1.0", data_size=512 * 1024)
        self.go()
        code, stderr = self.finish(proc)
        self.assertEqual(code, 0, stderr)
        [run] = runs(self.report)
        self.assertEqual(run["errors"], [])
        events = run["events"]
        names = [e["event"] for e in events]
        self.assertEqual(names[0], "checking", names)
        self.assertEqual(events[-1], {"event": "staged", "version": "1.1.0"})
        found = [e for e in events if e["event"] == "found"]
        self.assertEqual([(e["version"], e["current"]) for e in found], [("1.1.0", "1.0.0")])
        downloading = [e for e in events if e["event"] == "downloading"]
        archive = os.path.getsize(self.pub.archive("1.1.0"))
        self.assertGreaterEqual(len(downloading), 2, names)
        self.assertTrue(all(e["version"] == "1.1.0" and e["total"] == archive for e in downloading), downloading)
        self.assertEqual([e["bytes"] for e in downloading], sorted(e["bytes"] for e in downloading))
        self.assertTrue(names.index("found") < names.index("downloading") < names.index("staged"), names)
        self.assertEqual(run["check"], "staged 1.1.0")
        self.assertEqual((run["status.current"], run["status.staged"]), ("1.0.0", "1.1.0"))
        # apply_on_exit (default true): the app's exit switched, so the next start runs it at once.
        state = self.root.read_state()
        self.assertEqual((state["current"], state["previous"], state.get("pending", "")), ("1.1.0", "1.0.0", ""))
        self.assertTrue(state["trial"])
        self.assertFalse(os.path.exists(self.root.p("cache", "update-ready")))
        self.server.stop()
        self.server = None
        r = self.root.run(f"--report={self.report}", env={"BL_SDK_PYTHON": SDK_PYTHON})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([run["version"] for run in runs(self.report)], ["1.0.0", "1.1.0"])

    def test_apply_on_exit_false_leaves_the_switch_to_the_next_start(self):
        url = self.serve()
        self.root.write_config({"update_url": url, "apply_on_exit": False})
        proc = self.launch("--on=1.0.0:hold,check,exit-0")
        self.wait_report("holding", "the app to start")
        self.publish("1.1.0")
        self.go()
        code, stderr = self.finish(proc)
        self.assertEqual(code, 0, stderr)
        self.assertEqual(runs(self.report)[0]["check"], "staged 1.1.0")
        state = self.root.read_state()
        self.assertEqual((state["current"], state.get("pending")), ("1.0.0", "1.1.0"))
        self.assertTrue(os.path.exists(self.root.p("cache", "update-ready")))
        r = self.root.run(f"--report={self.report}", env={"BL_SDK_PYTHON": SDK_PYTHON})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([run["version"] for run in runs(self.report)], ["1.0.0", "1.1.0"])
        self.assertEqual(self.root.read_state()["current"], "1.1.0")

    def test_a_check_when_up_to_date_says_so(self):
        url = self.serve()
        self.root.write_config({"update_url": url})
        code, stderr = self.finish(self.launch("--on=1.0.0:check,ready,status"))
        self.assertEqual(code, 0, stderr)
        [run] = runs(self.report)
        self.assertEqual(run["events"][-1], {"event": "up-to-date", "version": "1.0.0"})
        self.assertEqual(run["check"], "up-to-date 1.0.0")
        self.assertEqual(run["ready"], "")
        self.assertEqual((run["status.current"], run["status.staged"]), ("1.0.0", ""))

    def test_exec_mode_restarts_through_restart_after(self):
        url = self.serve()
        self.root.write_config({"update_url": url, "mode": "exec"})
        user_args = ["with space", "ünï"]
        proc = self.launch("--on=1.0.0:hold,check,restart", *user_args)
        self.wait_report("holding", "the app to start")
        self.publish("1.1.0")
        self.go()
        code, stderr = self.finish(proc)  # the app, in the launcher's place
        self.assertEqual(code, 0, stderr)
        first = runs(self.report)[0]
        self.assertEqual(first["env"]["BOMIOT_LAUNCH_MODE"], "exec")
        self.assertEqual((first["check"], first["restart"]), ("staged 1.1.0", "0"))
        # `--restart-after PID` waited for it, switched and started 1.1.0.
        self.wait_report("exiting", "1.1.0 to start and end", run=1)
        second = runs(self.report)[1]
        self.assertEqual(second["version"], "1.1.0")
        self.assertEqual(second["args"][1:], first["args"][1:])
        wait_for(lambda: not self.root.read_state().get("trial"), 30, "the trial to end")
        self.assertEqual(self.root.read_state()["current"], "1.1.0")

    def test_confirm_healthy_ends_the_trial_while_the_app_runs(self):
        folder = app_folder(self.pub.apps, "1.1.0")
        self.put_app(folder)
        shutil.copytree(folder, self.root.p("versions", "1.1.0"))
        open(self.root.p("versions", "1.1.0", ".bomiot-complete"), "w").close()
        r = self.root.run("--switch-to", "1.1.0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.root.write_config({"update_url": self.serve(), "healthy_seconds": 600})
        proc = self.launch("--on=1.1.0:status,check,confirm,hold,status,check")
        self.wait_report("holding", "the app to start")
        [run] = runs(self.report)
        self.assertEqual(run["status.trial"], "1.1.0")
        self.assertEqual(run["env"]["BOMIOT_ON_TRIAL"], "1")
        # A version on trial is judged before anything else is installed.
        kind, code, message = self.error(run)
        self.assertEqual((kind, code), ("CheckFailed", 1), message)
        self.assertIn("trial", message)
        self.assertEqual(run["confirmed"], "1")
        wait_for(lambda: not self.root.read_state()["trial"], 10, "the launcher to confirm 1.1.0")
        self.go()
        code, stderr = self.finish(proc)
        self.assertEqual(code, 0, stderr)
        [run] = runs(self.report)
        self.assertEqual(run["status.trial"], "")
        self.assertEqual(run["check"], "up-to-date 1.1.0")  # confirmed: it may check now

    # --- bad use ---------------------------------------------------------------

    def test_restart_with_nothing_staged_is_refused_and_the_app_goes_on(self):
        self.root.write_config({"update_url": self.serve()})
        code, stderr = self.finish(self.launch("--on=1.0.0:restart,exit-3"))
        self.assertEqual(code, 3, stderr)
        [run] = runs(self.report)
        kind, _, message = self.error(run)
        self.assertEqual(kind, "NothingStaged")
        self.assertIn("no update is staged", message)
        self.assertEqual(self.root.read_state()["current"], "1.0.0")

    def test_status_and_check_on_a_folder_that_is_not_an_installation(self):
        for with_versions, says in ((False, "not in an installation"), (True, "no version is installed")):
            with self.subTest(versions_folder=with_versions):
                open(self.report, "w").close()
                launcher = self.not_an_installation(with_versions)
                r, [run] = self.run_app_by_hand(f"--launcher={launcher}", "--on=unknown:status")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(run["launched"], "0")
                kind, code, message = self.error(run)
                self.assertEqual((kind, code), ("LauncherError", 127), message)
                self.assertIn(says, message)
        open(self.report, "w").close()
        r, [run] = self.run_app_by_hand(f"--launcher={self.not_an_installation(False)}", "--on=unknown:check")
        kind, code, message = self.error(run)
        self.assertEqual((kind, code), ("LauncherError", 125), message)
        self.assertIn("reinstall", message)

    def test_calls_outside_a_launcher_without_its_path_say_so(self):
        r, [run] = self.run_app_by_hand("--on=unknown:status,check,restart")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(run["launched"], "0")
        self.assertEqual([e.split(" ", 2)[:2] for e in run["errors"]], [["NotLaunched", "-1"]] * 3)
        self.assertIn("not started by bomiot-launcher", run["errors"][0])

    def test_a_check_while_another_launcher_updates_is_busy(self):
        self.serve()
        self.publish("1.1.0", data_size=512 * 1024)
        # The launch downloads 1.1.0 slowly (about 30 s) and holds the lock meanwhile.
        self.root.write_config({"update_url": f"{self.server.url}/_fault/only/bomiot-1.1.0.tar.gz/slow/20000",
                                "incremental_update": False, "download_seconds": 120, "splash": False})
        updating = self.launch()
        wait_for(lambda: os.path.exists(self.root.p("cache", "downloads", "bomiot-1.1.0.tar.gz")), 30,
                 "the launch to start downloading")
        r, [run] = self.run_app_by_hand(f"--launcher={self.root.launcher}", "--on=unknown:check")
        self.assertEqual(r.returncode, 0, r.stderr)
        kind, code, message = self.error(run)
        self.assertEqual((kind, code), ("Busy", 11), message)
        self.assertIn("try again", message)
        self.assertEqual(run["events"][-1]["event"], "busy")
        self.assertIsNone(updating.poll())
        updating.send_signal(signal.SIGKILL)
        updating.wait()


class PythonSdkTest(SdkAppCase, unittest.TestCase):
    """The app is a Python script on sdk/python/bomiot_launcher.py."""

    def put_app(self, folder):
        with open(PYTHON_APP, encoding="utf-8") as f:
            source = f.read().split("\n", 1)[1]
        path = os.path.join(folder, "bomiot")
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"#!{sys.executable}\n{source}")
        os.chmod(path, 0o755)

    def app_command(self):
        return [sys.executable, PYTHON_APP]


class CSdkTest(SdkAppCase, unittest.TestCase):
    """The app is a native program on sdk/c/bomiot_launcher.h."""

    def put_app(self, folder):
        path = os.path.join(folder, "bomiot")
        shutil.copy2(C_APP, path)
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)

    def app_command(self):
        return [C_APP]


# A stand-in launcher that answers as the contract says a launcher may (one
# scenario per FAKE_SCENARIO), for what the real one cannot be made to do on
# cue: every exit code of --check, noise around the JSON, a flood on stderr.
FAKE_LAUNCHER = r"""#!%(python)s
import json, os, sys
scenario = os.environ.get("FAKE_SCENARIO", "")
def say(**event):
    print(json.dumps(event), flush=True)
if sys.argv[1:3] == ["--status", "--json"]:
    print(json.dumps({"schema": 1, "current": "1.0.0", "running": None, "future_key": {"nested": ["\u00e9", 1e3]},
                      "staged": {"version": "1.1.0", "size": 5}}, indent=2))
    sys.exit(0)
sys.stderr.write("a warning from the launcher\n" * (20000 if scenario == "flood" else 1))
say(event="checking")
print("a line that is not JSON", flush=True)
say(event="downloading", version="1.1.0", bytes=5, total=10, rate=2.5)
finals = {"up-to-date": ({"event": "up-to-date", "version": "1.0.0"}, 0),
          "staged": ({"event": "staged", "version": "1.1.0"}, 10), "flood": ({"event": "staged", "version": "1.1.0"}, 10),
          "available": ({"event": "available", "version": "1.1.0"}, 12),
          "failed": ({"event": "failed", "error": "the server answered 503: try again later"}, 1),
          "busy": ({"event": "busy", "error": "another bomiot-launcher is updating this installation; try again"}, 11),
          "crash": (None, 125)}
final, code = finals[scenario]
if final and scenario == "up-to-date":
    sys.stdout.write(json.dumps(final))  # a last line without its newline still counts
elif final:
    say(**final)
else:
    sys.stderr.write("bomiot-launcher: cannot read state.json\n")
sys.exit(code)
"""


class ContractCase:
    """Each SDK against a stand-in launcher: every --check outcome maps to
    its result or error, lines that are not events are skipped, and a
    launcher that floods stderr does not block the call."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bl-sdk-contract-")
        self.launcher = os.path.join(self.tmp, "bomiot-launcher")
        with open(self.launcher, "w") as f:
            f.write(FAKE_LAUNCHER % {"python": sys.executable})
        os.chmod(self.launcher, 0o755)
        self.report = os.path.join(self.tmp, "report.txt")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def app(self, scenario, actions):
        if os.path.exists(self.report):
            os.remove(self.report)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOMIOT_")}
        env.update(FAKE_SCENARIO=scenario, BL_SDK_PYTHON=SDK_PYTHON)
        r = subprocess.run([*self.command, f"--report={self.report}", f"--launcher={self.launcher}",
                            f"--on=unknown:{actions}"], env=env, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        [run] = runs(self.report)
        return run

    def test_each_outcome_of_a_check(self):
        for scenario, check, error in (("up-to-date", "up-to-date 1.0.0", None), ("staged", "staged 1.1.0", None),
                                       ("available", "available 1.1.0", None), ("flood", "staged 1.1.0", None),
                                       ("failed", None, "CheckFailed 1 the server answered 503: try again later"),
                                       ("busy", None, "Busy 11 another bomiot-launcher is updating this installation;"
                                                      " try again"),
                                       ("crash", None, "LauncherError 125 ")):
            with self.subTest(scenario=scenario):
                run = self.app(scenario, "check")
                self.assertEqual([e["event"] for e in run["events"]][:2], ["checking", "downloading"])
                self.assertEqual(run["events"][1], {"event": "downloading", "version": "1.1.0", "bytes": 5,
                                                    "total": 10, "rate": 2.5})
                self.assertEqual(run.get("check"), check)
                if error is None:
                    self.assertEqual(run["errors"], [])
                else:
                    [got] = run["errors"]
                    self.assertTrue(got.startswith(error), got)
                if scenario == "crash":
                    self.assertIn("cannot read state.json", run["errors"][0])

    def test_status_reads_its_fields_from_any_layout_of_the_object(self):
        run = self.app("", "status,ready")
        self.assertEqual((run["status.current"], run["status.staged"], run["status.staged_size"], run["status.running"]),
                         ("1.0.0", "1.1.0", "5", ""))
        self.assertEqual(run["ready"], "1.1.0")


class PythonContractTest(ContractCase, unittest.TestCase):
    command = [sys.executable, PYTHON_APP]


class CContractTest(ContractCase, unittest.TestCase):
    command = [C_APP]


def doc_blocks(language):
    """The ```language blocks of docs/app-integration.md, in order."""
    with open(os.path.join(SOURCE, "docs", "app-integration.md"), encoding="utf-8") as f:
        return re.findall(r"```%s\n(.*?)```" % language, f.read(), re.S)


class DocsExamplesTest(unittest.TestCase):
    """docs/app-integration.md's examples are code that works: every Python
    block compiles, the C one builds with the header, and the command-line
    tool, installed as the app, updates itself through the real launcher."""

    def test_python_examples_compile(self):
        blocks = doc_blocks("python")
        self.assertGreaterEqual(len(blocks), 2)
        for i, code in enumerate(blocks):
            compile(code, f"docs/app-integration.md python block {i}", "exec")

    @unittest.skipUnless(shutil.which("cc"), "no C compiler")
    def test_the_c_example_builds(self):
        tmp = tempfile.mkdtemp(prefix="bl-sdk-doc-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        blocks = doc_blocks("c")
        source = os.path.join(tmp, "example.c")
        with open(source, "w") as f:
            f.write(blocks[0] + blocks[-1])  # the implementation's two lines, then the app
        r = subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic",
                            "-I", os.path.join(SOURCE, "sdk", "c"), source, "-o", os.path.join(tmp, "example")],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_the_command_line_example_updates_itself(self):
        cli = doc_blocks("python")[1]
        self.assertIn("self-update", cli)

        def put(folder):
            path = os.path.join(folder, "bomiot")
            with open(path, "w", encoding="utf-8") as f:
                f.write(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {SDK_PYTHON!r})\n{cli}")
            os.chmod(path, 0o755)

        pub = Publisher()
        self.addCleanup(pub.cleanup)
        pub.init()
        folder = app_folder(pub.apps, "1.0.0")
        put(folder)
        pub.run("add", folder, "1.0.0")
        root = Root()
        self.addCleanup(root.cleanup)
        seed_install(root, pub, "1.0.0")
        server = TestServer(pub.repo)
        self.addCleanup(server.stop)
        root.write_config({"update_url": server.url})
        r = root.run(timeout=120)  # the first command: its check at launch finds nothing newer
        self.assertEqual(r.returncode, 0, r.stderr)
        folder = app_folder(pub.apps, "1.1.0")
        put(folder)
        pub.run("add", folder, "1.1.0")
        r = root.run("self-update", timeout=120)  # within update_interval: only the tool's own check
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"mytool 1.1.0 is installed; the next command runs it.", r.stderr)
        self.assertEqual(root.read_state()["current"], "1.1.0")  # apply_on_exit


class PythonModuleTest(unittest.TestCase):
    """What the module does without a launcher to ask."""

    def setUp(self):
        sys.path.insert(0, SDK_PYTHON)
        import bomiot_launcher
        self.bl = bomiot_launcher
        self.saved = {k: v for k, v in os.environ.items() if k.startswith("BOMIOT_")}
        for k in self.saved:
            del os.environ[k]
        self.tmp = tempfile.mkdtemp(prefix="bl-sdk-")

    def tearDown(self):
        sys.path.remove(SDK_PYTHON)
        for k in [k for k in os.environ if k.startswith("BOMIOT_")]:
            del os.environ[k]
        os.environ.update(self.saved)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_exceptions_form_one_family(self):
        for cls in (self.bl.NotLaunched, self.bl.Busy, self.bl.CheckFailed, self.bl.NothingStaged):
            self.assertTrue(issubclass(cls, self.bl.LauncherError))
        e = self.bl.Busy("another launcher", 11)
        self.assertEqual((e.exit_code, str(e)), (11, "another launcher"))

    def test_not_launched_until_told_where_the_launcher_is(self):
        self.assertFalse(self.bl.launched_by_launcher())
        with self.assertRaises(self.bl.NotLaunched) as cm:
            self.bl.status()
        self.assertIn("pass launcher=PATH", str(cm.exception))
        self.assertFalse(self.bl.confirm_healthy())  # nothing to confirm, not an error

    def test_a_launcher_of_another_api_is_refused(self):
        os.environ.update(BOMIOT_LAUNCHER="/nowhere/bomiot-launcher", BOMIOT_LAUNCHER_API="2")
        self.assertTrue(self.bl.launched_by_launcher())
        with self.assertRaises(self.bl.LauncherError) as cm:
            self.bl.status()
        self.assertIn("speaks app API 2", str(cm.exception))

    def test_a_launcher_that_cannot_run_is_a_launcher_error(self):
        with self.assertRaises(self.bl.LauncherError) as cm:
            self.bl.check(launcher=os.path.join(self.tmp, "missing"))
        self.assertIsNone(cm.exception.exit_code)
        self.assertIn("cannot run the launcher", str(cm.exception))

    def test_confirm_healthy_writes_the_health_file(self):
        health = os.path.join(self.tmp, "app-healthy")
        os.environ["BOMIOT_HEALTH_FILE"] = health
        self.assertTrue(self.bl.confirm_healthy())
        self.assertTrue(os.path.exists(health))
        os.environ["BOMIOT_HEALTH_FILE"] = os.path.join(self.tmp, "no such folder", "app-healthy")
        with self.assertRaises(self.bl.LauncherError) as cm:
            self.bl.confirm_healthy()
        self.assertIn("cannot write the health file", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
