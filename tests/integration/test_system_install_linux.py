# SPDX-License-Identifier: Apache-2.0
"""A machine-wide install as an administrator and its users meet it (issue
26): a bundle made by make-bundle.sh from a published release, installed by
install.sh --prefix (the --system layout, root's) with its systemd units;
the app started by an unprivileged user this test creates (runuser), whose
launcher runs read-only; the machine's updater, `bomiot-launcher
--update-only` run as root, installing the next release, which the user's
next start runs; a version a user's app runs from kept by the pruner until
the app ends. Runs as root (the whole suite does); the user goes in
tearDown."""
import json
import os
import pwd
import shutil
import re
import signal
import stat
import subprocess
import sys
import tarfile
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from blrepo import Publisher  # noqa: E402
from blroot import LAUNCHER, MARKER, end_processes, parse_report, wait_for  # noqa: E402

SOURCE = os.environ.get("BL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
INSTALLER = os.path.join(SOURCE, "installer", "linux")
USER = f"blsys{os.getpid() % 100000}"


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOMIOT_", "XDG_"))}
    env.update(extra)
    return env


def snapshot(top):
    """Every path under top with its kind, size and modification time."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            found[os.path.relpath(path, top)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return found


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("useradd") and shutil.which("runuser"),
                     "needs root, useradd and runuser (a user of its own to run the app as)")
class SystemInstallTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bl-sys-")
        os.chmod(self.tmp, 0o755)  # the user reaches the install through it
        self.pub = Publisher(self.tmp)
        self.pub.init()
        self.pub.add("1.0.0")
        bundle_app = os.path.join(self.pub.apps, "app-1.0.0")
        config = os.path.join(self.tmp, "launcher.json")
        with open(config, "w") as f:
            json.dump({"update_url": "file://" + self.pub.repo, "keep_versions": 1, "update_interval": 7200,
                       "splash": False}, f)
        tarball = os.path.join(self.tmp, "bomiot-1.0.0-linux.tar.gz")
        r = subprocess.run([os.path.join(INSTALLER, "make-bundle.sh"), "--root", self.pub.trusted_root(), "--config",
                            config, LAUNCHER, bundle_app, "1.0.0", tarball], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with tarfile.open(tarball) as t:
            t.extractall(self.tmp, filter="tar")
        self.bundle = os.path.join(self.tmp, "bomiot-1.0.0-linux")
        # A space, a '$' and a '%' in the path: the units must quote and escape it.
        self.prefix = os.path.join(self.tmp, "sys $HOME 100%")
        os.makedirs(self.prefix, mode=0o755)
        self.home = os.path.join(self.tmp, "home")
        subprocess.run(["useradd", "--no-create-home", "--home-dir", self.home, "--shell", "/bin/sh", "--user-group",
                        USER], check=True, capture_output=True)
        self.addCleanup(subprocess.run, ["userdel", USER], capture_output=True)
        os.makedirs(self.home)
        user = pwd.getpwnam(USER)
        os.chown(self.home, user.pw_uid, user.pw_gid)
        self.procs = []
        r = subprocess.run(["sh", os.path.join(self.bundle, "install.sh"), "--prefix", self.prefix], env=clean_env(),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.root = os.path.realpath(os.path.join(self.prefix, "opt", "bomiot"))
        self.launcher = os.path.join(self.root, "bomiot-launcher")
        self.units = os.path.join(self.prefix, "etc", "systemd", "system")

    def tearDown(self):
        for p in self.procs:  # asked to end first: killing runuser alone would leave the launcher and app
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
        end_processes(self.procs)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def p(self, *parts):
        return os.path.join(self.root, *parts)

    def user_log(self):
        return os.path.join(self.home, ".local", "state", "bomiot", "bomiot", "update.log")

    def as_user(self, *args):
        """The command line that runs the installed launcher as the user,
        in their own environment (HOME, no XDG_STATE_HOME)."""
        return ["runuser", "-u", USER, "--", "env", "-i", "HOME=" + self.home, "PATH=/usr/bin:/bin", self.launcher,
                *args]

    def start_as_user(self, *args):
        return subprocess.run(self.as_user(*args), capture_output=True, text=True, timeout=60, cwd=self.home)

    def update_only(self):
        return subprocess.run([self.launcher, "--update-only"], env=clean_env(), capture_output=True, text=True,
                              timeout=120)

    def read(self, path):
        with open(path, encoding="utf-8") as f:
            return f.read()

    def current(self):
        with open(self.p("state.json")) as f:
            return json.load(f)["current"]

    # --- a user's launcher: read-only ----------------------------------------

    def test_a_user_starts_the_current_version_read_only_and_logs_in_their_own_folder(self):
        subprocess.run([self.launcher, "--installed-version"], env=clean_env(), check=True, capture_output=True)
        before = snapshot(self.root)
        report = os.path.join(self.home, "report.txt")
        r = self.start_as_user(f"--report={report}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")  # nothing on the terminal at each start
        self.assertEqual(parse_report(report)["version"], "1.0.0")
        self.assertEqual(parse_report(report)["env"]["BOMIOT_INSTALL_ROOT"], self.root)
        self.assertEqual(snapshot(self.root), before)  # not a byte written, not a lock file made
        log = self.read(self.user_log())
        self.assertIn("read-only: this user may not write " + self.root, log)
        self.assertIn("starting version 1.0.0", log)
        self.assertEqual(os.stat(self.user_log()).st_uid, pwd.getpwnam(USER).pw_uid)
        # A second start: still quiet, still nothing written in the root.
        r = self.start_as_user(f"--report={report}")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual(snapshot(self.root), before)
        r = self.start_as_user("--print-config")
        self.assertIn("read-only", r.stdout)
        self.assertIn(self.user_log(), r.stdout)

    def test_the_update_only_mode_refuses_a_user_who_cannot_write_the_root(self):
        before = snapshot(self.root)
        r = self.start_as_user("--update-only")
        self.assertEqual(r.returncode, 1)
        self.assertIn("may not write", r.stderr)
        self.assertEqual(snapshot(self.root), before)

    def test_a_users_check_says_the_machine_updates_this_install(self):
        before = snapshot(self.root)
        r = self.start_as_user("--check")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("the machine's updater keeps it up to date", r.stdout)
        self.assertEqual(snapshot(self.root), before)

    # --- the machine's updater -------------------------------------------------

    def test_the_privileged_update_installs_and_the_users_next_start_runs_it(self):
        self.assertEqual(self.update_only().returncode, 0)  # up to date
        self.pub.add("1.1.0")
        r = self.update_only()
        self.assertEqual(r.returncode, 10, r.stderr)
        self.assertEqual(self.current(), "1.1.0")
        self.assertTrue(os.path.isfile(self.p("versions", "1.1.0", MARKER)))
        self.assertIn("update only (--update-only)", self.read(self.p("cache", "update.log")))
        report = os.path.join(self.home, "report.txt")
        r = self.start_as_user(f"--report={report}")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual(parse_report(report)["version"], "1.1.0")
        self.assertEqual(parse_report(report)["env"]["BOMIOT_ON_TRIAL"], "1")  # judged, and reported
        # The user's healthy run, reported, confirms it at the updater's next run, which is up to date.
        self.assertEqual(self.update_only().returncode, 0)
        with open(self.p("state.json")) as f:
            state = json.load(f)
        self.assertEqual((state["current"], state.get("trial", False)), ("1.1.0", False))
        self.assertEqual(os.listdir(self.p("reports")), [])

    def test_a_version_a_user_runs_is_not_pruned_until_the_app_ends(self):
        report = os.path.join(self.home, "report.txt")
        app = subprocess.Popen(self.as_user(f"--report={report}", "--wait-signal"), cwd=self.home,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.procs.append(app)
        wait_for(lambda: os.path.exists(report) and parse_report(report).get("version"), what="the user's app")
        self.pub.add("1.1.0")
        self.assertEqual(self.update_only().returncode, 10)
        r = self.start_as_user()  # 1.1.0's healthy run, reported
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.update_only()  # confirms 1.1.0 and prunes to keep_versions 1: 1.0.0 runs
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(self.p("versions", "1.0.0", MARKER)))
        self.assertIn("kept old version 1.0.0: an app started from it still runs",
                      self.read(self.p("cache", "update.log")))
        self.assertIsNone(app.poll())
        app.send_signal(signal.SIGTERM)  # runuser passes it on to the launcher, which passes it to the app
        app.wait(timeout=30)
        self.assertEqual(self.update_only().returncode, 0)
        self.assertFalse(os.path.exists(self.p("versions", "1.0.0")))
        self.assertTrue(os.path.isfile(self.p("versions", "1.1.0", MARKER)))

    # --- trial reports -----------------------------------------------------------

    def reports(self):
        return sorted(os.listdir(self.p("reports")))

    def state(self):
        with open(self.p("state.json")) as f:
            return json.load(f)

    def put_on_trial(self, *behaviour):
        """1.1.0 published (acting on behaviour) and switched to by the updater, on trial."""
        self.pub.add("1.1.0", behaviour=behaviour)
        r = self.update_only()
        self.assertEqual(r.returncode, 10, r.stderr)
        self.assertEqual((self.state()["current"], self.state().get("trial")), ("1.1.0", True))

    def test_the_spool_is_roots_and_users_may_only_add_to_it(self):
        st = os.stat(self.p("reports"))
        self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (0, 0o1733))
        r = subprocess.run(["runuser", "-u", USER, "--", "ls", self.p("reports")], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)  # not listable by a user

    def test_a_users_crash_on_trial_is_reported_and_rolled_back_for_everyone(self):
        self.put_on_trial("--crash=segv")
        state_before = self.read(self.p("state.json"))
        report = os.path.join(self.home, "report.txt")
        r = self.start_as_user(f"--report={report}")
        # The user's own start goes back to 1.0.0 at once (rerun_after_rollback), in memory only.
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse_report(report)["version"], "1.0.0")
        self.assertEqual(self.read(self.p("state.json")), state_before)
        names = self.reports()
        self.assertEqual(len(names), 1, names)
        self.assertRegex(names[0], r"^1\.1\.0\.crash\.[0-9a-f]{16}\.json$")
        st = os.stat(self.p("reports", names[0]))
        self.assertEqual(st.st_uid, pwd.getpwnam(USER).pw_uid)
        sent = json.loads(self.read(self.p("reports", names[0])))
        self.assertEqual((sent["version"], sent["verdict"], sent["signal"]), ("1.1.0", "crash", signal.SIGSEGV))
        self.assertIn("reported version 1.1.0's crash run to the machine's updater", self.read(self.user_log()))
        # The updater reads it first: blocked, 1.0.0 current again, the report gone, the user named.
        r = self.update_only()
        self.assertEqual(r.returncode, 0, r.stderr)
        state = self.state()
        self.assertEqual((state["current"], state.get("trial", False)), ("1.0.0", False))
        self.assertIn("1.1.0", state["blocked"])
        self.assertEqual(self.reports(), [])
        log = self.read(self.p("cache", "update.log"))
        self.assertIn(f"a user (uid {pwd.getpwnam(USER).pw_uid}) reported that version 1.1.0 died of signal "
                      f"{int(signal.SIGSEGV)}", log)
        self.assertFalse(os.path.exists(self.p("versions", "1.1.0")))  # a blocked version is pruned
        # Every user's next start runs 1.0.0, and reports nothing (nothing is on trial).
        os.remove(report)
        r = self.start_as_user(f"--report={report}")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual(parse_report(report)["version"], "1.0.0")
        self.assertEqual(parse_report(report)["env"]["BOMIOT_ON_TRIAL"], "0")
        self.assertEqual(self.reports(), [])

    def test_the_updater_puts_a_confirmed_versions_launcher_in_place(self):
        """A release carrying a new launcher: users' launchers cannot write
        the root, so the machine's updater replaces the launcher once the
        version is confirmed, and goes on as the new one."""
        with open(self.launcher, "rb") as f:
            old = f.read()
        new = old + b"\0bomiot-launcher machine-wide test build\0"  # ELF ignores trailing data
        self.pub.add("1.1.0", files={"bomiot-launcher": new})
        self.assertEqual(self.update_only().returncode, 10)
        r = self.update_only()  # on trial: no launcher from it yet
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.launcher, "rb") as f:
            self.assertEqual(f.read(), old)
        report = os.path.join(self.home, "report.txt")
        r = self.start_as_user(f"--report={report}")  # a healthy run, reported
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        r = self.update_only()
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.launcher, "rb") as f:
            self.assertEqual(f.read(), new)
        log = self.read(self.p("cache", "update.log"))
        self.assertIn("version 1.1.0 carries a new launcher; installing it", log)
        self.assertIn("running the launcher from version 1.1.0", log)
        self.assertEqual(log.count("update only (--update-only)"), 4)  # the restarted one too
        self.assertEqual((self.state()["current"], self.state().get("trial")), ("1.1.0", False))

    def test_a_user_app_confirms_its_trial_by_a_health_file_of_the_users_own(self):
        self.put_on_trial()
        report = os.path.join(self.home, "report.txt")
        r = self.start_as_user(f"--report={report}", "--touch-health", "--sleep=2000")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        health = os.path.join(self.home, ".local", "state", "bomiot", "bomiot", "app-healthy")
        self.assertEqual(parse_report(report)["env"]["BOMIOT_HEALTH_FILE"], health)  # the root's cache/ is root's
        names = self.reports()
        self.assertEqual(len(names), 1, names)
        sent = json.loads(self.read(self.p("reports", names[0])))
        # Reported as the file appeared, while the app still ran (healthy_seconds is 10).
        self.assertEqual((sent["verdict"], sent["exit_code"]), ("healthy", -1))
        self.assertLess(sent["ran_ms"], 2000)
        self.assertIn("ran healthy: it reported itself healthy", self.read(self.user_log()))
        self.assertEqual(self.update_only().returncode, 0)
        self.assertEqual((self.state()["current"], self.state().get("trial")), ("1.1.0", False))

    def test_without_a_report_the_version_stays_on_trial_and_nothing_is_installed(self):
        self.put_on_trial()
        self.pub.add("1.2.0")
        r = self.update_only()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((self.state()["current"], self.state().get("trial")), ("1.1.0", True))
        self.assertFalse(os.path.exists(self.p("versions", "1.2.0")))
        self.assertIn("version 1.1.0 is on trial until a user's run of it is reported",
                      self.read(self.p("cache", "update.log")))
        r = self.start_as_user()  # healthy: reported, so the next run confirms 1.1.0 and then installs 1.2.0
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.update_only()
        self.assertEqual(r.returncode, 10, r.stderr)
        self.assertEqual((self.state()["current"], self.state().get("trial")), ("1.2.0", True))
        self.assertIn("1.1.0 confirmed: a user (uid", self.read(self.p("cache", "update.log")))

    def test_forged_oversized_and_linked_reports_change_nothing(self):
        self.put_on_trial()
        uid, gid = pwd.getpwnam(USER).pw_uid, pwd.getpwnam(USER).pw_gid
        crash = json.dumps({"version": "1.1.0", "verdict": "crash", "signal": 11}).encode()
        elsewhere = os.path.join(self.home, "crash.json")  # a good report's text, outside the spool
        with open(elsewhere, "wb") as f:
            f.write(crash)
        os.chown(elsewhere, uid, gid)
        spool = self.p("reports")
        tag = iter(f"{i:016x}" for i in range(1, 100))

        def put(name, data):
            path = os.path.join(spool, name)
            with open(path, "wb") as f:
                f.write(data)
            os.chown(path, uid, gid)

        os.symlink(elsewhere, os.path.join(spool, f"1.1.0.crash.{next(tag)}.json"))  # a link: never followed
        os.link(elsewhere, os.path.join(spool, f"1.1.0.crash.{next(tag)}.json"))  # a second name of a file
        put(f"1.1.0.crash.{next(tag)}.json", crash + b" " * 5000)  # bigger than a report
        put(f"1.1.0.crash.{next(tag)}.json", crash.replace(b"crash", b"healthy"))  # the text denies the name
        put(f"1.1.0.crash.{next(tag)}.json", b"not json")
        put("evil.json", crash)  # not a report's name
        put(f"1.1.0.crash.{next(tag)}.json.tmp", crash)
        put(f"1.1.0.crash.ABCDEF0123456789.json", crash)  # the tag is lowercase hex
        fifo = os.path.join(spool, f"1.1.0.crash.{next(tag)}.json")
        os.mkfifo(fifo)  # never waited on
        os.chown(fifo, uid, gid)
        os.mkdir(os.path.join(spool, f"1.1.0.crash.{next(tag)}.json"))
        put(f"9.9.9.crash.{next(tag)}.json", crash.replace(b"1.1.0", b"9.9.9"))  # not the version on trial
        before = self.read(self.p("state.json"))
        r = self.update_only()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read(self.p("state.json")), before)  # still on trial, nothing blocked
        self.assertEqual(self.reports(), [])  # all of it deleted
        self.assertEqual(self.read(elsewhere).encode(), crash)  # the link's target untouched
        log = self.read(self.p("cache", "update.log"))
        self.assertIn("cannot open it (a link is never followed)", log)
        self.assertIn("a file with 2 names", log)
        self.assertIn("more than a report's 4096", log)
        self.assertIn("not those its name says", log)
        self.assertIn("not a report's name", log)
        self.assertIn("not a regular file", log)
        self.assertIn("is a folder, not a report", log)
        self.assertIn("not the current version", log)
        self.assertEqual(len(re.findall(f"uid {uid}", log)), 9)  # each file's owner, but the link's and folder's

    # --- the systemd units -----------------------------------------------------

    def test_the_install_writes_a_service_and_timer_that_verify_and_uninstall_removes_them(self):
        service = os.path.join(self.units, "bomiot-bomiot-update.service")
        timer = os.path.join(self.units, "bomiot-bomiot-update.timer")
        path_unit = os.path.join(self.units, "bomiot-bomiot-update.path")
        text = self.read(service)
        self.assertIn("Type=oneshot", text)
        self.assertIn(f'ExecStart="{self.launcher.replace("%", "%%")}" --update-only', text)
        self.assertIn(f'ReadWritePaths="{self.root.replace("%", "%%")}"', text)
        timer_text = self.read(timer)
        self.assertIn("OnUnitActiveSec=7200s", timer_text)  # launcher.json's update_interval
        self.assertIn("RandomizedDelaySec=1800s", timer_text)
        self.assertIn("OnBootSec=", timer_text)
        path_text = self.read(path_unit)
        self.assertIn(f"DirectoryNotEmpty={self.p('reports').replace('%', '%%')}\n", path_text)
        self.assertIn("Unit=bomiot-bomiot-update.service", path_text)
        if shutil.which("systemd-analyze"):
            v = subprocess.run(["systemd-analyze", "verify", service, timer, path_unit], capture_output=True,
                               text=True)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        r = subprocess.run(["sh", os.path.join(self.root, "uninstall.sh")], env=clean_env(), capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertFalse(os.path.exists(service))
        self.assertFalse(os.path.exists(path_unit))
        self.assertFalse(os.path.exists(self.p("reports")))
        self.assertFalse(os.path.exists(os.path.join(self.prefix, "etc")))  # made by install.sh, gone with it


if __name__ == "__main__":
    unittest.main()
