# SPDX-License-Identifier: Apache-2.0
"""The Windows installer script builds: makensis (Debian's nsis) compiles
installer/windows/bomiot.nsi, warnings as errors, around stand-in .exe files
cross-compiled with mingw-w64 (the Windows build of the launcher comes later),
into a 64-bit PE that asks for no elevation and carries the launcher and the
first version in its .partial folder. Running it (silent install, shortcuts,
launch, silent uninstall) is the Wine test of installer/windows/README.md."""
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

SOURCE = os.environ.get("BL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
NSI = os.path.join(SOURCE, "installer", "windows", "bomiot.nsi")
STANDIN = os.path.join(SOURCE, "installer", "windows", "test", "standin.c")
CC = "x86_64-w64-mingw32-gcc"
MISSING = [tool for tool in ("makensis", CC) if not shutil.which(tool)]


def pe_machine(path):
    """The COFF machine of a PE file, or None if it is not one."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if head[:2] != b"MZ" or len(head) < 0x40:
        return None
    pe = struct.unpack_from("<I", head, 0x3C)[0]
    if head[pe:pe + 4] != b"PE\0\0":
        return None
    return struct.unpack_from("<H", head, pe + 4)[0]


@unittest.skipIf(MISSING, f"{', '.join(MISSING)} not installed (scripts/deps.sh installs nsis and mingw-w64)")
class WindowsInstallerBuildTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="bl-nsis-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.app = os.path.join(cls.tmp, "app")
        os.makedirs(os.path.join(cls.app, "lib"))
        cls.launcher = os.path.join(cls.tmp, "bomiot-launcher.exe")
        for out in (cls.launcher, os.path.join(cls.app, "bomiot.exe")):
            r = subprocess.run([CC, "-O2", "-o", out, STANDIN], capture_output=True, text=True)
            assert r.returncode == 0, r.stderr
        with open(os.path.join(cls.app, "version.txt"), "w") as f:
            f.write("1.0.0\n")
        with open(os.path.join(cls.app, "lib", "data.bin"), "wb") as f:
            f.write(os.urandom(1000))
        cls.root_json = os.path.join(cls.tmp, "1.root.json")  # stands for bomiot-release's
        with open(cls.root_json, "w") as f:
            f.write('{"signed": {"_type": "root", "version": 1}, "signatures": []}\n')
        cls.config = os.path.join(cls.tmp, "launcher.json")
        with open(cls.config, "w") as f:
            f.write('{"update_url": "https://updates.example.com/updates"}\n')

    def build(self, version="1.0.0", *defines):
        out = os.path.join(self.tmp, f"bomiot-{version}-setup.exe")
        if os.path.exists(out):
            os.remove(out)
        r = subprocess.run(["makensis", "-WX", "-V2", f"-DVERSION={version}", f"-DLAUNCHER_EXE={self.launcher}",
                            f"-DAPP_DIR={self.app}", f"-DOUTFILE={out}", f"-DTRUSTED_ROOT={self.root_json}",
                            *defines, NSI],
                           capture_output=True, text=True, timeout=300)
        return r, out

    def listing(self, exe):
        if not shutil.which("7z"):
            self.skipTest("7z (p7zip-full) is not installed: the installer built, its contents were not listed")
        r = subprocess.run(["7z", "l", "-slt", exe], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return {line[len("Path = "):] for line in r.stdout.splitlines() if line.startswith("Path = ")}

    def test_script_compiles_without_warnings_into_a_64_bit_pe(self):
        r, out = self.build()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(os.path.isfile(out))
        self.assertEqual(pe_machine(out), 0x8664)  # IMAGE_FILE_MACHINE_AMD64

    def test_installer_runs_as_invoker_no_elevation(self):
        r, out = self.build()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(out, "rb") as f:
            data = f.read()
        self.assertIn(b'level="asInvoker"', data)  # RequestExecutionLevel user, in the manifest
        self.assertNotIn(b'level="requireAdministrator"', data)

    def test_installer_carries_the_launcher_and_the_first_version_as_partial(self):
        r, out = self.build("1.0.0", f"-DCONFIG={self.config}")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        paths = {p.replace("\\", "/") for p in self.listing(out)}
        for name in ("bomiot-launcher.exe", "bomiot.ico", "launcher.json", "uninstall.exe", "resources/root.json",
                     "versions/1.0.0.partial/bomiot.exe", "versions/1.0.0.partial/version.txt",
                     "versions/1.0.0.partial/lib/data.bin"):
            self.assertIn(name, paths)
        # The marker is written on the user's machine after the files, never packed.
        self.assertFalse([p for p in paths if p.endswith(".bomiot-complete")], paths)
        self.assertFalse([p for p in paths if p.startswith("versions/1.0.0/")], paths)

    def test_config_is_only_packed_when_given(self):
        r, out = self.build("1.0.0")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("launcher.json", self.listing(out))

    def verbose_build(self, *defines, env=None):
        """makensis -V4 prints each command it compiles, with the defines expanded."""
        out = os.path.join(self.tmp, "named-setup.exe")
        r = subprocess.run(["makensis", "-WX", "-V4", "-DVERSION=1.0.0", f"-DLAUNCHER_EXE={self.launcher}",
                            f"-DAPP_DIR={self.app}", f"-DOUTFILE={out}", f"-DTRUSTED_ROOT={self.root_json}",
                            *defines, NSI],
                           capture_output=True, text=True, timeout=300, env=env)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr)
        return r.stdout, out

    def test_another_apps_names_and_extra_resources_are_defines(self):
        extra = os.path.join(self.tmp, "extra")
        os.makedirs(extra, exist_ok=True)
        with open(os.path.join(extra, "acme-ca.pem"), "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\n")
        log, out = self.verbose_build("-DAPP_NAME=Acme Notes", "-DAPP_ID=AcmeNotes", "-DPUBLISHER=Acme",
                                      "-DCOMMENT=Take notes", f"-DEXTRA_RESOURCES_DIR={extra}")
        key = r"SHCTX\Software\Microsoft\Windows\CurrentVersion\Uninstall\AcmeNotes"
        self.assertIn(rf"{key}\DisplayName=Acme Notes", log)
        self.assertIn(rf"{key}\Publisher=Acme", log)
        self.assertIn(r'StrCpy $INSTDIR "$LOCALAPPDATA\Programs\AcmeNotes"', log)
        self.assertIn(r'StrCpy $INSTDIR "$PROGRAMFILES64\AcmeNotes"', log)
        self.assertIn(r'CreateShortcut: "$SMPROGRAMS\Acme Notes.lnk"', log)
        self.assertIn(r'CreateShortcut: "$DESKTOP\Acme Notes.lnk"', log)
        self.assertIn("comment=Take notes", log)
        # Nothing a user sees says Bomiot; only the installer's own registry value names do.
        said = [line for line in log.splitlines() if "Bomiot" in line and "Uninstall\\AcmeNotes\\Bomiot" not in line]
        self.assertEqual(said, [])
        self.assertIn("resources/acme-ca.pem", {p.replace("\\", "/") for p in self.listing(out)})

    def test_a_display_name_in_chinese_names_the_shortcuts_and_apps_and_features(self):
        # issue 28: launcher.json's display_name, passed as APP_NAME (Unicode true). makensis
        # reads its arguments in the locale's charset: under LC_ALL=C it stops ("main argv
        # conversion failed"), so a UTF-8 locale, as docs/release.md says
        utf8 = dict(os.environ, LC_ALL="C.UTF-8")
        log, out = self.verbose_build("-DAPP_NAME=Bomiot 仓储管理", f"-DCONFIG={self.config}", env=utf8)
        key = r"SHCTX\Software\Microsoft\Windows\CurrentVersion\Uninstall\Bomiot"
        self.assertIn(rf"{key}\DisplayName=Bomiot 仓储管理", log)
        self.assertIn(r'CreateShortcut: "$SMPROGRAMS\Bomiot 仓储管理.lnk"', log)
        self.assertIn(r'CreateShortcut: "$DESKTOP\Bomiot 仓储管理.lnk"', log)
        self.assertIn(r'StrCpy $INSTDIR "$LOCALAPPDATA\Programs\Bomiot"', log)  # APP_ID keeps the folder ASCII
        with open(out, "rb") as f:
            self.assertIn("Bomiot 仓储管理".encode("utf-16-le"), f.read())  # ProductName, in the version resource

    def test_bomiot_stays_the_default_name(self):
        log, _ = self.verbose_build()
        key = r"SHCTX\Software\Microsoft\Windows\CurrentVersion\Uninstall\Bomiot"
        self.assertIn(rf"{key}\DisplayName=Bomiot", log)
        self.assertIn(rf"{key}\Publisher=Bomiot", log)
        self.assertIn(r'StrCpy $INSTDIR "$LOCALAPPDATA\Programs\Bomiot"', log)
        self.assertIn(r'CreateShortcut: "$SMPROGRAMS\Bomiot.lnk"', log)

    def test_a_pep_440_version_names_the_folder(self):
        r, out = self.build("2.0rc1")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("versions/2.0rc1.partial/bomiot.exe", {p.replace("\\", "/") for p in self.listing(out)})

    def test_an_installer_without_a_trusted_root_is_a_warning(self):
        out = os.path.join(self.tmp, "noroot.exe")
        r = subprocess.run(["makensis", "-WX", "-V2", "-DVERSION=1.0.0", f"-DLAUNCHER_EXE={self.launcher}",
                            f"-DAPP_DIR={self.app}", f"-DOUTFILE={out}", NSI],
                           capture_output=True, text=True, timeout=300)
        self.assertNotEqual(r.returncode, 0)  # -WX: warnings are errors in release builds
        self.assertIn("cannot check for updates", r.stdout + r.stderr)

    def test_missing_version_stops_the_build_with_a_clear_error(self):
        r = subprocess.run(["makensis", "-V2", f"-DLAUNCHER_EXE={self.launcher}", f"-DAPP_DIR={self.app}",
                            f"-DOUTFILE={os.path.join(self.tmp, 'x.exe')}", NSI],
                           capture_output=True, text=True, timeout=120)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("define VERSION", r.stdout + r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "x.exe")))


if __name__ == "__main__":
    unittest.main()
