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
import signal
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
        # The next run confirms it (no user can report a trial) and is up to date.
        self.assertEqual(self.update_only().returncode, 0)
        with open(self.p("state.json")) as f:
            state = json.load(f)
        self.assertEqual((state["current"], state.get("trial", False)), ("1.1.0", False))

    def test_a_version_a_user_runs_is_not_pruned_until_the_app_ends(self):
        report = os.path.join(self.home, "report.txt")
        app = subprocess.Popen(self.as_user(f"--report={report}", "--wait-signal"), cwd=self.home,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.procs.append(app)
        wait_for(lambda: os.path.exists(report) and parse_report(report).get("version"), what="the user's app")
        self.pub.add("1.1.0")
        self.assertEqual(self.update_only().returncode, 10)
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

    # --- the systemd units -----------------------------------------------------

    def test_the_install_writes_a_service_and_timer_that_verify_and_uninstall_removes_them(self):
        service = os.path.join(self.units, "bomiot-bomiot-update.service")
        timer = os.path.join(self.units, "bomiot-bomiot-update.timer")
        text = self.read(service)
        self.assertIn("Type=oneshot", text)
        self.assertIn(f'ExecStart="{self.launcher.replace("%", "%%")}" --update-only', text)
        self.assertIn(f'ReadWritePaths="{self.root.replace("%", "%%")}"', text)
        timer_text = self.read(timer)
        self.assertIn("OnUnitActiveSec=7200s", timer_text)  # launcher.json's update_interval
        self.assertIn("RandomizedDelaySec=1800s", timer_text)
        self.assertIn("OnBootSec=", timer_text)
        if shutil.which("systemd-analyze"):
            v = subprocess.run(["systemd-analyze", "verify", service, timer], capture_output=True, text=True)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        r = subprocess.run(["sh", os.path.join(self.root, "uninstall.sh")], env=clean_env(), capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertFalse(os.path.exists(service))
        self.assertFalse(os.path.exists(os.path.join(self.prefix, "etc")))  # made by install.sh, gone with it


if __name__ == "__main__":
    unittest.main()
