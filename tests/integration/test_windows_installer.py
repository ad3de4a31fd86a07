# SPDX-License-Identifier: Apache-2.0
"""The NSIS installer under Wine, around the real Windows launcher and test app
(installer/windows/README.md, "The Wine test"): a silent per-user install puts
the launcher and the first version in %LOCALAPPDATA%\\Programs\\Bomiot with the
Start menu and desktop shortcuts and the uninstall key; the launcher started
as the shortcut would starts the app; installing again keeps the state and
every version; a silent uninstall leaves nothing of Bomiot behind and the
user's own files where they were."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "windows"))
from wineroot import LAUNCHER, TESTAPP, missing, parse_report, wait_for, wine, winpath  # noqa: E402

SOURCE = os.environ.get("BL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
NSI = os.path.join(SOURCE, "installer", "windows", "bomiot.nsi")
UNINST_KEY = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Bomiot"
WHY = missing() or (None if shutil.which("makensis") else "makensis (nsis) is not installed")


def lnk_target(path):
    """The local base path of a .lnk's LinkInfo ([MS-SHLLINK] 2.3), the
    target Explorer starts."""
    with open(path, "rb") as f:
        data = f.read()
    if struct.unpack_from("<I", data, 0)[0] != 0x4C:
        raise ValueError(f"{path} is not a shell link")
    flags = struct.unpack_from("<I", data, 0x14)[0]
    pos = 0x4C
    if flags & 0x1:  # HasLinkTargetIDList
        pos += 2 + struct.unpack_from("<H", data, pos)[0]
    if not flags & 0x2:  # HasLinkInfo
        raise ValueError(f"{path} has no LinkInfo")
    info_flags = struct.unpack_from("<I", data, pos + 8)[0]
    if not info_flags & 0x1:  # VolumeIDAndLocalBasePath
        raise ValueError(f"{path} has no local base path")
    base = pos + struct.unpack_from("<I", data, pos + 16)[0]
    return data[base:data.index(b"\0", base)].decode("mbcs" if os.name == "nt" else "latin-1")


@unittest.skipIf(WHY, WHY)
class WindowsInstallerWineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="bl-nsis-wine-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        app = os.path.join(cls.tmp, "app")
        os.makedirs(app)
        shutil.copy2(TESTAPP, os.path.join(app, "bomiot.exe"))
        with open(os.path.join(app, "version.txt"), "w") as f:
            f.write("1.0.0\n")
        cls.setup = os.path.join(cls.tmp, "bomiot-1.0.0-setup.exe")
        cls.root_json = os.path.join(cls.tmp, "1.root.json")  # stands for bomiot-release's
        with open(cls.root_json, "w") as f:
            f.write('{"signed": {"_type": "root", "version": 1}, "signatures": []}\n')
        # A build with the splash has its image and font in resources/ beside
        # the launcher; the installer ships them as a release would.
        cls.resources = os.path.join(os.path.dirname(LAUNCHER), "resources")
        extra = [f"-DRESOURCES_DIR={cls.resources}"] if os.path.isdir(cls.resources) else []
        r = subprocess.run(["makensis", "-WX", "-V2", "-DVERSION=1.0.0", f"-DLAUNCHER_EXE={LAUNCHER}",
                            f"-DAPP_DIR={app}", f"-DOUTFILE={cls.setup}", f"-DTRUSTED_ROOT={cls.root_json}",
                            *extra, NSI],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        prefix = os.environ["WINEPREFIX"]
        # Wine names the profile after the Unix user; the prefix has it and Public.
        users = [n for n in os.listdir(os.path.join(prefix, "drive_c", "users")) if n != "Public"]
        assert len(users) == 1, users
        user = os.path.join(prefix, "drive_c", "users", users[0])
        cls.users = os.path.join(prefix, "drive_c", "users")
        cls.root = os.path.join(user, "AppData", "Local", "Programs", "Bomiot")
        cls.start_menu = os.path.join(user, "AppData", "Roaming", "Microsoft", "Windows", "Start Menu",
                                      "Programs", "Bomiot.lnk")
        cls.desktop = os.path.join(user, "Desktop", "Bomiot.lnk")

    def tree(self):
        out = set()
        for top, dirs, files in os.walk(self.users):
            for name in dirs + files:
                out.add(os.path.relpath(os.path.join(top, name), self.users))
        return out

    def reg_query(self, key):
        r = wine("reg", "query", key, "/s")
        return r.returncode, r.stdout.decode("utf-8", "replace")

    def install(self, *switches):
        r = wine(self.setup, "/S", *switches, timeout=120)  # the installer does its work itself
        self.assertEqual(r.returncode, 0, r.stderr)

    def uninstall(self):
        uninstaller = os.path.join(self.root, "uninstall.exe")
        r = wine(uninstaller, "/S", timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        # It re-runs itself from %TEMP% and returns at once; its copy removes
        # the uninstaller last but one (before the folder).
        wait_for(lambda: not os.path.exists(uninstaller), timeout=60, what="the uninstaller to finish")
        wait_for(lambda: self.reg_query(UNINST_KEY)[0] != 0, timeout=30, what="the uninstall key to go")

    def test_install_launch_reinstall_uninstall(self):
        before = self.tree()
        self.assertNotEqual(self.reg_query(UNINST_KEY)[0], 0, "the uninstall key exists before the install")
        mine = os.path.join(self.users, "Public", "keep-me.txt")  # a user's file, outside the root
        with open(mine, "w") as f:
            f.write("mine\n")
        before.add(os.path.relpath(mine, self.users))

        self.install()
        self.assertTrue(os.path.isfile(os.path.join(self.root, "bomiot-launcher.exe")))
        with open(os.path.join(self.root, "resources", "root.json")) as f, open(self.root_json) as g:
            self.assertEqual(f.read(), g.read())  # the trusted root the launcher checks with
        if os.path.isdir(self.resources):
            for name in os.listdir(self.resources):  # the splash's image and font
                with open(os.path.join(self.root, "resources", name), "rb") as f, \
                        open(os.path.join(self.resources, name), "rb") as g:
                    self.assertEqual(f.read(), g.read(), name)
        with open(os.path.join(self.root, "versions", "1.0.0", ".bomiot-complete")) as f:
            self.assertIn('"1.0.0"', f.read())
        self.assertFalse(os.path.exists(os.path.join(self.root, "versions", "1.0.0.partial")))
        for lnk in (self.start_menu, self.desktop):
            self.assertTrue(os.path.isfile(lnk), lnk)
            self.assertTrue(lnk_target(lnk).lower().endswith(r"\appdata\local\programs\bomiot\bomiot-launcher.exe"),
                            lnk_target(lnk))
        code, text = self.reg_query(UNINST_KEY)
        self.assertEqual(code, 0, text)
        self.assertIn("QuietUninstallString", text)
        self.assertIn("1.0.0", text)

        # Started as the shortcut starts it: the launcher, working folder the root.
        report = os.path.join(self.tmp, "report.txt")
        r = wine(os.path.join(self.root, "bomiot-launcher.exe"), f"--report={winpath(report)}", cwd=self.root)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse_report(report)["version"], "1.0.0")
        self.assertTrue(os.path.isfile(os.path.join(self.root, "state.json")))

        # Installing again over it keeps the state and a version the launcher updated to.
        v2 = os.path.join(self.root, "versions", "1.1.0")
        shutil.copytree(os.path.join(self.root, "versions", "1.0.0"), v2)
        with open(os.path.join(v2, "version.txt"), "w") as f:
            f.write("1.1.0\n")
        with open(os.path.join(v2, ".bomiot-complete"), "w") as f:
            f.write('{"version": "1.1.0"}')
        with open(os.path.join(self.root, "state.json"), "w") as f:
            f.write('{"current": "1.1.0", "previous": "1.0.0"}')
        self.install()
        r = wine(os.path.join(self.root, "bomiot-launcher.exe"), f"--report={winpath(report)}", cwd=self.root)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse_report(report)["lines"].count("version=1.1.0"), 1)
        self.assertTrue(os.path.isfile(os.path.join(self.root, "versions", "1.0.0", ".bomiot-complete")))

        self.uninstall()
        wait_for(lambda: not os.path.exists(self.root), timeout=30, what="the install folder to go")
        # Everything new under users\ since before the install, but %TEMP%
        # (where the uninstaller's copy of itself waits for a reboot to be
        # deleted, as every NSIS uninstaller's does).
        temp = os.path.join("AppData", "Local", "Temp")
        left = sorted(p for p in self.tree() - before if temp not in p)
        self.assertEqual(left, [])
        self.assertFalse(os.path.exists(self.start_menu))
        self.assertFalse(os.path.exists(self.desktop))
        self.assertTrue(os.path.isfile(mine))
        self.assertNotEqual(self.reg_query(UNINST_KEY)[0], 0, "the uninstall key is left")
        os.remove(mine)

    def test_a_user_file_in_the_root_keeps_the_folder(self):
        self.install("/NODESKTOP")
        self.assertFalse(os.path.exists(self.desktop))
        mine = os.path.join(self.root, "notes.txt")
        with open(mine, "w") as f:
            f.write("mine\n")
        self.uninstall()
        self.assertEqual(os.listdir(self.root), ["notes.txt"])
        self.assertFalse(os.path.exists(self.start_menu))
        self.assertNotEqual(self.reg_query(UNINST_KEY)[0], 0)
        shutil.rmtree(self.root)

    def test_all_users_installs_per_machine_and_uninstalls(self):
        # Wine reports every user as an administrator, so /ALLUSERS needs no prompt.
        prefix = os.environ["WINEPREFIX"]
        root = os.path.join(prefix, "drive_c", "Program Files", "Bomiot")
        start_menu = os.path.join(prefix, "drive_c", "ProgramData", "Microsoft", "Windows", "Start Menu",
                                  "Programs", "Bomiot.lnk")
        desktop = os.path.join(self.users, "Public", "Desktop", "Bomiot.lnk")
        key = UNINST_KEY.replace("HKCU", "HKLM")
        self.install("/ALLUSERS")
        self.assertTrue(os.path.isfile(os.path.join(root, "bomiot-launcher.exe")))
        self.assertTrue(os.path.isfile(os.path.join(root, "versions", "1.0.0", ".bomiot-complete")))
        self.assertFalse(os.path.exists(self.root), "a per-machine install wrote into the user's folder")
        for lnk in (start_menu, desktop):
            self.assertTrue(os.path.isfile(lnk), lnk)
            self.assertTrue(lnk_target(lnk).lower().endswith(r"\program files\bomiot\bomiot-launcher.exe"),
                            lnk_target(lnk))
        code, text = self.reg_query(key)
        self.assertEqual(code, 0, text)
        self.assertIn("/ALLUSERS /S", text)  # QuietUninstallString keeps the mode
        self.assertNotEqual(self.reg_query(UNINST_KEY)[0], 0)
        uninstaller = os.path.join(root, "uninstall.exe")
        r = wine(uninstaller, "/ALLUSERS", "/S", timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_for(lambda: not os.path.exists(root), timeout=60, what="the per-machine folder to go")
        self.assertFalse(os.path.exists(start_menu))
        self.assertFalse(os.path.exists(desktop))
        self.assertNotEqual(self.reg_query(key)[0], 0, "the HKLM uninstall key is left")


if __name__ == "__main__":
    unittest.main()
