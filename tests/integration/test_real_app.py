# SPDX-License-Identifier: Apache-2.0
"""A real program from publish to a user's first patch (issue 21): esbuild's
Linux binary at three adjacent versions, from the npm registry, published
with `bomiot-release` with file names in several scripts and with spaces,
served over HTTP on 127.0.0.1, the first version installed per user by the
Linux installer, then updated to the third at the next start. The first
update goes by patch (no archive is downloaded) and the installed folder
equals the published one byte for byte.

The packages are fetched once with `npm pack` into ~/.cache/bomiot-test/npm
(BL_NPM_CACHE overrides); without npm on the machine the test is skipped
and says so."""
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from blrepo import Publisher  # noqa: E402
from blroot import LAUNCHER  # noqa: E402
from server import TestServer  # noqa: E402

SOURCE = os.environ.get("BL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
INSTALLER = os.path.join(SOURCE, "installer", "linux")
PACKAGE = "@esbuild/linux-x64"
VERSIONS = ("0.28.0", "0.28.1", "0.28.2")
CACHE = os.environ.get("BL_NPM_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "bomiot-test", "npm")

# Names a real app ships (translations, help, fonts): several scripts,
# combining marks, an emoji, spaces; the same in every version, their
# contents changing a little from one to the next.
EXTRA_FILES = (
    "docs/使用说明 (中文).txt",
    "docs/Справка.txt",
    "docs/مساعدة.txt",
    "naïve café.txt",
    "cafe\u0301 combining.txt",
    "emoji 🎉/notes.txt",
    "with space/and more spaces.txt",
)


def fetch_package(version):
    """The unpacked npm package folder of PACKAGE at version, fetched once."""
    folder = os.path.join(CACHE, f"esbuild-linux-x64-{version}")
    if os.path.isdir(folder):
        return folder
    os.makedirs(CACHE, exist_ok=True)
    r = subprocess.run(["npm", "pack", "--silent", f"{PACKAGE}@{version}"], cwd=CACHE, capture_output=True,
                       text=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError(f"npm pack {PACKAGE}@{version} failed: {r.stderr}")
    tgz = os.path.join(CACHE, r.stdout.split()[-1])
    tmp = folder + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(tgz) as t:
        t.extractall(tmp, filter="data")
    os.remove(tgz)
    os.rename(tmp, folder)
    return folder


def app_folder(parent, version):
    """The folder a publisher releases: the esbuild binary under bin/, the
    package's own files, and the EXTRA_FILES."""
    package = os.path.join(fetch_package(version), "package")
    folder = os.path.join(parent, f"esbuild {version}")  # a space in the publisher's path too
    os.makedirs(os.path.join(folder, "bin"))
    shutil.copy2(os.path.join(package, "bin", "esbuild"), os.path.join(folder, "bin", "esbuild"))
    for name in ("package.json", "README.md"):
        if os.path.exists(os.path.join(package, name)):
            shutil.copy2(os.path.join(package, name), os.path.join(folder, name))
    for name in EXTRA_FILES:
        path = os.path.join(folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"{name}\nesbuild {version}\n" * 20)
    os.symlink("bin/esbuild", os.path.join(folder, "esbuild"))  # a link inside the folder
    return folder


def tree(folder, skip=()):
    """{relative path: what it is}: a file's sha256 and whether it is
    executable, a link's target, a folder."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, folder)
            if rel in skip:
                continue
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("folder",)
            else:
                with open(path, "rb") as f:
                    out[rel] = ("file", hashlib.sha256(f.read()).hexdigest(), bool(st.st_mode & 0o100))
    return out


@unittest.skipUnless(shutil.which("npm"), "npm is not installed: the real app comes from the npm registry")
class RealAppTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bl real app ")
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home)
        self.pub = Publisher(self.tmp)
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.stop()
        self.pub.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOMIOT_", "XDG_"))}
        env.update(HOME=self.home)
        return env

    def test_published_installed_and_updated_by_patch_byte_for_byte(self):
        folders = {v: app_folder(self.pub.apps, v) for v in VERSIONS}
        self.pub.run("init", "--app", "esbuild")
        self.pub.run("add", folders[VERSIONS[0]], VERSIONS[0])
        requests = os.path.join(self.tmp, "requests.log")
        self.server = TestServer(self.pub.repo, log=requests)

        # The bundle as release.md's worked example makes it.
        config = os.path.join(self.tmp, "launcher.json")
        with open(config, "w") as f:
            json.dump({"app_name": "esbuild", "app_executable": "bin/esbuild", "update_url": self.server.url}, f)
        out = os.path.join(self.tmp, f"esbuild-{VERSIONS[0]}-linux.tar.gz")
        r = subprocess.run([os.path.join(INSTALLER, "make-bundle.sh"), "--root", self.pub.trusted_root(),
                            "--config", config, "--id", "esbuild-cli", "--command", "esbuild", "--name", "esbuild",
                            "--categories", "Development;", "--icon", "bomiot",
                            LAUNCHER, folders[VERSIONS[0]], VERSIONS[0], out],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        with tarfile.open(out) as t:
            t.extractall(self.tmp, filter="tar")
        bundle = os.path.join(self.tmp, f"esbuild-{VERSIONS[0]}-linux")
        r = subprocess.run(["sh", os.path.join(bundle, "install.sh")], env=self.env(), capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        root = os.path.join(self.home, ".local", "share", "esbuild-cli")
        command = os.path.join(self.home, ".local", "bin", "esbuild")
        entry = os.path.join(self.home, ".local", "share", "applications", "esbuild-cli.desktop")
        with open(entry, encoding="utf-8") as f:
            self.assertIn("Name=esbuild\n", f.read())

        r = subprocess.run([command, "--version"], env=self.env(), cwd=self.tmp, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual((r.returncode, r.stdout.strip()), (0, VERSIONS[0]), r.stderr)

        for v in VERSIONS[1:]:
            self.pub.run("add", folders[v], v)
        r = self.pub.run("verify", check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        open(requests, "w").close()
        # an update_interval (an hour) later: the first start checked a
        # moment ago, and a start within the interval asks nothing (issue 23)
        os.remove(os.path.join(self.home, ".local", "share", "esbuild-cli", "cache", "last-check"))
        r = subprocess.run([command, "--version"], env=self.env(), cwd=self.tmp, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual((r.returncode, r.stdout.strip()), (0, VERSIONS[2]), r.stderr)

        with open(requests) as f:
            fetched = [line.split()[1] for line in f if line.startswith("GET ")]
        self.assertIn(f"/targets/esbuild-{VERSIONS[1]}.zpatch", fetched)
        self.assertIn(f"/targets/esbuild-{VERSIONS[2]}.zpatch", fetched)
        self.assertEqual([p for p in fetched if p.endswith(".tar.gz")], [], "the first update took an archive")
        with open(os.path.join(root, "state.json")) as f:
            self.assertEqual(json.load(f)["current"], VERSIONS[2])
        self.assertEqual(tree(os.path.join(root, "versions", VERSIONS[2]), skip={".bomiot-complete"}),
                         tree(folders[VERSIONS[2]]))


if __name__ == "__main__":
    unittest.main()
