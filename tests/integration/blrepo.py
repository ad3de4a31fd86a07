# SPDX-License-Identifier: Apache-2.0
"""Signed update repositories for integration tests, made by the real
`bomiot-release`, with app folders built around the real test app, and
install roots seeded the way an installer seeds them."""
import gzip
import os
import random
import shutil
import subprocess
import tarfile
import tempfile
import unittest

from blroot import BUILD, MARKER, TESTAPP, Root, end_processes, write_test_app

RELEASE = os.path.join(BUILD, "tools", "bomiot-release")
APP = "bomiot"


def app_folder(parent, version, behaviour=(), data_size=256 * 1024, seed=1, files=None, exe=APP,
               testapp=TESTAPP):
    """An app folder as the publisher builds it: the test app (testapp) as
    exe, its version.txt and extra-args.txt, and data.bin, the bulk that
    stays mostly the same from one version to the next (so a patch is much
    smaller than the archive). files: extra {relative path: bytes}."""
    folder = os.path.join(parent, f"app-{version}")
    shutil.rmtree(folder, ignore_errors=True)
    write_test_app(folder, version, exe, behaviour, testapp)
    data = bytearray(random.Random(seed).randbytes(data_size))
    change = random.Random(version)
    for _ in range(8):  # a few small edits per version, as a real release makes
        at = change.randrange(max(1, data_size - 64))
        data[at:at + 16] = change.randbytes(16)
    with open(os.path.join(folder, "data.bin"), "wb") as f:
        f.write(data)
    for name, content in (files or {}).items():
        path = os.path.join(folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content)
    return folder


class Publisher:
    """A repository folder and a keystore beside it, driven by bomiot-release."""

    def __init__(self, parent=None):
        self.dir = tempfile.mkdtemp(prefix="bl-pub-", dir=parent)
        self.repo = os.path.join(self.dir, "repository")
        self.keys = os.path.join(self.dir, "keystore")
        self.apps = os.path.join(self.dir, "apps")
        os.makedirs(self.apps)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run(self, *args, check=True, env=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        r = subprocess.run([RELEASE, "--repo", self.repo, "--keys", self.keys, *args],
                           capture_output=True, text=True, env=full_env, timeout=300)
        if check and r.returncode != 0:
            raise AssertionError(f"bomiot-release {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r

    def init(self, *args):
        return self.run("init", "--app", APP, *args)

    def add(self, version, *flags, behaviour=(), **app_kw):
        folder = app_folder(self.apps, version, behaviour=behaviour, **app_kw)
        return self.run("add", folder, version, *flags)

    def target(self, name):
        return os.path.join(self.repo, "targets", name)

    def archive(self, version):
        return self.target(f"{APP}-{version}.tar.gz")

    def patch(self, version):
        """The BSDIFF40 patch to version: tufup's name, read by tufup clients
        and every launcher."""
        return self.target(f"{APP}-{version}.patch")

    def zpatch(self, version):
        """The zstd-format patch to version, which `add` writes beside the
        .patch by default and a launcher takes when it is listed."""
        return self.target(f"{APP}-{version}.zpatch")

    def trusted_root(self):
        return os.path.join(self.repo, "metadata", "1.root.json")


def flip_byte(path, offset, mask=0x55):
    """Damages one byte of a file in place, as a bad disk or a tampering
    mirror would; the same call again undoes it."""
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ mask]))


def seed_install(root, publisher, version, cache_tar=True):
    """What an installer does: the version unpacked from the published
    archive, marked complete, the publisher's first root as the trusted root;
    with cache_tar, also its uncompressed tar in cache/tars (the base of the
    next patch), which the installers do not leave (the launcher rebuilds
    it from the folder)."""
    folder = root.p("versions", version)
    os.makedirs(folder, exist_ok=True)
    with tarfile.open(publisher.archive(version)) as tar:
        tar.extractall(folder, filter="tar")
    with open(os.path.join(folder, MARKER), "w") as f:
        f.write('{"version": "%s"}' % version)
    os.makedirs(root.p("cache", "tars"), exist_ok=True)
    if cache_tar:
        with gzip.open(publisher.archive(version)) as src, \
                open(root.p("cache", "tars", f"{APP}-{version}.tar"), "wb") as dst:
            shutil.copyfileobj(src, dst)
    os.makedirs(root.p("resources"), exist_ok=True)
    shutil.copy2(publisher.trusted_root(), root.p("resources", "root.json"))


def published_install(version="1.0.0", **add_kw):
    """A new repository with version published, and a new install root
    holding it as an installer leaves it (seed_install): (publisher, root).
    The caller cleans both up."""
    pub = Publisher()
    pub.init()
    pub.add(version, **add_kw)
    root = Root()
    seed_install(root, pub, version)
    return pub, root


class PublishedInstallCase(unittest.TestCase):
    """A test with published_install()'s repository and root, a server
    (self.server) and a launcher process (self.proc) it may start; tearDown
    ends the process, stops the server and removes both folders."""

    def setUp(self):
        self.pub, self.root = published_install()
        self.server = None
        self.proc = None

    def tearDown(self):
        end_processes([self.proc])
        if self.server:
            self.server.stop()
        self.root.cleanup()
        self.pub.cleanup()
