# SPDX-License-Identifier: Apache-2.0
"""The Windows build's update at launch under Wine, end to end: a repository
made by the Windows bomiot-release.exe (ed25519 keys, then ECDSA P-256 keys:
issue 22), served on 127.0.0.1, and bomiot-launcher.exe patching 1.0.0 to
1.1.0 through the libcrypto it links statically; metadata whose signature no
longer matches is refused, and the installed version starts. Then the same
update into a root whose path has Chinese characters, by patch and by
archive: the new version holds every file (names in Chinese too)."""
import json
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "windows"))
from blrepo import APP, Publisher, seed_install  # noqa: E402
from server import TestServer  # noqa: E402
from blroot import MARKER  # noqa: E402
from wineroot import (BUILD, CHINESE, TESTAPP, WinRoot, latin1_twin, missing, parse_report, wine,  # noqa: E402
                      winpath)

RELEASE = os.path.join(BUILD, "tools", "bomiot-release.exe")
WHY = missing() or (None if os.path.isfile(RELEASE) else f"{RELEASE} is not built")


class WinPublisher(Publisher):
    """A Publisher driving the Windows bomiot-release.exe under Wine, its
    versions made of the Windows test app."""

    def run(self, *args, check=True, env=None):
        args = [winpath(a) if os.path.isabs(a) else a for a in args]
        r = wine(RELEASE, "--repo", winpath(self.repo), "--keys", winpath(self.keys), *args, env=env,
                 timeout=300)
        r.stdout, r.stderr = (r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace"))
        if check and r.returncode != 0:
            raise AssertionError(f"bomiot-release.exe {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r

    def add(self, version, *flags, **app_kw):
        return super().add(version, *flags, exe=APP + ".exe", testapp=TESTAPP, **app_kw)


class PublishedUpdateCase(unittest.TestCase):
    """1.0.0 and 1.1.0 published by bomiot-release.exe and served on
    127.0.0.1, 1.0.0 installed in a root (its path made with name_hint)."""
    key_type = "ed25519"
    name_hint = ""
    files = {}  # version: {relative path: bytes}, beside the test app
    cache_tar = True  # False: the launcher rebuilds 1.0.0's tar from its folder

    def setUp(self):
        self.pub = WinPublisher()
        self.addCleanup(self.pub.cleanup)
        self.pub.init("--key-type", self.key_type)
        for version in ("1.0.0", "1.1.0"):
            self.pub.add(version, data_size=64 * 1024, files=self.files.get(version))
        self.root = WinRoot(self.name_hint)
        self.addCleanup(self.root.cleanup)
        seed_install(self.root, self.pub, "1.0.0", cache_tar=self.cache_tar)
        self.requests = os.path.join(self.pub.dir, "requests.log")
        self.server = TestServer(self.pub.repo, log=self.requests)
        self.addCleanup(self.server.stop)
        self.report = self.root.p("report.txt")
        self.configure()

    def configure(self, **config):
        # Wine starts slowly: the check gets its time box, so the launch
        # updates rather than handing the check to the background.
        self.root.write_config({"update_url": self.server.url, "check_seconds": 60, "healthy_seconds": 2,
                                "splash": False, **config})

    def start(self):
        r = self.root.run(f"--report={winpath(self.report)}", timeout=180)
        self.assertEqual(r.returncode, 0, r.stderr)
        return [line[len("version="):] for line in parse_report(self.report)["lines"]
                if line.startswith("version=")]

    def fetched(self):
        with open(self.requests) as f:
            return [os.path.basename(line.split()[1]) for line in f if "/targets/" in line]


@unittest.skipIf(WHY, WHY)
class WindowsUpdateTest(PublishedUpdateCase):
    def test_the_keys_are_of_the_type_asked_for(self):
        with open(self.pub.trusted_root()) as f:
            keys = json.load(f)["signed"]["keys"]
        self.assertEqual({k["keytype"] for k in keys.values()}, {self.key_type})

    def test_a_patch_updates_1_0_to_1_1(self):
        self.assertEqual(self.start(), ["1.1.0"])
        self.assertEqual(self.root.read_state()["current"], "1.1.0")
        self.assertIn("installed 1.1.0", self.root.log())
        self.assertEqual(self.fetched(), [f"{APP}-1.1.0.zpatch"])  # add's default lists both; the zstd one is taken

    def test_a_timestamp_changed_after_signing_is_refused(self):
        path = os.path.join(self.pub.repo, "metadata", "timestamp.json")
        with open(path) as f:
            doc = json.load(f)
        doc["signed"]["expires"] = doc["signed"]["expires"].replace("20", "21", 1)  # later, not re-signed
        with open(path, "w") as f:
            json.dump(doc, f)
        self.assertEqual(self.start(), ["1.0.0"])
        self.assertEqual(self.root.read_state()["current"], "1.0.0")
        self.assertIn("0 of 1 required signatures by timestamp keys", self.root.log())


class WindowsUpdateEcdsaTest(WindowsUpdateTest):
    """The same with ECDSA P-256 keys (init --key-type ecdsa), which the
    Windows build verifies through libcrypto since issue 22."""
    key_type = "ecdsa"


def files_under(folder):
    """{path relative to folder: contents} of every file under it."""
    found = {}
    for parent, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(parent, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, folder)] = f.read()
    return found


@unittest.skipIf(WHY, WHY)
class WindowsUpdateChinesePathTest(PublishedUpdateCase):
    """A root under a folder named in Chinese (C:\\Users\\张伟\\AppData\\Local\\
    Programs\\Bomiot), files named in Chinese in the release: libarchive on
    Windows took the UTF-8 paths it was given for Latin-1 characters, byte by
    byte, so the update said staged and started 1.0.0's files as 1.1.0's
    while they went into a sibling folder of other names (platform.h,
    bl_plat_wide_path). 1.0.0's tar is rebuilt from its folder under that
    path, the base of the patch."""
    name_hint = CHINESE
    files = {"1.0.0": {"数据/说明.txt": "第一版".encode()},
             "1.1.0": {"数据/说明.txt": "第二版".encode(), "数据/新的/文件.txt": b"new in 1.1.0"}}
    cache_tar = False

    def setUp(self):
        super().setUp()
        self.elsewhere = latin1_twin(self.root.path)
        self.addCleanup(shutil.rmtree, self.elsewhere, ignore_errors=True)

    def assert_updated_in_full(self):
        self.assertEqual(self.start(), ["1.1.0"])
        self.assertEqual(self.root.read_state()["current"], "1.1.0")
        installed = files_under(self.root.p("versions", "1.1.0"))
        self.assertIn(b'"1.1.0"', installed.pop(MARKER))
        self.assertEqual(installed, files_under(os.path.join(self.pub.apps, "app-1.1.0")))
        self.assertEqual(installed[os.path.join("数据", "说明.txt")], "第二版".encode())
        self.assertFalse(os.path.exists(self.elsewhere))

    def test_the_root_path_is_not_ascii(self):
        self.assertIn("张伟", self.root.path)

    def test_a_patch_stages_every_file(self):
        self.assert_updated_in_full()
        self.assertEqual(self.fetched(), [f"{APP}-1.1.0.zpatch"])  # add lists both formats; the zstd one is taken

    def test_an_archive_stages_every_file(self):
        self.configure(incremental_update=False)
        self.assert_updated_in_full()
        self.assertEqual(self.fetched(), [f"{APP}-1.1.0.tar.gz"])


if __name__ == "__main__":
    unittest.main()
