# SPDX-License-Identifier: Apache-2.0
"""bomiot-release, the publisher's CLI, end to end on real folders: what init
makes and where the keys go, reproducible archives, the patch and tufup's
custom fields, key rotation a client follows, verify catching every kind of
damage, expiry and refresh, rollout, and signatures that securesystemslib
(the library tufup signs with) accepts."""
import gzip
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from blrepo import APP, Publisher, app_folder, flip_byte  # noqa: E402
from blroot import BUILD  # noqa: E402

DAY = 86400


def tree(*roots):
    """Every file, folder and link under roots with its mode and bytes (or
    link target): two calls give equal results only for identical trees."""
    seen = {}
    for root in roots:
        for dirpath, dirs, files in os.walk(root):
            for name in dirs + files:
                path = os.path.join(dirpath, name)
                st = os.lstat(path)
                if stat.S_ISLNK(st.st_mode):
                    what = ("link", os.readlink(path))
                elif stat.S_ISDIR(st.st_mode):
                    what = ("dir",)
                else:
                    with open(path, "rb") as f:
                        what = ("file", f.read())
                seen[os.path.relpath(path, os.path.dirname(root))] = (stat.S_IMODE(st.st_mode),) + what
    return seen


def load(path):
    with open(path) as f:
        return json.load(f)


def tufup_reads(custom):
    """(user, internal): a target's custom dict as tufup 0.10's client reads
    it (TargetMeta.custom and custom_internal, written here from what it
    does): nested only when the keys are exactly "user" and "tufup", else the
    whole dict, its older flat form, is both; a target with none, or with an
    empty one, reads as {"user": {}, "tufup": {}}."""
    custom = custom or {"user": {}, "tufup": {}}
    if set(custom) != {"user", "tufup"}:
        return custom, custom
    return custom["user"], custom["tufup"]


def tufup_release_to_take(targets, app, current):
    """The archive tufup's client updates to from version `current`, and the
    patches it applies on the way: the first required archive after it, else
    the newest; every patch up to that archive."""
    from_name = [(tuple(map(int, n[len(app) + 1:-len(suffix)].split("."))), n, suffix)
                 for n in targets for suffix in (".tar.gz", ".patch") if n.endswith(suffix)]
    newer = sorted(t for t in from_name if t[0] > current)
    archives = [t for t in newer if t[2] == ".tar.gz"]
    take = archives[-1]
    for archive in archives:
        _, internal = tufup_reads(targets[archive[1]].get("custom"))
        if internal and internal.get("required"):
            take = archive
            break
    return take[1], [t[1] for t in newer if t[2] == ".patch" and t[0] <= take[0]]


