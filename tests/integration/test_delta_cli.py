# SPDX-License-Identifier: Apache-2.0
"""bomiot-release diff / patch as processes: interop both ways with Debian's
bsdiff/bspatch 4.3 on generated data and on real binaries (byte-identical
results), exit codes (0 success, 1 failure, 2 usage), and a bad patch refused
with a clear message and no output file left behind."""
import glob
import os
import random
import shutil
import subprocess
import tempfile
import unittest

BUILD = os.environ.get("BL_BUILD_DIR", "build")
SOURCE = os.environ.get("BL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
RELEASE = os.path.join(BUILD, "tools", "bomiot-release")
BSDIFF = shutil.which("bsdiff")
BSPATCH = shutil.which("bspatch")


def generated_pairs():
    """(name, old, new): the edits an update makes, on text-like and binary-like data."""
    rnd = random.Random(20261125)
    words = [b"launcher", b"update", b"version", b"delta", b"patch", b"\x00\x01\x02", b"\n"]
    text = b" ".join(rnd.choice(words) for _ in range(120_000))
    binary = bytes(rnd.getrandbits(8) for _ in range(200_000))
    unit = binary[:16]
    blocks = [text[i:i + 4096] for i in range(0, len(text), 4096)]
    shuffled = blocks[:]
    rnd.shuffle(shuffled)
    edited = bytearray(text)
    for _ in range(300):  # scattered small changes, like relocated addresses
        i = rnd.randrange(len(edited))
        edited[i] = (edited[i] + 1) % 256
    return [
        ("identical", text, text),
        ("one byte changed", text, text[:5000] + bytes([text[5000] ^ 0xFF]) + text[5001:]),
        ("insert", text, text[:100_000] + binary[:30_000] + text[100_000:]),
        ("delete", text, text[:50_000] + text[250_000:]),
        ("shuffled blocks", text, b"".join(shuffled)),
        ("scattered edits", text, bytes(edited)),
        ("random to random", binary, bytes(rnd.getrandbits(8) for _ in range(150_000))),
        ("grows from a byte", b"x", text[:70_000]),
        ("shrinks to a byte", text[:70_000], b"y"),
        # bsdiff 4.3 writes ~1000 control entries in a row that write nothing here
        ("repeating data", unit * 2000, unit * 1000 + b"Q" + unit * 1000),
    ]


def text_pairs():
    """(name, old, new): a package tar's kind of text, with real changes
    between two releases (lines rewritten, added, removed, files moved), and
    a nearly identical pair (a few lines changed): the two kinds of input the
    match search treats apart (the cost rule for text, anchors first)."""
    rnd = random.Random(20261205)
    tokens = [b"const", b"function", b"return", b"if", b"(", b")", b"{", b"}", b";", b"=>",
              b"node", b"type", b"checker", b"symbol", b"flags", b"0", b"1", b"true", b"null"]

    def line():
        return b" ".join(rnd.choice(tokens) for _ in range(rnd.randrange(3, 14))) + b"\n"

    files = [b"".join(line() for _ in range(rnd.randrange(200, 2000))) for _ in range(40)]
    old = b"".join(files)
    changed = []
    for f in files:
        lines = f.splitlines(keepends=True)
        for _ in range(len(lines) // 40):
            i = rnd.randrange(len(lines))
            what = rnd.randrange(3)
            if what == 0:
                lines[i] = line()
            elif what == 1:
                lines.insert(i, line())
            else:
                del lines[i]
        changed.append(b"".join(lines))
    rnd.shuffle(changed)
    near = bytearray(old)
    for _ in range(5):
        i = rnd.randrange(len(near) - 10)
        near[i:i + 4] = b"TEXT"
    return [("text with real changes", old, b"".join(changed)),
            ("nearly identical text", old, bytes(near))]


def real_binary_pairs():
    """Different programs and builds present on any machine that builds this
    project: cmake's tools (one code base, different binaries), our launcher
    and the test app, and the benchmark corpus's esbuild releases when fetched."""
    candidates = [
        ("cmake -> ctest", "/usr/bin/cmake", "/usr/bin/ctest"),
        ("bsdiff -> bspatch", BSDIFF or "", BSPATCH or ""),
        ("launcher -> test app", os.path.join(BUILD, "launcher", "bomiot-launcher"),
         os.path.join(BUILD, "tests", "bl-testapp")),
        ("esbuild 0.28.1 -> 0.28.2", os.path.join(SOURCE, "bench", "corpus", "esbuild.old"),
         os.path.join(SOURCE, "bench", "corpus", "esbuild.new")),
    ]
    return [(n, o, w) for n, o, w in candidates if os.path.isfile(o) and os.path.isfile(w)]


@unittest.skipUnless(BSDIFF and BSPATCH, "Debian's bsdiff is not installed (apt-get install bsdiff)")
class InteropTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bl-delta-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def run_ok(self, *cmd):
        r = subprocess.run(list(cmd), capture_output=True, timeout=600)
        self.assertEqual(r.returncode, 0, f"{cmd} failed: {r.stderr.decode(errors='replace')}")
        return r

    def check_both_ways(self, old_path, new_path):
        with open(new_path, "rb") as f:
            new = f.read()
        ours, theirs = self.path("ours.patch"), self.path("theirs.patch")
        self.run_ok(RELEASE, "diff", old_path, new_path, ours)
        self.run_ok(BSDIFF, old_path, new_path, theirs)
        with open(ours, "rb") as f:
            self.assertEqual(f.read(8), b"BSDIFF40")
        runs = [  # (what, command, where the result goes)
            ("ours through bspatch", (BSPATCH, old_path, self.path("a.out"), ours), self.path("a.out")),
            ("bsdiff's through ours", (RELEASE, "patch", old_path, theirs, self.path("b.out")),
             self.path("b.out")),
            ("ours through ours", (RELEASE, "patch", old_path, ours, self.path("c.out")), self.path("c.out")),
        ]
        for what, cmd, out in runs:
            self.run_ok(*cmd)
            with open(out, "rb") as f:
                got = f.read()
            self.assertEqual(len(got), len(new), what)
            self.assertTrue(got == new, f"{what}: output differs from new")
            os.unlink(out)
        return os.path.getsize(ours), os.path.getsize(theirs)

    def test_generated_data_both_ways(self):
        for name, old, new in generated_pairs():
            with self.subTest(name):
                with open(self.path("old"), "wb") as f:
                    f.write(old)
                with open(self.path("new"), "wb") as f:
                    f.write(new)
                ours, theirs = self.check_both_ways(self.path("old"), self.path("new"))
                if name == "identical":
                    self.assertLess(ours, len(new) // 100)

    def test_text_and_nearly_identical_both_ways(self):
        for name, old, new in text_pairs():
            with self.subTest(name):
                with open(self.path("old"), "wb") as f:
                    f.write(old)
                with open(self.path("new"), "wb") as f:
                    f.write(new)
                ours, theirs = self.check_both_ways(self.path("old"), self.path("new"))
                # bsdiff 4.3 keeps the short matches that do not pay in text
                self.assertLess(ours, theirs, name)
                if name == "nearly identical text":
                    self.assertLess(ours, 1000)

    def test_real_binaries_both_ways(self):
        pairs = real_binary_pairs()
        self.assertTrue(pairs, "no pair of real binaries found")
        for name, old, new in pairs:
            with self.subTest(name):
                ours, theirs = self.check_both_ways(old, new)
                # Not a benchmark (bench/delta does that): a sanity bound that
                # the matching found the shared code at all.
                self.assertLess(ours, os.path.getsize(new), name)


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="bl-delta-cli-")
        rnd = random.Random(7)
        cls.old_data = bytes(rnd.getrandbits(8) for _ in range(300_000))
        cls.new_data = cls.old_data[:120_000] + b"a new function" * 500 + cls.old_data[125_000:]
        cls.old = os.path.join(cls.dir, "old")
        cls.new = os.path.join(cls.dir, "new")
        cls.patch = os.path.join(cls.dir, "good.patch")
        for path, data in ((cls.old, cls.old_data), (cls.new, cls.new_data)):
            with open(path, "wb") as f:
                f.write(data)
        r = subprocess.run([RELEASE, "diff", cls.old, cls.new, cls.patch], capture_output=True, timeout=120)
        assert r.returncode == 0, r.stderr
        with open(cls.patch, "rb") as f:
            cls.patch_data = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def release(self, *args):
        return subprocess.run([RELEASE, *args], capture_output=True, timeout=120)

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def expect_refused(self, patch_data, fragment):
        patch = self.write("bad.patch", patch_data)
        out = os.path.join(self.dir, "refused.out")
        if os.path.exists(out):
            os.unlink(out)
        r = self.release("patch", self.old, patch, out)
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, 1, err)
        self.assertIn("bomiot-release patch:", err)
        self.assertIn(fragment, err)
        self.assertFalse(os.path.exists(out), "a refused patch left its output file")
        self.assertEqual([n for n in os.listdir(self.dir) if "refused.out" in n], [],
                         "a refused patch left a temporary file beside its output")
        return err

    def test_success_exits_zero_and_rebuilds_new(self):
        out = os.path.join(self.dir, "ok.out")
        r = self.release("patch", self.old, self.patch, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), self.new_data)
        os.unlink(out)

    def test_output_may_name_the_old_file(self):
        old_copy = self.write("old-copy", self.old_data)
        r = self.release("patch", old_copy, self.patch, old_copy)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(old_copy, "rb") as f:
            self.assertEqual(f.read(), self.new_data)

    def test_truncated_patch_refused_everywhere(self):
        # Inside the header, inside each block, and one byte short of the end.
        for cut in (0, 7, 31, 40, len(self.patch_data) // 2, len(self.patch_data) - 1):
            with self.subTest(cut=cut):
                self.expect_refused(self.patch_data[:cut], "")

    def test_truncated_patch_message_names_the_problem(self):
        err = self.expect_refused(self.patch_data[:len(self.patch_data) // 2], "bad.patch")
        self.assertRegex(err, r"block|bytes|truncat|short")

    def test_bad_magic_refused(self):
        self.expect_refused(b"BSDIFF41" + self.patch_data[8:], "")

    def test_corrupt_bzip2_refused(self):
        for where in (32 + 4, 32 + 20, len(self.patch_data) - 30):
            with self.subTest(where=where):
                data = bytearray(self.patch_data)
                for i in range(where, min(where + 8, len(data))):
                    data[i] ^= 0x5A
                self.expect_refused(bytes(data), "")

    def test_wrong_new_size_refused(self):
        # The header's new size one larger and one smaller than the control stream.
        for delta in (1, -1):
            with self.subTest(delta=delta):
                data = bytearray(self.patch_data)
                size = int.from_bytes(data[24:32], "little") + delta
                data[24:32] = size.to_bytes(8, "little")
                self.expect_refused(bytes(data), "")

    def test_failed_patch_keeps_an_existing_output(self):
        out = self.write("existing.out", b"previous contents")
        bad = self.write("cut.patch", self.patch_data[:100])
        r = self.release("patch", self.old, bad, out)
        self.assertEqual(r.returncode, 1)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"previous contents")

    def test_missing_inputs_fail_with_the_path(self):
        missing = os.path.join(self.dir, "no-such-file")
        for args in (("diff", missing, self.new, os.path.join(self.dir, "x.patch")),
                     ("diff", self.old, missing, os.path.join(self.dir, "x.patch")),
                     ("patch", missing, self.patch, os.path.join(self.dir, "x.out")),
                     ("patch", self.old, missing, os.path.join(self.dir, "x.out"))):
            with self.subTest(args=args[:3]):
                r = self.release(*args)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("no-such-file", r.stderr.decode())
                self.assertFalse(os.path.exists(args[3]))

    def test_usage_errors_exit_two(self):
        for args in ((), ("diff",), ("diff", self.old, self.new), ("patch", self.old, self.patch),
                     ("diff", self.old, self.new, "p", "extra"), ("no-such-verb",)):
            with self.subTest(args=args):
                r = self.release(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(b"usage", r.stderr)


class ZstdFormatTest(unittest.TestCase):
    """`diff --format zstd`: its patches round-trip through `patch` (which
    tells the formats apart by their magic), Debian's bspatch refuses them
    rather than misapplying them, and a bad --format is a usage error."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bl-delta-zstd-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)

    def release(self, *args):
        return subprocess.run([RELEASE, *args], capture_output=True, timeout=600)

    def round_trip(self, old_path, new_path, *format_args):
        patch, out = self.path("z.patch"), self.path("z.out")
        r = self.release("diff", *format_args, old_path, new_path, patch)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(patch, "rb") as f:
            self.assertEqual(f.read(8), b"BLZDIFF1")
        r = self.release("patch", old_path, patch, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f, open(new_path, "rb") as g:
            self.assertTrue(f.read() == g.read(), "output differs from new")
        os.unlink(out)
        return patch

    def test_generated_data_round_trips(self):
        for name, old, new in generated_pairs():
            with self.subTest(name):
                self.round_trip(self.write("old", old), self.write("new", new), "--format", "zstd")

    def test_real_binaries_round_trip(self):
        pairs = real_binary_pairs()
        self.assertTrue(pairs, "no pair of real binaries found")
        for name, old, new in pairs:
            with self.subTest(name):
                patch = self.round_trip(old, new, "--format=zstd")
                self.assertLess(os.path.getsize(patch), os.path.getsize(new), name)

    def test_bsdiff40_is_the_default_and_can_be_named(self):
        old, new = self.write("old", b"version one\n" * 3000), self.write("new", b"version two\n" * 3000)
        for args in ((), ("--format", "bsdiff40")):
            with self.subTest(args=args):
                r = self.release("diff", *args, old, new, self.path("b.patch"))
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(self.path("b.patch"), "rb") as f:
                    self.assertEqual(f.read(8), b"BSDIFF40")

    @unittest.skipUnless(BSPATCH, "Debian's bsdiff is not installed (apt-get install bsdiff)")
    def test_bspatch_refuses_a_zstd_patch(self):
        old, new = self.write("old", b"version one\n" * 3000), self.write("new", b"version two\n" * 3000)
        patch = self.round_trip(old, new, "--format", "zstd")
        out = self.path("bspatch.out")
        r = subprocess.run([BSPATCH, old, out, patch], capture_output=True, timeout=60)
        self.assertNotEqual(r.returncode, 0, "bspatch took a zstd-format patch")
        if os.path.exists(out):
            with open(out, "rb") as f, open(new, "rb") as g:
                self.assertNotEqual(f.read(), g.read())

    def test_bad_format_is_a_usage_error(self):
        old = self.write("old", b"x" * 100)
        for args in (("--format", "bzip2", old, old, self.path("p")), ("--format",),
                     ("--format", "zstd", old, old), ("--format=", old, old, self.path("p"))):
            with self.subTest(args=args):
                r = self.release("diff", *args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(b"usage", r.stderr)
                self.assertFalse(os.path.exists(self.path("p")))


REPO_MODULES = [n for n in os.listdir(os.path.dirname(RELEASE))
                if n.startswith("bomiot-release-repo-")] if os.path.isdir(os.path.dirname(RELEASE)) else []


@unittest.skipUnless(REPO_MODULES, "a build with the repository verbs built in")
class RepoModuleTest(unittest.TestCase):
    """diff and patch run without the repository verbs' module and its
    libraries (libcurl, libarchive, libsodium); the other verbs load it, and
    say which file they need when it cannot be used."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bl-release-module-")
        self.old = os.path.join(self.dir, "old")
        self.new = os.path.join(self.dir, "new")
        with open(self.old, "wb") as f:
            f.write(b"the launcher, version one\n" * 4000)
        with open(self.new, "wb") as f:
            f.write(b"the launcher, version two\n" * 4000)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def loaded_libraries(self, tool, *args):
        """The shared objects the dynamic loader opened for one real run
        (glibc's LD_DEBUG=files), and the run."""
        r = subprocess.run([tool, *args], capture_output=True, timeout=60, cwd=self.dir,
                           env=dict(os.environ, LD_DEBUG="files"))
        opened = {line.split("file=")[1].split()[0] for line in r.stderr.decode(errors="replace").splitlines()
                  if "file=" in line and ("needed by" in line or "dynamically loaded by" in line)}
        return opened, r

    def test_diff_and_patch_load_only_the_delta_engine_libraries(self):
        patch = os.path.join(self.dir, "p")
        for args in (("diff", self.old, self.new, patch), ("patch", self.old, patch, os.path.join(self.dir, "out"))):
            with self.subTest(verb=args[0]):
                opened, r = self.loaded_libraries(RELEASE, *args)
                self.assertEqual(r.returncode, 0, r.stderr[-2000:])
                self.assertTrue(any(n.startswith("libbz2") for n in opened), opened)
                for heavy in ("libcurl", "libarchive", "libsodium", "libcjson", "bomiot-release-repo"):
                    self.assertFalse([n for n in opened if heavy in n], f"{args[0]} loaded {heavy}: {sorted(opened)}")
        with open(os.path.join(self.dir, "out"), "rb") as f, open(self.new, "rb") as g:
            self.assertEqual(f.read(), g.read())

    def test_a_repository_verb_loads_the_module(self):
        opened, r = self.loaded_libraries(RELEASE, "--repo", "r", "--keys", "k", "init", "--app", "demo")
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertTrue([n for n in opened if "bomiot-release-repo-" in n], sorted(opened))
        self.assertTrue([n for n in opened if "libcurl" in n], sorted(opened))
        self.assertTrue(os.path.isfile(os.path.join(self.dir, "r", "metadata", "1.root.json")))

    def copy_tool(self, module_bytes=None):
        """bomiot-release alone in a folder, with module_bytes as its module."""
        here = os.path.join(self.dir, "alone")
        os.makedirs(here)
        tool = os.path.join(here, "bomiot-release")
        shutil.copy2(RELEASE, tool)
        if module_bytes is not None:
            with open(os.path.join(here, REPO_MODULES[0]), "wb") as f:
                f.write(module_bytes)
        return tool

    def test_without_the_module_diff_and_patch_still_run_and_the_rest_say_why(self):
        tool = self.copy_tool()
        patch = os.path.join(self.dir, "p")
        r = subprocess.run([tool, "diff", self.old, self.new, patch], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = subprocess.run([tool, "patch", self.old, patch, os.path.join(self.dir, "out")], capture_output=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = subprocess.run([tool, "--repo", "r", "--keys", "k", "init", "--app", "demo"], capture_output=True,
                           timeout=60, cwd=self.dir)
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 1, err)
        self.assertIn("bomiot-release: cannot run 'init': " + REPO_MODULES[0] + " is neither beside bomiot-release",
                      err)
        self.assertIn(REPO_MODULES[0], err)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "r")))
        r = subprocess.run([tool, "--help"], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("  diff ", out)
        self.assertNotIn("  init ", out)
        self.assertIn("only diff and patch can run: " + REPO_MODULES[0] + " is neither beside", out)

    def test_a_file_that_is_not_the_module_is_named_and_refused(self):
        # Another shared object in the module's place: the launcher's update module.
        update = glob.glob(os.path.join(BUILD, "launcher", "bomiot-update-*.so"))
        self.assertEqual(len(update), 1, update)
        with open(update[0], "rb") as f:
            shared_object = f.read()
        for what, data, fragment in (("a shared object without the entry", shared_object,
                                      "is not bomiot-release's module"),
                                     ("not a shared object", b"not an ELF file", "cannot load ")):
            with self.subTest(what=what):
                shutil.rmtree(os.path.join(self.dir, "alone"), ignore_errors=True)
                tool = self.copy_tool(data)
                r = subprocess.run([tool, "ls"], capture_output=True, timeout=60, cwd=self.dir)
                err = r.stderr.decode()
                self.assertEqual(r.returncode, 1, err)
                self.assertIn(fragment, err)
                self.assertIn(REPO_MODULES[0], err)


if __name__ == "__main__":
    unittest.main()
