# SPDX-License-Identifier: Apache-2.0
"""A machine-wide (/ALLUSERS) install on Windows and its updater, under Wine
(issue 26; docs/deploy.md): the NSIS installer registers the scheduled task
that runs `bomiot-launcher.exe --update-only` as SYSTEM, at boot and every
update_interval with a random delay, writes its definition into the root
(update-task.xml) and makes reports\\; the uninstaller deletes the task and
both. A per-user install has none of them. The task's own command line, run
as Windows would run it, installs 1.1.0 from a repository bomiot-release.exe
made, served on 127.0.0.1 (exit 10), then finds nothing new (exit 0), and the
next start runs 1.1.0; the machine policy in the registry stops it, and its
update_interval is the task's. A user who may not write the root (a Unix
user this test creates, with a Wine prefix of its own, starting a launcher
in a root owned by root) runs it read-only: the current version starts,
nothing is written in the root, nothing is printed, and the log goes to the
user's %LOCALAPPDATA%\Bomiot\<root folder>; --update-only refuses them.

Wine's schtasks registers a task from XML but its task file
(C:\\windows\\system32\\tasks\\<name>) keeps only the description and the
settings (triggers, principal and action are stubs in Wine 8), so the
triggers, the SYSTEM principal and the command are read from update-task.xml,
the very file schtasks was given; the reports folder's ACL cannot be read
back (Wine's icacls is a stub that changes nothing)."""
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "windows"))
from blrepo import APP  # noqa: E402
from server import TestServer  # noqa: E402
from test_windows_update import RELEASE, WinPublisher  # noqa: E402
from test_system_install_linux import snapshot  # noqa: E402
from wineroot import LAUNCHER, WINE, WinRoot, missing, parse_report, wait_for, wine, winpath  # noqa: E402

