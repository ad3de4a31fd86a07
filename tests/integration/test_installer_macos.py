# SPDX-License-Identifier: Apache-2.0
"""The layout of Bomiot.app, made by installer/macos/make-app-bundle.cmake
(what the bomiot-app-bundle target runs) around the real launcher. The bundle
cannot run here; installer/macos/README.md lists what is checked on a Mac."""
import os
import plistlib
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from blroot import LAUNCHER, TESTAPP  # noqa: E402

SOURCE = os.environ.get("BL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(SOURCE, "installer", "macos", "make-app-bundle.cmake")
CMAKE = shutil.which("cmake")


def icns_entries(path):
    """(type, length) of each entry of an .icns file, after checking its header."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data), "not an icns file"
    out, pos = [], 8
    while pos < len(data):
        kind, length = data[pos:pos + 4], struct.unpack(">I", data[pos + 4:pos + 8])[0]
        assert length >= 8 and pos + length <= len(data), "bad icns entry"
        out.append((kind, data[pos + 8:pos + 16]))
        pos += length
    return out


@unittest.skipUnless(CMAKE, "cmake is not installed")
class AppBundleLayoutTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bl-app-")
        self.app = os.path.join(self.tmp, "out", "Bomiot.app")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def lay_out(self, *defines, out=None):
        return subprocess.run([CMAKE, f"-DLAUNCHER={LAUNCHER}", f"-DOUT={out or self.app}", "-DVERSION=0.1.0",
                               *defines, "-P", SCRIPT], capture_output=True, text=True, timeout=60)

    def p(self, *parts):
        return os.path.join(self.app, "Contents", *parts)

    def test_bundle_has_the_launcher_info_plist_pkginfo_and_icon(self):
        r = self.lay_out()
        self.assertEqual(r.returncode, 0, r.stderr)
        exe = self.p("MacOS", "bomiot-launcher")
        self.assertTrue(os.access(exe, os.X_OK))
        with open(exe, "rb") as a, open(LAUNCHER, "rb") as b:
            self.assertEqual(a.read(), b.read())
        self.assertEqual(os.listdir(self.p("MacOS")), ["bomiot-launcher"])  # nothing else executable
        with open(self.p("PkgInfo")) as f:
            self.assertEqual(f.read(), "APPL????")
        kinds = [k for k, _ in icns_entries(self.p("Resources", "bomiot.icns"))]
        self.assertIn(b"ic08", kinds)  # 256x256
        self.assertTrue(all(head.startswith(b"\x89PNG") for _, head in icns_entries(self.p("Resources",
                                                                                              "bomiot.icns"))))

    def test_info_plist_names_the_launcher_and_the_bundle(self):
        r = self.lay_out("-DBUNDLE_ID=com.example.BomiotTest")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.p("Info.plist"), "rb") as f:
            info = plistlib.load(f)  # well-formed XML plist, or this raises
        self.assertEqual(info["CFBundleExecutable"], "bomiot-launcher")
        self.assertEqual(info["CFBundleIdentifier"], "com.example.BomiotTest")
        self.assertEqual(info["CFBundlePackageType"], "APPL")
        self.assertEqual(info["CFBundleShortVersionString"], "0.1.0")
        self.assertEqual(info["CFBundleVersion"], "0.1.0")
        self.assertEqual(info["CFBundleIconFile"], "bomiot")
        self.assertEqual(info["CFBundleName"], "Bomiot")
        self.assertEqual(info["CFBundleDisplayName"], "Bomiot")
        self.assertIn("LSMinimumSystemVersion", info)
        self.assertIs(info["NSHighResolutionCapable"], True)

    def test_display_name_in_any_script_from_the_option_or_launcher_json(self):
        # issue 28: what Finder and the Dock show; CFBundleName stays the short name
        r = self.lay_out("-DDISPLAY_NAME=Bomiot 仓储管理 <&>")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.p("Info.plist"), "rb") as f:
            info = plistlib.load(f)
        self.assertEqual(info["CFBundleDisplayName"], "Bomiot 仓储管理 <&>")
        self.assertEqual(info["CFBundleName"], "Bomiot")
        config = os.path.join(self.tmp, "launcher.json")
        with open(config, "w", encoding="utf-8") as f:
            f.write('{"app_name": "bomiot", "display_name": "\\u4ed3\\u50a8 Bomiot"}')
        r = self.lay_out(f"-DCONFIG={config}")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.p("Info.plist"), "rb") as f:
            self.assertEqual(plistlib.load(f)["CFBundleDisplayName"], "仓储 Bomiot")
        with open(config, "w", encoding="utf-8") as f:
            f.write('{"app_name": "bomiot"}')
        self.assertEqual(self.lay_out(f"-DCONFIG={config}").returncode, 0)
        with open(self.p("Info.plist"), "rb") as f:
            self.assertEqual(plistlib.load(f)["CFBundleDisplayName"], "Bomiot")

    def test_seed_version_goes_in_resources_and_nothing_writable_in_the_bundle(self):
        seed = os.path.join(self.tmp, "seed")
        os.makedirs(seed)
        shutil.copy2(TESTAPP, os.path.join(seed, "bomiot"))
        with open(os.path.join(seed, "version.txt"), "w") as f:
            f.write("1.0.0\n")
        r = self.lay_out(f"-DSEED_APP={seed}", "-DSEED_VERSION=1.0.0")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.p("Resources", "seed", "VERSION")) as f:
            self.assertEqual(f.read(), "1.0.0\n")
        self.assertTrue(os.access(self.p("Resources", "seed", "app", "bomiot"), os.X_OK))
        for dirpath, dirnames, filenames in os.walk(self.app):
            for name in dirnames + filenames:
                self.assertNotIn(name, ("versions", "state.json", "cache", ".bomiot-complete"),
                                 os.path.join(dirpath, name))

    def test_layout_is_rebuilt_from_scratch(self):
        self.assertEqual(self.lay_out().returncode, 0)
        stale = self.p("Resources", "stale.txt")
        with open(stale, "w") as f:
            f.write("left from an earlier build")
        self.assertEqual(self.lay_out().returncode, 0)
        self.assertFalse(os.path.exists(stale))  # nothing stale gets signed

    def test_bad_inputs_stop_with_a_message(self):
        r = self.lay_out(out=os.path.join(self.tmp, "Bomiot"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("OUT must end in .app", r.stderr)
        r = self.lay_out(f"-DSEED_APP={self.tmp}", "-DSEED_VERSION=../1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not a version folder name", r.stderr)
        self.assertFalse(os.path.exists(self.app))


if __name__ == "__main__":
    unittest.main()