def sha256_file(path, opener=open):
    h = hashlib.sha256()
    with opener(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class ReleaseTest(unittest.TestCase):
    def setUp(self):
        self.pub = Publisher()

    def tearDown(self):
        self.pub.cleanup()

    def meta(self, name):
        return load(os.path.join(self.pub.repo, "metadata", name))

    def targets(self):
        return self.meta("targets.json")["signed"]["targets"]

    def verify(self, env=None):
        return self.pub.run("verify", check=False, env=env)

    # ---- init ----

    def test_init_makes_a_repository_and_keeps_the_keys_private(self):
        r = self.pub.init("--threshold", "root=2", "--expires", "timestamp=3")
        self.assertIn("resources/root.json", r.stdout)
        names = sorted(os.listdir(os.path.join(self.pub.repo, "metadata")))
        self.assertEqual(names, ["1.root.json", "root.json", "snapshot.json", "targets.json", "timestamp.json"])
        self.assertEqual(os.listdir(os.path.join(self.pub.repo, "targets")), [])
        root = self.meta("root.json")["signed"]
        self.assertEqual(root["roles"]["root"]["threshold"], 2)
        self.assertEqual(len(root["roles"]["root"]["keyids"]), 2)
        self.assertEqual(self.meta("root.json")["signed"], self.meta("1.root.json")["signed"])
        self.assertEqual(len(self.meta("1.root.json")["signatures"]), 2)
        for key in root["keys"].values():
            self.assertEqual((key["keytype"], key["scheme"]), ("ed25519", "ed25519"))
            self.assertEqual(len(key["keyval"]["public"]), 64)
        expires = time.mktime(time.strptime(self.meta("timestamp.json")["signed"]["expires"], "%Y-%m-%dT%H:%M:%SZ"))
        self.assertAlmostEqual(expires - time.mktime(time.gmtime()), 3 * DAY, delta=120)
        # private keys: 0600 files in a 0700 folder, none in the repository
        self.assertEqual(stat.S_IMODE(os.stat(self.pub.keys).st_mode), 0o700)
        keys = [n for n in os.listdir(self.pub.keys) if n.endswith(".key")]
        self.assertEqual(len(keys), 5)
        for name in keys:
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.pub.keys, name)).st_mode), 0o600)
        for dirpath, _, files in os.walk(self.pub.repo):
            for name in files:
                with open(os.path.join(dirpath, name), "rb") as f:
                    self.assertNotIn(b"private", f.read())
        self.assertEqual(self.verify().returncode, 0)

    def test_init_refuses_keys_inside_the_repository_and_a_second_init(self):
        inside = os.path.join(self.pub.repo, "keys")
        r = self.pub.run("--keys", inside, "init", "--app", APP, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("inside the repository", r.stderr)
        self.pub.init()
        r = self.pub.run("init", "--app", APP, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("already holds a repository", r.stderr)

    def test_usage_errors_exit_2(self):
        for args in (["init"], ["init", "--app", "bad.name"], ["add", "onlyone"], ["frobnicate"],
                     ["rollout", "1.0.0", "150"], ["init", "--app", "x", "--threshold", "root=3",
                                                   "--role-keys", "root=2"]):
            r = self.pub.run(*args, check=False)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertTrue(r.stderr.strip())
        r = self.pub.run("--help", check=False)
        self.assertEqual(r.returncode, 0)
        for verb in ("init", "add", "rollout", "keys", "sign", "refresh-expiry", "verify", "ls", "diff", "patch"):
            self.assertIn(verb, r.stdout)

    def test_release_md_shows_the_help_the_tool_prints(self):
        """docs/release.md copies `bomiot-release --help` whole; a verb or an
        option changed in one and not the other is a stale doc."""
        docs = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "release.md")
        with open(docs, encoding="utf-8") as f:
            text = f.read()
        start = text.index("```\nusage: bomiot-release") + len("```\n")
        r = self.pub.run("--help", check=False)
        self.assertEqual(text[start:text.index("```", start)], r.stdout)

    # ---- add ----

    def test_add_publishes_archive_and_patch_with_tufup_fields(self):
        self.pub.init()
        r = self.pub.add("1.0.0")
        self.assertIn("the first release", r.stdout)
        r = self.pub.add("1.1.0", "--required")
        self.assertIn("saving", r.stdout)
        self.assertIn("bomiot-1.1.0.patch", r.stdout)
        self.assertIn("bomiot-1.1.0.zpatch", r.stdout)
        targets = self.targets()
        self.assertEqual(sorted(targets), ["bomiot-1.0.0.tar.gz", "bomiot-1.1.0.patch", "bomiot-1.1.0.tar.gz",
                                           "bomiot-1.1.0.zpatch"])
        for name, entry in targets.items():
            path = self.pub.target(name)
            self.assertEqual(entry["length"], os.path.getsize(path))
            self.assertEqual(entry["hashes"]["sha256"], sha256_file(path))
        # an archive states its tar's size and hash too, which a launcher
        # installed from it checks the tar it rebuilds against (issue 21)
        for version, required in (("1.0.0", False), ("1.1.0", True)):
            with gzip.open(self.pub.archive(version)) as f:
                tar_size = len(f.read())
            self.assertEqual(targets[f"bomiot-{version}.tar.gz"]["custom"],
                             {"user": None,
                              "tufup": {"required": required, "tar_size": tar_size,
                                        "tar_hash": sha256_file(self.pub.archive(version), gzip.open),
                                        "tar_hash_algorithm": "sha256"}})
        patch = targets["bomiot-1.1.0.patch"]["custom"]["tufup"]
        self.assertEqual(targets["bomiot-1.1.0.patch"]["custom"], {"user": None, "tufup": patch})
        self.assertEqual(sorted(patch), ["tar_hash", "tar_hash_algorithm", "tar_size"])
        self.assertEqual(patch["tar_hash_algorithm"], "sha256")
        self.assertEqual(patch["tar_hash"], sha256_file(self.pub.archive("1.1.0"), gzip.open))
        with gzip.open(self.pub.archive("1.1.0")) as f:
            self.assertEqual(patch["tar_size"], len(f.read()))
        # the .zpatch states the same tar, in the same shape
        self.assertEqual(targets["bomiot-1.1.0.zpatch"]["custom"], targets["bomiot-1.1.0.patch"]["custom"])
        # each patch really turns 1.0.0's tar into 1.1.0's, in its format
        work = os.path.join(self.pub.dir, "work")
        os.makedirs(work)
        old, out = os.path.join(work, "old.tar"), os.path.join(work, "new.tar")
        with gzip.open(self.pub.archive("1.0.0")) as src, open(old, "wb") as dst:
            shutil.copyfileobj(src, dst)
        for path, magic in ((self.pub.patch("1.1.0"), b"BSDIFF40"), (self.pub.zpatch("1.1.0"), b"BLZDIFF1")):
            with open(path, "rb") as f:
                self.assertEqual(f.read(8), magic, path)
            self.pub.run("patch", old, path, out)
            self.assertEqual(sha256_file(out), patch["tar_hash"])
        # snapshot and timestamp moved with targets, and the chain verifies
        self.assertEqual(self.meta("snapshot.json")["signed"]["meta"]["targets.json"]["version"],
                         self.meta("targets.json")["signed"]["version"])
        ts = self.meta("timestamp.json")["signed"]["meta"]["snapshot.json"]
        self.assertEqual(ts["hashes"]["sha256"], sha256_file(os.path.join(self.pub.repo, "metadata", "snapshot.json")))
        self.assertEqual(self.verify().returncode, 0)
        listing = self.pub.run("ls").stdout
        self.assertRegex(listing, r"1\.1\.0 .* yes")

    def test_custom_is_what_tufups_client_reads(self):
        """custom as tufup 0.10 writes it, {"user": ..., "tufup": {...}}, so its
        client reads the required flag and a patch's tar size and hash; with
        "tufup" alone it took the whole dict as its old flat form, skipped a
        required release and failed every patch on a missing
        tar_hash_algorithm (issue 21)."""
        self.pub.init()
        self.pub.add("1.0.0")
        self.pub.add("1.1.0", "--required")
        self.pub.add("1.2.0", "--rollout", "50")
        targets = self.targets()
        expected_internal = {
            "bomiot-1.0.0.tar.gz": {"required": False},
            "bomiot-1.1.0.tar.gz": {"required": True},
            "bomiot-1.2.0.tar.gz": {"required": False},
        }
        for name, entry in targets.items():
            self.assertEqual(sorted(entry["custom"]), ["tufup", "user"], name)
            user, internal = tufup_reads(entry["custom"])
            if name.endswith(".patch") or name.endswith(".zpatch"):
                self.assertIsNone(user, name)  # as tufup writes a patch's
                self.assertEqual(internal["tar_hash_algorithm"], "sha256")
                version = name[len("bomiot-"):name.rindex(".")]
                with gzip.open(self.pub.archive(version)) as f:
                    tar = f.read()
                self.assertEqual(internal["tar_size"], len(tar), name)
                self.assertEqual(internal["tar_hash"], hashlib.new(internal["tar_hash_algorithm"], tar).hexdigest())
            else:
                # required, which tufup's client reads, and the tar's digest
                # (a launcher's rebuilt tar is checked against it; tufup's
                # client reads nothing else there)
                self.assertEqual(internal["required"], expected_internal[name]["required"], name)
                self.assertEqual(sorted(internal), ["required", "tar_hash", "tar_hash_algorithm", "tar_size"])
                self.assertEqual(user, {"rollout": 50} if "1.2.0" in name else None, name)
        # tufup's client at 1.0.0 stops at the required 1.1.0, by its patch;
        # at 1.1.0 it takes 1.2.0; the .zpatch beside each is no name its
        # filename rule reads (tufup 0.10's TargetMeta.filename_regex, below;
        # scripts/tufup-client-check.py runs the real client)
        tufup_names = re.compile(r'^(?P<name>[\w-]+)-(?P<version>.+)(?P<suffix>\.tar\.gz|\.patch)$')
        self.assertEqual(sorted(n for n in targets if not tufup_names.match(n)),
                         ["bomiot-1.1.0.zpatch", "bomiot-1.2.0.zpatch"])
        self.assertEqual(tufup_release_to_take(targets, APP, (1, 0, 0)),
                         ("bomiot-1.1.0.tar.gz", ["bomiot-1.1.0.patch"]))
        self.assertEqual(tufup_release_to_take(targets, APP, (1, 1, 0)),
                         ("bomiot-1.2.0.tar.gz", ["bomiot-1.2.0.patch"]))
        # the rule itself, on the shape bomiot-release wrote before
        old = {"tufup": {"required": True}}
        self.assertEqual(tufup_reads(old), (old, old))
        self.assertIsNone(tufup_reads(old)[1].get("required"))
        # the rollout verb keeps the shape
        self.pub.run("rollout", "1.2.0", "0")
        custom = self.targets()["bomiot-1.2.0.tar.gz"]["custom"]
        self.assertEqual(tufup_reads(custom)[0], {"rollout": 0})
        self.assertIs(tufup_reads(custom)[1]["required"], False)
        self.assertEqual(self.verify().returncode, 0)

    def test_archives_are_reproducible_and_hold_the_folder(self):
        self.pub.init()
        folder = app_folder(self.pub.apps, "1.0.0", files={"sub/dir/a.txt": b"a", "z.txt": b"z"})
        os.symlink("sub/dir/a.txt", os.path.join(folder, "link"))
        os.chmod(os.path.join(folder, "z.txt"), 0o640)
        os.chmod(os.path.join(folder, "sub", "dir", "a.txt"), 0o700)
        os.chmod(os.path.join(folder, "sub"), 0o750)
        self.pub.run("add", folder, "1.0.0", "--no-patch")
        first = sha256_file(self.pub.archive("1.0.0"))
        # the same tree, made again later with other times, gives the same bytes
        other = Publisher()
        try:
            other.init()
            time.sleep(1.1)
            copy = os.path.join(other.apps, "copy")
            shutil.copytree(folder, copy, symlinks=True)
            for dirpath, _, files in os.walk(copy):
                for name in files:
                    os.utime(os.path.join(dirpath, name), (1, 1), follow_symlinks=False)
            other.run("add", copy, "1.0.0")
            self.assertEqual(sha256_file(other.archive("1.0.0")), first)
        finally:
            other.cleanup()
        with tarfile.open(self.pub.archive("1.0.0")) as tar:
            members = tar.getmembers()
        names = [m.name for m in members]
        self.assertEqual(names, sorted(names, key=lambda n: n.split("/")))
        self.assertIn("sub/dir/a.txt", names)
        for m in members:
            self.assertFalse(m.name.startswith("/") or ".." in m.name.split("/"))
            self.assertEqual((m.mtime, m.uid, m.gid, m.uname, m.gname), (0, 0, 0, "", ""))
        by_name = {m.name: m for m in members}
        self.assertTrue(by_name["link"].issym())
        self.assertEqual(by_name["link"].linkname, "sub/dir/a.txt")
        # the modes the launcher's unpacker writes back (so that the tar it
        # rebuilds from an installed folder is this one): 0755 or 0644
        self.assertEqual(by_name["z.txt"].mode, 0o644)
        self.assertEqual(by_name["sub/dir/a.txt"].mode, 0o755)
        self.assertEqual(by_name["sub"].mode, 0o755)
        self.assertEqual(by_name[APP].mode, 0o755)
        with open(self.pub.archive("1.0.0"), "rb") as f:
            header = f.read(10)
        self.assertEqual(header[4:8], b"\0\0\0\0")  # gzip mtime 0
        self.assertEqual(header[3] & 0x08, 0)  # no file name

    def test_add_refuses_bad_versions_and_leaves_nothing(self):
        self.pub.init()
        self.pub.add("1.0.0")
        before = sorted(os.listdir(os.path.join(self.pub.repo, "targets")))
        ts = self.meta("timestamp.json")
        for version in ("1.0", "1.0.0", "not-a-version", "../1.2"):
            folder = app_folder(self.pub.apps, "x")
            r = self.pub.run("add", folder, version, check=False)
            self.assertEqual(r.returncode, 1, version)
            self.assertIn("bomiot-release add:", r.stderr)
        r = self.pub.run("add", os.path.join(self.pub.dir, "missing"), "2.0.0", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("missing", r.stderr)
        self.assertEqual(sorted(os.listdir(os.path.join(self.pub.repo, "targets"))), before)
        self.assertEqual(self.meta("timestamp.json"), ts)

    def test_a_patch_is_made_from_the_newest_version_and_a_lower_one_is_refused(self):
        self.pub.init()
        self.pub.add("1.0.0")
        r = self.pub.add("1.10.0")
        self.assertIn("from 1.0.0", r.stdout)
        # Before (issue 21): 1.2.0 was published after 1.10.0, and a client on
        # 1.0.0 taking 1.10.0 by patches applied 1.10.0's patch (made from
        # 1.0.0) to 1.2.0's files.
        folder = app_folder(self.pub.apps, "1.2.0")
        r = self.pub.run("add", folder, "1.2.0", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("version 1.2.0 is below the newest published version, 1.10.0", r.stderr)
        self.assertNotIn("bomiot-1.2.0.tar.gz", self.targets())
        r = self.pub.add("1.11.0")
        self.assertIn("from 1.10.0", r.stdout)
        self.assertEqual(self.verify().returncode, 0)

    def test_a_version_is_published_in_its_pep440_normal_form(self):
        # Before (issue 21): add DIR v0.30 published bomiot-v0.30.tar.gz.
        self.pub.init()
        folder = app_folder(self.pub.apps, "x")
        r = self.pub.run("add", folder, "v0.30")
        self.assertIn("publishing 'v0.30' as 0.30, its PEP 440 normal form", r.stderr)
        self.assertIn("added bomiot 0.30 ", r.stdout)
        r = self.pub.run("add", folder, "1.0-RC.1")
        self.assertIn("as 1.0rc1", r.stderr)
        self.assertEqual(sorted(self.targets()), ["bomiot-0.30.tar.gz", "bomiot-1.0rc1.patch",
                                                  "bomiot-1.0rc1.tar.gz", "bomiot-1.0rc1.zpatch"])
        for spelling in ("0.30", "v0.30", "0.30.0", "1.0rc1", "1.0c1"):
            r = self.pub.run("add", folder, spelling, check=False)
            self.assertEqual(r.returncode, 1, spelling)
            self.assertIn("is published already", r.stderr)
        # rollout finds a release by any spelling of its version
        r = self.pub.run("rollout", "V1.0-rc1", "20")
        self.assertIn("bomiot 1.0rc1 now rolls out to 20%", r.stdout)
        self.assertEqual(self.targets()["bomiot-1.0rc1.tar.gz"]["custom"]["user"], {"rollout": 20})
        self.assertEqual(self.verify().returncode, 0)

    def test_app_names_follow_the_launchers_rule(self):
        # Before (issue 21): init --app my.app was accepted (the launcher
        # refuses app_name "my.app"), init --app my-app refused as if --app
        # were missing.
        r = self.pub.run("init", "--app", "my.app", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("the app name 'my.app' holds '.', which is not allowed: an app name is 1 to 63 ASCII "
                      "letters, digits, '_' and '-', starting with a letter or digit", r.stderr)
        self.assertFalse(os.path.exists(self.pub.repo))
        r = self.pub.run("init", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--app NAME is required", r.stderr)
        r = self.pub.run("init", "--app", "-x", check=False)
        self.assertIn("starts with '-'", r.stderr)
        self.pub.run("init", "--app", "my-app")
        folder = app_folder(self.pub.apps, "x")
        self.pub.run("add", folder, "1.0")
        self.pub.run("add", folder, "1.1")
        self.assertEqual(sorted(self.targets()), ["my-app-1.0.tar.gz", "my-app-1.1.patch", "my-app-1.1.tar.gz",
                                                  "my-app-1.1.zpatch"])
        self.assertRegex(self.pub.run("ls").stdout, r"(?m)^1\.1 ")
        self.assertEqual(self.verify().returncode, 0)

    # ---- a verb that fails changes nothing ----

    def assert_fails_and_changes_nothing(self, *args, message):
        before = tree(self.pub.repo, self.pub.keys)
        r = self.pub.run(*args, check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(message, r.stderr)
        after = tree(self.pub.repo, self.pub.keys)
        self.assertEqual(sorted(after), sorted(before))
        self.assertEqual(after, before)
        return r

    def take_offline(self, role):
        offline = os.path.join(self.pub.dir, "offline")
        os.makedirs(offline, exist_ok=True)
        ids = self.meta("root.json")["signed"]["roles"][role]["keyids"]
        moved = [n for n in os.listdir(self.pub.keys) if any(i in n for i in ids)]
        self.assertTrue(moved)
        for name in moved:
            os.rename(os.path.join(self.pub.keys, name), os.path.join(offline, name))
        return lambda: [os.rename(os.path.join(offline, n), os.path.join(self.pub.keys, n)) for n in moved]

    def test_a_failed_add_leaves_repository_and_keys_as_they_were(self):
        # Before (issue 21): the archive's .partial stayed in targets/ and
        # keystore/work/ behind; a key offline at signing left targets.json
        # signed and written with snapshot.json unchanged.
        for consistent in ((), ("--consistent-snapshot",)):
            with self.subTest(consistent=consistent):
                self.pub.cleanup()
                self.pub = Publisher()
                self.pub.init(*consistent)
                self.pub.add("1.0.0")
                # a fifo in the folder: refused half way through the archive
                folder = app_folder(self.pub.apps, "1.1.0")
                os.mkfifo(os.path.join(folder, "zz-fifo"))
                self.assert_fails_and_changes_nothing("add", folder, "1.1.0", message="zz-fifo")
                os.unlink(os.path.join(folder, "zz-fifo"))
                # the snapshot key offline: archive and patch made, nothing signed
                back = self.take_offline("snapshot")
                self.assert_fails_and_changes_nothing("add", folder, "1.1.0",
                                                      message="needs 1 signature by snapshot keys")
                back()
                # the previous archive damaged: the patch cannot be made
                archive = self.pub.archive("1.0.0")
                with open(archive, "rb") as f:
                    good = f.read()
                with open(archive, "wb") as f:
                    f.write(good[:len(good) // 2])
                self.assert_fails_and_changes_nothing("add", folder, "1.1.0", message="bomiot-release add:")
                with open(archive, "wb") as f:
                    f.write(good)
                self.pub.run("add", folder, "1.1.0")
                r = self.verify()
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertFalse(os.path.exists(os.path.join(self.pub.keys, "work")))

    def test_failed_key_changes_and_rollouts_leave_everything_as_it_was(self):
        self.pub.init()
        self.pub.add("1.0.0")
        back = self.take_offline("root")
        for args in (("keys", "add", "targets"), ("keys", "rotate", "snapshot"), ("sign", "root")):
            self.assert_fails_and_changes_nothing(*args, message="needs 1 signature by root keys")
        back()
        back = self.take_offline("targets")
        self.assert_fails_and_changes_nothing("rollout", "1.0.0", "50", message="needs 1 signature by targets keys")
        back()
        self.assertEqual(self.verify().returncode, 0)

    def test_a_dead_runs_scratch_folder_is_removed_by_the_next_run(self):
        self.pub.init()
        stale = os.path.join(self.pub.keys, "work", "run-999999999-abcdef")
        os.makedirs(stale)
        with open(os.path.join(stale, "new.tar"), "wb") as f:
            f.write(b"left by a run that was killed")
        self.pub.add("1.0.0")
        self.assertFalse(os.path.exists(os.path.join(self.pub.keys, "work")))

    def test_verify_names_every_file_the_metadata_does_not_list(self):
        # Before (issue 21): a .partial in targets/ passed as "the repository is good".
        self.pub.init("--consistent-snapshot")
        self.pub.add("1.0.0")
        self.pub.add("1.1.0")
        self.pub.run("keys", "rotate", "root")
        r = self.verify()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("every file in the repository is listed", r.stdout)
        strays = ["targets/bomiot-1.2.0.tar.gz.partial", "targets/notes.txt", "metadata/9.root.json",
                  "metadata/99.targets.json", "metadata/bomiot.json", "index.html"]
        for stray in strays:
            with open(os.path.join(self.pub.repo, stray), "w") as f:
                f.write("x")
        os.makedirs(os.path.join(self.pub.repo, "targets", "old"))
        r = self.verify()
        self.assertEqual(r.returncode, 1)
        for stray in strays + ["targets/old/"]:
            self.assertIn(f"FAIL stray file {stray}: the metadata does not list it", r.stdout)
        self.assertIn("NOT fit to serve", r.stderr)

    def test_ls_needs_only_the_repository_and_shows_the_channel(self):
        # Before (issue 21): ls failed without the keys folder's settings.json,
        # and did not say which releases only beta launchers are offered.
        self.pub.run("init", "--app", "my-app")
        for version in ("1.0", "1.1rc1", "1.1", "1.2.dev3"):
            flags = ["--rollout", "25"] if version == "1.1" else []
            self.pub.run("add", app_folder(self.pub.apps, version), version, *flags)
        shutil.rmtree(self.pub.keys)
        r = self.pub.run("ls")
        self.assertFalse(os.path.exists(self.pub.keys))
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "app: my-app")
        self.assertEqual(lines[1].split(), ["version", "archive", "bsdiff40", "zstd", "rollout", "required",
                                            "channel"])
        rows = {line.split()[0]: line.split() for line in lines[2:6]}
        self.assertEqual(list(rows), ["1.0", "1.1rc1", "1.1", "1.2.dev3"])  # in PEP 440 order
        self.assertEqual({v: row[-1] for v, row in rows.items()},
                         {"1.0": "all", "1.1rc1": "beta", "1.1": "all", "1.2.dev3": "beta"})
        self.assertEqual(rows["1.1"][-3], "25%")
        self.assertIn("beta: a pre-release, offered only to launchers whose channel is beta", r.stdout)
        r = self.pub.run("--repo", os.path.join(self.pub.dir, "nothing"), "ls", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("nothing a repository (made by bomiot-release init)?", r.stderr)

    def test_verify_needs_only_the_repository(self):
        self.pub.init()
        self.pub.add("1.0.0")
        shutil.rmtree(self.pub.keys)
        r = self.verify()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertFalse(os.path.exists(self.pub.keys))

    def test_verify_reads_a_repository_whose_path_a_url_must_encode(self):
        """verify reads the repository through a file:// URL: a folder named
        with a space (as in "My Releases"), '%', '#' or another script was cut
        short there ("URL using bad/illegal format") until the path was
        percent-encoded (issue 21, found publishing a real app)."""
        parent = tempfile.mkdtemp(prefix="bl rel %41#中 ")
        try:
            pub = Publisher(parent)
            pub.init()
            pub.add("1.0.0")
            pub.add("1.1.0")
            r = pub.run("verify", check=False)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("the repository is good", r.stdout)
        finally:
            shutil.rmtree(parent, ignore_errors=True)

    # ---- rollout, sign, expiry ----

    def test_rollout_is_signed_custom_metadata(self):
        self.pub.init()
        self.pub.add("1.0.0")
        self.pub.add("1.1.0", "--rollout", "10")
        custom = self.targets()["bomiot-1.1.0.tar.gz"]["custom"]
        self.assertEqual(custom["user"], {"rollout": 10})
        version = self.meta("targets.json")["signed"]["version"]
        r = self.pub.run("rollout", "1.1.0", "0")
        self.assertIn("halted", r.stdout)
        self.assertEqual(self.targets()["bomiot-1.1.0.tar.gz"]["custom"]["user"], {"rollout": 0})
        self.assertEqual(self.meta("targets.json")["signed"]["version"], version + 1)
        self.assertEqual(self.pub.run("rollout", "9.9.9", "50", check=False).returncode, 1)
        self.assertIn("0%", self.pub.run("ls").stdout)
        self.assertEqual(self.verify().returncode, 0)

    def test_expired_metadata_fails_verify_and_refresh_expiry_fixes_it(self):
        self.pub.init()
        self.pub.add("1.0.0")
        later = {"BOMIOT_RELEASE_NOW": str(int(time.time()) + 3 * DAY)}
        r = self.verify(env=later)
        self.assertEqual(r.returncode, 1)
        self.assertIn("expired", r.stdout)
        r = self.pub.run("refresh-expiry", env=later)
        self.assertIn("timestamp", r.stdout)
        self.assertNotIn("root", r.stdout)  # a year away: left alone
        self.assertEqual(self.verify(env=later).returncode, 0)
        # metadata published already expired (a test of the clients' freeze check)
        past = {"BOMIOT_RELEASE_NOW": str(int(time.time()) - 10 * DAY)}
        self.pub.run("sign", "timestamp", env=past)
        self.assertEqual(self.verify().returncode, 1)

    def test_sign_with_no_role_signs_only_what_needs_it(self):
        self.pub.init()
        r = self.pub.run("sign")
        self.assertIn("nothing needs signing", r.stdout)
        # a signature stripped by hand: that role (and those listing it) get re-signed
        path = os.path.join(self.pub.repo, "metadata", "targets.json")
        doc = load(path)
        doc["signatures"] = []
        with open(path, "w") as f:
            json.dump(doc, f)
        self.assertEqual(self.verify().returncode, 1)
        r = self.pub.run("sign")
        self.assertIn("targets", r.stdout)
        self.assertNotIn("root", r.stdout)
        self.assertEqual(self.verify().returncode, 0)

    # ---- keys ----

    def test_key_rotation_writes_roots_a_client_follows(self):
        self.pub.init("--role-keys", "targets=2", "--threshold", "targets=2")
        self.pub.add("1.0.0")
        old_root = self.meta("root.json")["signed"]["roles"]["root"]["keyids"]
        r = self.pub.run("keys", "rotate", "root")
        self.assertIn("2.root.json", r.stdout)
        two = self.meta("2.root.json")
        signers = {s["keyid"] for s in two["signatures"]}
        self.assertTrue(set(old_root) <= signers)  # signed by the old root key
        self.assertTrue(set(two["signed"]["roles"]["root"]["keyids"]) <= signers)  # and the new
        self.assertTrue(os.path.exists(os.path.join(self.pub.keys, "retired", f"root-{old_root[0]}.key")))
        self.pub.run("keys", "rotate", "timestamp")
        self.pub.run("keys", "add", "snapshot")
        targets_keys = self.meta("root.json")["signed"]["roles"]["targets"]["keyids"]
        r = self.pub.run("keys", "revoke", "targets", targets_keys[0], check=False)
        self.assertEqual(r.returncode, 1)  # would leave 1 key for a threshold of 2
        self.assertIn("threshold", r.stderr)
        self.assertEqual(self.meta("root.json")["signed"]["version"], 4)
        # a client that trusts only 1.root.json follows 1 -> 4 and accepts the rest
        r = self.verify()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("root version 4", r.stdout)
        self.pub.add("1.1.0")
        self.assertEqual(self.verify().returncode, 0)

    def test_key_files_name_their_role_and_old_names_still_work(self):
        # Before (issue 21): <keyid>.key, so nothing told which file was the
        # root key that docs/release.md asks to keep offline.
        self.pub.init("--role-keys", "targets=2")
        roles = self.meta("root.json")["signed"]["roles"]
        expected = sorted(f"{role}-{keyid}.key" for role, entry in roles.items() for keyid in entry["keyids"])
        self.assertEqual(sorted(n for n in os.listdir(self.pub.keys) if n.endswith(".key")), expected)
        self.pub.add("1.0.0")
        # a keystore made before: every key under its old name
        for name in expected:
            os.rename(os.path.join(self.pub.keys, name), os.path.join(self.pub.keys, name.split("-", 1)[1]))
        self.pub.add("1.1.0")
        self.pub.run("rollout", "1.1.0", "30")
        old_root = roles["root"]["keyids"][0]
        self.pub.run("keys", "rotate", "root")
        self.assertTrue(os.path.exists(os.path.join(self.pub.keys, "retired", f"{old_root}.key")))
        new_root = self.meta("root.json")["signed"]["roles"]["root"]["keyids"][0]
        self.assertTrue(os.path.exists(os.path.join(self.pub.keys, f"root-{new_root}.key")))
        r = self.pub.run("keys", "add", "snapshot")
        new_snapshot = self.meta("root.json")["signed"]["roles"]["snapshot"]["keyids"][-1]
        self.assertIn(f"added key {new_snapshot} for snapshot ({self.pub.keys}/snapshot-{new_snapshot}.key)",
                      r.stdout)
        self.pub.run("sign", "targets")
        r = self.verify()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_consistent_snapshots_publish_versioned_and_hashed_names(self):
        self.pub.init("--consistent-snapshot")
        self.pub.add("1.0.0")
        self.pub.add("1.1.0")
        meta = os.listdir(os.path.join(self.pub.repo, "metadata"))
        version = self.meta("snapshot.json")["signed"]["version"]
        self.assertIn(f"{version}.snapshot.json", meta)
        self.assertIn(f"{self.meta('targets.json')['signed']['version']}.targets.json", meta)
        for name in ("bomiot-1.1.0.patch", "bomiot-1.1.0.zpatch"):
            digest = self.targets()[name]["hashes"]["sha256"]
            self.assertTrue(os.path.exists(self.pub.target(f"{digest}.{name}")), name)
        self.assertEqual(self.verify().returncode, 0)

    def test_add_packs_names_in_any_script_and_refuses_names_not_utf8(self):
        """Names are packed as they are, whatever the locale (issue 21, item
        1: add died of SIGSEGV on any non-ASCII name); a name that is not
        UTF-8 is refused, naming the file."""
        self.pub.init()
        names = ["na\u00efve.txt", "\u4e2d\u6587 \u540d.txt", "\u041a\u0438\u0440\u0438\u043b\u043b.txt", "\u0639\u0631\u0628\u064a.txt",
                 "emoji \U0001f600.txt", "e\u0301 combining.txt", "dir with space/\u00fcnter.txt", "x" * 120 + ".txt"]
        folder = app_folder(self.pub.apps, "1.0.0", files={n: n.encode() for n in names})
        os.symlink("\u4e2d\u6587 \u540d.txt", os.path.join(folder, "link \u00fc"))
        archives = []
        for locale in ("C", "C.UTF-8"):
            other = Publisher()
            try:
                other.init()
                r = other.run("add", folder, "1.0.0", env={"LC_ALL": locale, "LANG": locale})
                self.assertIn("11 files", r.stdout)
                archives.append(sha256_file(other.archive("1.0.0")))
                with tarfile.open(other.archive("1.0.0"), encoding="utf-8") as tar:
                    got = {m.name: m for m in tar.getmembers()}
                    for name in names:
                        self.assertEqual(tar.extractfile(got[name]).read(), name.encode())
                self.assertEqual(got["link \u00fc"].linkname, "\u4e2d\u6587 \u540d.txt")
                self.assertEqual(other.run("verify").returncode, 0)
            finally:
                other.cleanup()
        self.assertEqual(archives[0], archives[1])  # the same bytes in any locale
        bad = os.path.join(os.fsencode(folder), b"l\xe9gacy.txt")
        with open(bad, "wb") as f:
            f.write(b"latin-1")
        r = self.pub.run("add", folder, "1.0.0", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("l\\xe9gacy.txt: the name is not valid UTF-8", r.stderr)
        self.assertEqual(os.listdir(os.path.join(self.pub.repo, "targets")), [])

    def test_add_refuses_what_launchers_refuse_to_unpack(self):
        """A link to an absolute path or out of the folder: every launcher
        refuses to unpack it, so add refuses to publish it, naming the entry
        (issue 21, item 3)."""
        self.pub.init()
        for target in ("/etc/passwd", "../../outside", "../sub/../../x"):
            with self.subTest(target=target):
                folder = app_folder(self.pub.apps, "1.0.0")
                os.makedirs(os.path.join(folder, "lib"))
                os.symlink(target, os.path.join(folder, "lib", "evil"))
                r = self.pub.run("add", folder, "1.0.0", check=False)
                self.assertEqual(r.returncode, 1)
                self.assertIn(f"'lib/evil' links outside the folder (to '{target}')", r.stderr)
                self.assertIn("launchers refuse to unpack it", r.stderr)
                self.assertEqual(os.listdir(os.path.join(self.pub.repo, "targets")), [])
        # a link that stays inside is fine
        folder = app_folder(self.pub.apps, "1.0.0")
        os.makedirs(os.path.join(folder, "lib"))
        os.symlink("../data.bin", os.path.join(folder, "lib", "data"))
        self.pub.run("add", folder, "1.0.0")

    def test_verify_checks_every_archive_against_the_unpack_rules(self):
        """An archive signed into the repository by another tool (or by an
        older bomiot-release) with an entry no launcher unpacks: verify says
        which, with the same rules the launcher applies (issue 21, item 3)."""
        from tufkit import Editor
        import io
        self.pub.init()
        self.pub.add("1.0.0")
        self.pub.add("1.1.0")
        archive = self.pub.archive("1.1.0")
        with tarfile.open(archive, "w:gz") as tar:
            data = tarfile.TarInfo("ok.txt")
            data.size = 2
            tar.addfile(data, io.BytesIO(b"ok"))
            link = tarfile.TarInfo("lib/abs")
            link.type, link.linkname = tarfile.SYMTYPE, "/usr/lib/libc.so.6"
            tar.addfile(link)
        edit = Editor(self.pub)
        targets = edit.load("targets")
        entry = targets["signed"]["targets"]["bomiot-1.1.0.tar.gz"]
        entry["length"] = os.path.getsize(archive)
        entry["hashes"] = {"sha256": sha256_file(archive)}
        edit.republish(targets)
        r = self.verify()
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout, r"FAIL bomiot-1\.1\.0\.tar\.gz: archive entry 'lib/abs' links outside the folder")
        self.assertNotIn("bomiot-1.0.0.tar.gz", r.stdout)

    # ---- --patch-format (issue 25) ----

    def test_patch_format_chooses_which_patches_add_writes(self):
        """Default both (tufup clients and older launchers keep their
        BSDIFF40 patch, new launchers take the zstd one); bsdiff40 writes no
        .zpatch, zstd no .patch and says who then updates by archive."""
        self.pub.init()
        self.pub.add("1.0.0")
        r = self.pub.add("1.1.0", "--patch-format", "bsdiff40")
        self.assertIn("bomiot-1.1.0.patch", r.stdout)
        self.assertNotIn("zpatch", r.stdout)
        self.assertIn("making the patch (bsdiff40) from 1.0.0", r.stderr)
        r = self.pub.add("1.2.0", "--patch-format", "zstd")
        self.assertIn("bomiot-1.2.0.zpatch", r.stdout)
        self.assertNotIn("bomiot-1.2.0.patch ", r.stdout)
        self.assertIn("tufup clients and older launchers, which do not read the zstd format, will update by the "
                      "archive", r.stdout)
        r = self.pub.add("1.3.0")
        self.assertIn("making the patches (bsdiff40 and zstd) from 1.2.0", r.stderr)
        self.assertIn("the same match search", r.stdout)
        self.assertNotIn("update by the archive", r.stdout)
        patches = sorted(n for n in self.targets() if not n.endswith(".tar.gz"))
        self.assertEqual(patches, ["bomiot-1.1.0.patch", "bomiot-1.2.0.zpatch", "bomiot-1.3.0.patch",
                                   "bomiot-1.3.0.zpatch"])
        self.assertEqual(sorted(n for n in os.listdir(os.path.join(self.pub.repo, "targets")) if "patch" in n),
                         patches)
        # ls says which formats each release has
        rows = {line.split()[0]: line for line in self.pub.run("ls").stdout.splitlines()[2:6]}
        self.assertRegex(rows["1.0.0"], r"^1\.0\.0 +[\d.]+ \w+ +- +- ")
        self.assertRegex(rows["1.1.0"], r"^1\.1\.0 +[\d.]+ \w+ +[\d.]+ \w+ +- ")
        self.assertRegex(rows["1.2.0"], r"^1\.2\.0 +[\d.]+ \w+ +- +[\d.]+ \w+ ")
        self.assertRegex(rows["1.3.0"], r"^1\.3\.0 +[\d.]+ \w+ +[\d.]+ \w+ +[\d.]+ \w+ ")
        self.assertEqual(self.verify().returncode, 0)
        for bad in (["--patch-format", "bzip2"], ["--patch-format"]):
            r = self.pub.run("add", app_folder(self.pub.apps, "1.4.0"), "1.4.0", *bad, check=False)
            self.assertEqual(r.returncode, 2, bad)
        self.assertNotIn("bomiot-1.4.0.tar.gz", self.targets())

    def test_verify_checks_a_zpatch_as_a_patch(self):
        """Its hash, the tar size it promises, and its format: a .zpatch
        that holds BSDIFF40 (or a .patch that holds the zstd format) is read
        by no client as its name says."""
        self.pub.init()
        self.pub.add("1.0.0")
        self.pub.add("1.1.0")
        self.assertEqual(self.verify().returncode, 0)
        flip_byte(self.pub.zpatch("1.1.0"), 40, 1)
        r = self.verify()
        self.assertEqual(r.returncode, 1)
        self.assertIn("FAIL bomiot-1.1.0.zpatch: ", r.stdout)
        flip_byte(self.pub.zpatch("1.1.0"), 40, 1)  # undone
        from tufkit import Editor
        # the two files swapped, each re-listed with its own hash: signed, wrong format
        edit = Editor(self.pub)
        targets = edit.load("targets")
        with open(self.pub.patch("1.1.0"), "rb") as f:
            bsdiff40 = f.read()
        with open(self.pub.zpatch("1.1.0"), "rb") as f:
            zstd = f.read()
        for name, data in (("bomiot-1.1.0.patch", zstd), ("bomiot-1.1.0.zpatch", bsdiff40)):
            with open(self.pub.target(name), "wb") as f:
                f.write(data)
            entry = targets["signed"]["targets"][name]
            entry["length"], entry["hashes"] = len(data), {"sha256": hashlib.sha256(data).hexdigest()}
        edit.republish(targets)
        r = self.verify()
        self.assertEqual(r.returncode, 1)
        self.assertIn("FAIL bomiot-1.1.0.zpatch: a .zpatch target must be a zstd-format patch; this one is BSDIFF40",
                      r.stdout)
        self.assertIn("FAIL bomiot-1.1.0.patch: a .patch target must be a BSDIFF40 patch; this one is zstd",
                      r.stdout)

    # ---- verify catches damage ----

    def test_verify_catches_tampering(self):
        self.pub.init()
        self.pub.add("1.0.0")
        self.pub.add("1.1.0")
        self.assertEqual(self.verify().returncode, 0)
        archive = self.pub.archive("1.1.0")
        flip_byte(archive, 50, 1)
        r = self.verify()
        self.assertEqual(r.returncode, 1)
        self.assertIn("bomiot-1.1.0.tar.gz", r.stdout)
        self.assertIn("NOT fit to serve", r.stderr)
        flip_byte(archive, 50, 1)  # undone
        # metadata changed without the keys: the signature no longer holds
        path = os.path.join(self.pub.repo, "metadata", "targets.json")
        doc = load(path)
        doc["signed"]["targets"]["bomiot-1.1.0.tar.gz"]["length"] += 1
        with open(path, "w") as f:
            json.dump(doc, f)
        r = self.verify()
        self.assertEqual(r.returncode, 1)
        self.assertIn("FAIL metadata", r.stdout)

    # ---- the signatures tufup's library accepts ----

    def test_securesystemslib_accepts_every_signature(self):
        checker = ("import json,sys\n"
                   "from securesystemslib import keys, formats\n"
                   "root=json.load(open(sys.argv[1]))['signed']\n"
                   "n=0\n"
                   "for path in sys.argv[2:]:\n"
                   "    doc=json.load(open(path))\n"
                   "    data=formats.encode_canonical(doc['signed']).encode()\n"
                   "    for sig in doc['signatures']:\n"
                   "        k=dict(root['keys'][sig['keyid']]); k['keyid']=sig['keyid']\n"
                   "        assert keys.verify_signature(k, sig, data), path\n"
                   "        n+=1\n"
                   "print(n)\n")
        python = "/usr/bin/python3"
        probe = subprocess.run([python, "-c", "import securesystemslib"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("python3-securesystemslib is not installed (scripts/deps.sh installs it)")
        # each key type init makes, and a repository holding both (a key of
        # the other type added to targets, the snapshot key rotated to it)
        for key_type, other in (("ed25519", "ecdsa"), ("ecdsa", "ed25519")):
            with self.subTest(key_type=key_type):
                pub = Publisher()
                self.addCleanup(pub.cleanup)
                r = pub.init("--key-type", key_type, "--role-keys", "targets=2")
                self.assertIn(f"targets   1 of 2 {key_type} keys", r.stdout)
                pub.add("1.0.0")
                pub.add("1.1.0", "--rollout", "25")
                md = os.path.join(pub.repo, "metadata")
                files = [os.path.join(md, n) for n in ("root.json", "targets.json", "snapshot.json", "timestamp.json")]
                root = load(files[0])["signed"]
                self.assertEqual({k["keytype"] for k in root["keys"].values()}, {key_type})
                r = subprocess.run([python, "-c", checker, files[0], *files], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(int(r.stdout), 5)  # root 1, targets 2, snapshot 1, timestamp 1
                # and a signature over anything else is refused by it too
                doc = load(files[1])
                doc["signed"]["version"] += 1
                bad = os.path.join(pub.dir, "bad.json")
                with open(bad, "w") as f:
                    json.dump(doc, f)
                r = subprocess.run([python, "-c", checker, files[0], bad], capture_output=True, text=True)
                self.assertNotEqual(r.returncode, 0)
                pub.run("keys", "add", "targets", "--key-type", other)
                pub.run("keys", "rotate", "snapshot", "--key-type", other)
                pub.add("1.2.0")
                root = load(files[0])["signed"]
                self.assertEqual(sorted(root["keys"][i]["keytype"] for i in root["roles"]["targets"]["keyids"]),
                                 sorted([key_type, key_type, other]))
                self.assertEqual([root["keys"][i]["keytype"] for i in root["roles"]["snapshot"]["keyids"]], [other])
                r = subprocess.run([python, "-c", checker, files[0], os.path.join(md, f"{root['version']}.root.json"),
                                    *files[1:]], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                # 3.root.json by the root key; targets 3, snapshot 1, timestamp 1
                self.assertEqual(int(r.stdout), 6)


class InstalledToolTest(unittest.TestCase):
    """cmake --install puts bomiot-release in bin/ and its module in
    lib/bomiot-release/, where the installed tool finds it."""

    def setUp(self):
        self.pub = Publisher()
        self.prefix = os.path.join(self.pub.dir, "prefix")

    def tearDown(self):
        self.pub.cleanup()

    def test_the_installed_tool_finds_its_module(self):
        # Before (issue 21): cmake --install installed neither the tool nor its module.
        r = subprocess.run(["cmake", "--install", BUILD, "--prefix", self.prefix], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        tool = os.path.join(self.prefix, "bin", "bomiot-release")
        # a build with -DBL_MODULES=OFF has the verbs built in: no module to find
        built_modules = [n for n in os.listdir(os.path.join(BUILD, "tools")) if n.startswith("bomiot-release-repo-")]
        module_dir = os.path.join(self.prefix, "lib", "bomiot-release")
        self.assertEqual(sorted(os.listdir(module_dir)) if built_modules else [], sorted(built_modules))
        self.assertTrue(os.path.exists(os.path.join(self.prefix, "bin", "bomiot-tuf")))

        def run(*args):
            return subprocess.run([tool, "--repo", self.pub.repo, "--keys", self.pub.keys, *args],
                                  capture_output=True, text=True, timeout=120)
        for args in (["init", "--app", APP], ["add", app_folder(self.pub.apps, "1.0.0"), "1.0.0"], ["verify"]):
            r = run(*args)
            self.assertEqual(r.returncode, 0, (args, r.stderr))
        r = run("ls")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"(?m)^1\.0\.0 ")
        # through a link elsewhere, as a package manager's bin/ would have it
        link = os.path.join(self.pub.dir, "bomiot-release")
        os.symlink(tool, link)
        r = subprocess.run([link, "--repo", self.pub.repo, "ls"], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        if not built_modules:
            return
        # no module anywhere: the tool says where it looked, and diff/patch still run
        shutil.rmtree(os.path.join(self.prefix, "lib"))
        r = run("ls")
        self.assertEqual(r.returncode, 1)
        self.assertIn("is neither beside bomiot-release", r.stderr)
        self.assertIn(os.path.join("lib", "bomiot-release"), r.stderr)
        r = subprocess.run([tool, "--help"], capture_output=True, text=True)
        self.assertIn("only diff and patch can run", r.stdout)


if __name__ == "__main__":
    unittest.main()