NSI = os.path.join(os.environ.get("BL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                   "installer", "windows", "bomiot.nsi")
WHY = (missing() or (None if shutil.which("makensis") else "makensis (nsis) is not installed")
       or (None if os.path.isfile(RELEASE) else f"{RELEASE} is not built"))
APP_NAME = "Bomiot & Co"  # '&' must reach the task's XML escaped
APP_ID = "BomiotCo"
TASK = rf"{APP_ID}\{APP_ID} update"
POLICY = r"HKLM\Software\Policies\Bomiot"
NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
STAGED, UP_TO_DATE = 10, 0  # --update-only's exit codes (README)


@unittest.skipIf(WHY, WHY)
class WindowsSystemInstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pub = WinPublisher()
        cls.addClassCleanup(cls.pub.cleanup)
        cls.pub.init()
        for version in ("1.0.0", "1.1.0"):
            cls.pub.add(version, data_size=64 * 1024)
        cls.requests = os.path.join(cls.pub.dir, "requests.log")
        cls.server = TestServer(cls.pub.repo, log=cls.requests)
        cls.addClassCleanup(cls.server.stop)
        cls.tmp = tempfile.mkdtemp(prefix="bl-nsis-system-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        config = os.path.join(cls.tmp, "launcher.json")
        with open(config, "w") as f:
            f.write('{"update_url": "%s", "update_interval": 7200, "check_seconds": 60, "splash": false}\n'
                    % cls.server.url)
        cls.setup = os.path.join(cls.tmp, "bomiotco-1.0.0-setup.exe")
        r = subprocess.run(["makensis", "-WX", "-V2", "-DVERSION=1.0.0", f"-DLAUNCHER_EXE={LAUNCHER}",
                            f"-DAPP_DIR={os.path.join(cls.pub.apps, 'app-1.0.0')}", f"-DOUTFILE={cls.setup}",
                            f"-DTRUSTED_ROOT={cls.pub.trusted_root()}", f"-DCONFIG={config}",
                            f"-DAPP_NAME={APP_NAME}", f"-DAPP_ID={APP_ID}", NSI],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        drive_c = os.path.join(os.environ["WINEPREFIX"], "drive_c")
        cls.root = os.path.join(drive_c, "Program Files", APP_ID)
        cls.win_root = rf"C:\Program Files\{APP_ID}"
        cls.task_file = os.path.join(drive_c, "windows", "system32", "tasks", *TASK.split("\\"))
        users = [n for n in os.listdir(os.path.join(drive_c, "users")) if n != "Public"]
        cls.user_root = os.path.join(drive_c, "users", users[0], "AppData", "Local", "Programs", APP_ID)

    def setUp(self):
        self.assertFalse(os.path.exists(self.task_file), "a task is left from an earlier test")
        self.assertFalse(os.path.exists(self.root))
        open(self.requests, "w").close()

    def install(self, *switches):
        r = wine(self.setup, "/S", *switches, timeout=180)  # the installer does its work itself
        self.assertEqual(r.returncode, 0, r.stderr)

    def uninstall(self, root, *switches):
        uninstaller = os.path.join(root, "uninstall.exe")
        r = wine(uninstaller, *switches, "/S", timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        # It re-runs itself from %TEMP% and returns at once.
        wait_for(lambda: not os.path.exists(root), timeout=60, what="the install folder to go")

    def task_xml(self):
        """update-task.xml, the definition schtasks registered: UTF-16 with a BOM."""
        with open(os.path.join(self.root, "update-task.xml"), "rb") as f:
            data = f.read()
        self.assertEqual(data[:2], b"\xff\xfe")
        return ET.fromstring(data.decode("utf-16").replace('encoding="UTF-16"', ""))

    def text(self, task, path):
        node = task.find(path, NS)
        self.assertIsNotNone(node, path)
        return node.text

    def fetched(self):
        with open(self.requests) as f:
            return [os.path.basename(line.split()[1]) for line in f if "/targets/" in line]

    def run_task(self):
        """The task's action as the Task Scheduler runs it: its Command with
        its Arguments, in its WorkingDirectory."""
        task = self.task_xml()
        command = self.text(task, "t:Actions/t:Exec/t:Command").strip('"')
        args = self.text(task, "t:Actions/t:Exec/t:Arguments").split()
        return wine(command, *args, timeout=180, cwd=self.root)

    def read_log(self):
        with open(os.path.join(self.root, "cache", "update.log"), encoding="utf-8", errors="replace") as f:
            return f.read()

    def test_all_users_install_registers_the_updater_and_uninstall_removes_it(self):
        self.install("/ALLUSERS")
        self.addCleanup(lambda: os.path.exists(self.root) and self.uninstall(self.root, "/ALLUSERS"))
        task = self.task_xml()
        self.assertEqual(task.get("version"), "1.2")
        self.assertEqual(self.text(task, "t:RegistrationInfo/t:URI"), "\\" + TASK)
        self.assertIn(APP_NAME, self.text(task, "t:RegistrationInfo/t:Description"))
        # At boot, after a delay; then every update_interval (launcher.json's
        # 7200 s) from the time of install, each run up to a quarter later.
        self.assertEqual(self.text(task, "t:Triggers/t:BootTrigger/t:Delay"), "PT5M")
        self.assertEqual(self.text(task, "t:Triggers/t:TimeTrigger/t:Repetition/t:Interval"), "PT120M")
        self.assertEqual(self.text(task, "t:Triggers/t:TimeTrigger/t:RandomDelay"), "PT30M")
        self.assertIsNone(task.find("t:Triggers/t:TimeTrigger/t:Repetition/t:Duration", NS))  # for ever
        self.assertRegex(self.text(task, "t:Triggers/t:TimeTrigger/t:StartBoundary"),
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
        # As SYSTEM, so whether or not anyone is logged on; on battery too.
        self.assertEqual(self.text(task, "t:Principals/t:Principal/t:UserId"), "S-1-5-18")
        self.assertEqual(task.find("t:Principals/t:Principal", NS).get("id"),
                         task.find("t:Actions", NS).get("Context"))
        self.assertEqual(self.text(task, "t:Settings/t:DisallowStartIfOnBatteries"), "false")
        self.assertEqual(self.text(task, "t:Settings/t:StopIfGoingOnBatteries"), "false")
        self.assertEqual(self.text(task, "t:Settings/t:MultipleInstancesPolicy"), "IgnoreNew")
        self.assertEqual(self.text(task, "t:Actions/t:Exec/t:Command"), rf'"{self.win_root}\bomiot-launcher.exe"')
        self.assertEqual(self.text(task, "t:Actions/t:Exec/t:Arguments"), "--update-only")
        self.assertEqual(self.text(task, "t:Actions/t:Exec/t:WorkingDirectory"), self.win_root)

        # Registered: Wine's task file keeps the description and settings.
        self.assertTrue(os.path.isfile(self.task_file), self.task_file)
        with open(self.task_file, encoding="utf-8-sig") as f:
            registered = f.read()
        self.assertIn(rf"{self.win_root}\bomiot-launcher.exe --update-only as SYSTEM", registered)
        self.assertIn("every 120 minutes (update_interval 7200 s) with up to 30 minutes of random delay",
                      registered)
        self.assertIn("<DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>", registered)
        self.assertIn("<StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>", registered)
        self.assertIn("<StartWhenAvailable>true</StartWhenAvailable>", registered)
        self.assertTrue(os.path.isdir(os.path.join(self.root, "reports")))

        self.uninstall(self.root, "/ALLUSERS")
        self.assertFalse(os.path.exists(self.task_file), "the uninstaller left the scheduled task")

    def test_a_per_user_install_has_no_updater(self):
        self.install()
        self.addCleanup(lambda: os.path.exists(self.user_root) and self.uninstall(self.user_root))
        self.assertTrue(os.path.isfile(os.path.join(self.user_root, "bomiot-launcher.exe")))
        self.assertFalse(os.path.exists(self.task_file))
        self.assertFalse(os.path.exists(os.path.join(self.user_root, "update-task.xml")))
        self.assertFalse(os.path.exists(os.path.join(self.user_root, "reports")))
        self.uninstall(self.user_root)

    def test_the_tasks_command_installs_the_next_version(self):
        self.install("/ALLUSERS")
        self.addCleanup(lambda: os.path.exists(self.root) and self.uninstall(self.root, "/ALLUSERS"))
        r = self.run_task()
        self.assertEqual(r.returncode, STAGED, r.stderr)
        self.assertIn(f"{APP}-1.1.0.zpatch", self.fetched())
        log = self.read_log()
        self.assertIn("update only (--update-only)", log)
        self.assertIn("switched to 1.1.0", log)
        self.assertTrue(os.path.isfile(os.path.join(self.root, "versions", "1.1.0", ".bomiot-complete")))
        r = self.run_task()
        self.assertEqual(r.returncode, UP_TO_DATE, r.stderr)
        # A user's next start runs it.
        report = os.path.join(self.tmp, "report.txt")
        r = wine(os.path.join(self.root, "bomiot-launcher.exe"), f"--report={winpath(report)}", timeout=120,
                 cwd=self.root)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse_report(report)["version"], "1.1.0")

    def test_the_machine_policy_stops_the_updater_and_sets_its_interval(self):
        self.addCleanup(wine, "reg", "delete", POLICY, "/f")
        for name, data in (("auto_update", "0"), ("update_interval", "86400")):
            r = wine("reg", "add", POLICY, "/v", name, "/t", "REG_DWORD", "/d", data, "/f")
            self.assertEqual(r.returncode, 0, r.stderr)
        self.install("/ALLUSERS")
        self.addCleanup(lambda: os.path.exists(self.root) and self.uninstall(self.root, "/ALLUSERS"))
        task = self.task_xml()  # the policy's interval, a day; the random delay at most an hour
        self.assertEqual(self.text(task, "t:Triggers/t:TimeTrigger/t:Repetition/t:Interval"), "PT1440M")
        self.assertEqual(self.text(task, "t:Triggers/t:TimeTrigger/t:RandomDelay"), "PT60M")
        r = self.run_task()
        self.assertEqual(r.returncode, UP_TO_DATE, r.stderr)
        self.assertEqual(self.fetched(), [])
        self.assertIn("not checking: auto_update is false", self.read_log())
        self.assertFalse(os.path.exists(os.path.join(self.root, "versions", "1.1.0")))


USER = f"blwin{os.getpid() % 100000}"


@unittest.skipIf(WHY, WHY)
@unittest.skipUnless(os.geteuid() == 0 and shutil.which("useradd") and shutil.which("runuser"),
                     "needs root, useradd and runuser (a user of its own to run the launcher as)")
class WindowsReadOnlyUserTest(unittest.TestCase):
    """Wine maps Windows access to the Unix user's: a root owned by root
    (mode 755) is one a Wine prefix of another user may read and not
    write, as Program Files is to a standard user."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="bl-wine-user-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        os.chmod(cls.tmp, 0o755)
        cls.home = os.path.join(cls.tmp, "home")
        subprocess.run(["useradd", "--no-create-home", "--home-dir", cls.home, "--shell", "/bin/sh", "--user-group",
                        USER], check=True, capture_output=True)
        cls.addClassCleanup(subprocess.run, ["userdel", USER], capture_output=True)
        user = pwd.getpwnam(USER)
        cls.prefix = os.path.join(cls.tmp, "prefix")
        cls.out = os.path.join(cls.tmp, "out")  # where the user's test app writes its report
        for folder in (cls.home, cls.prefix, cls.out):
            os.makedirs(folder)
            os.chown(folder, user.pw_uid, user.pw_gid)
        r = cls.as_user("wineboot", "-i", timeout=300)
        assert r.returncode == 0, r.stderr
        cls.addClassCleanup(cls.as_user, "wineserver", "-k", program="")
        # The user's profile folder, named by Wine after the Unix user.
        cls.local = os.path.join(cls.prefix, "drive_c", "users", USER, "AppData", "Local")

    @classmethod
    def as_user(cls, *args, timeout=120, program=WINE):
        """args run by the user in their own Wine prefix and environment."""
        env = ["HOME=" + cls.home, "PATH=/usr/bin:/bin", "WINEPREFIX=" + cls.prefix, "WINEDEBUG=-all",
               "WINEDLLOVERRIDES=mscoree,mshtml="]
        return subprocess.run(["runuser", "-u", USER, "--", "env", "-i", *env, *([program] if program else []), *args],
                              capture_output=True, timeout=timeout, cwd=cls.tmp)

    def setUp(self):
        self.root = WinRoot()
        self.addCleanup(self.root.cleanup)
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})
        self.root.write_config({"update_url": "http://127.0.0.1:9/updates", "update_interval": 0, "splash": False})
        for top, dirs, files in os.walk(self.root.path):  # root's, readable by all: Program Files
            for name in [top] + [os.path.join(top, n) for n in files]:
                os.chmod(name, 0o755)
        self.name = os.path.basename(self.root.path)

    def launcher(self, *args):
        return self.as_user(winpath(self.root.launcher), *args)

    def test_a_user_starts_the_current_version_read_only_and_logs_in_their_own_folder(self):
        before = snapshot(self.root.path)
        report = os.path.join(self.out, "report.txt")
        r = self.launcher(f"--report={winpath(report)}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, b"")
        self.assertEqual(parse_report(report)["version"], "1.0.0")
        self.assertEqual(snapshot(self.root.path), before)  # no lock, cache\, state.json or update
        with open(os.path.join(self.local, "Bomiot", self.name, "update.log"), encoding="utf-8") as f:
            log = f.read()
        self.assertIn("read-only: this user may not write", log)
        self.assertIn("starting version 1.0.0", log)

        r = self.launcher("--print-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode("utf-8")
        self.assertRegex(out, r"(?m)^install access\s+read-only")
        self.assertRegex(out, r"(?mi)^log\s+C:\\users\\%s\\AppData\\Local\\Bomiot\\%s" % (USER, self.name))
        self.assertEqual(snapshot(self.root.path), before)

    def test_update_only_refuses_a_user_and_names_the_scheduled_task(self):
        before = snapshot(self.root.path)
        r = self.launcher("--update-only")
        self.assertEqual(r.returncode, 1)
        err = r.stderr.decode("utf-8")
        self.assertIn("which this user may not write", err)
        self.assertIn(r"the scheduled task <id>\<id> update", err)
        r = self.launcher("--check")
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"the machine's updater keeps it up to date", r.stdout)
        self.assertEqual(snapshot(self.root.path), before)


if __name__ == "__main__":
    unittest.main()
