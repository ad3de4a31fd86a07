# SPDX-License-Identifier: Apache-2.0
"""A skipped test says so (issue 27): a test file whose tests all skipped is
"Skipped" in ctest, not "Passed"; one that skipped part of itself passes and
names each skip with its reason; scripts/test.sh's summary counts them and
fails on a skip nobody allowed. Checked end to end: small test files (Python
through tests/integration/runtest.py, C through tests/unit/check.h) in a
ctest project of their own, its JUnit file read by scripts/test_summary.py;
and every test of this build registered so."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD = os.environ.get("BL_BUILD_DIR", os.path.join(SOURCE, "build"))
RUNTEST = os.path.join(HERE, "runtest.py")
SUMMARY = os.path.join(SOURCE, "scripts", "test_summary.py")
CHECK_H = os.path.join(SOURCE, "tests", "unit")

ALL_SKIP = '''
import unittest

class Tools(unittest.TestCase):
    @unittest.skip("frobnicate is not installed")
    def test_frobnicates(self):
        self.fail("ran")

    def test_needs_a_tool(self):
        self.skipTest("the tool is\\nnot here")
'''

PART_SKIP = '''
import unittest

class Some(unittest.TestCase):
    def test_runs(self):
        self.assertEqual(1 + 1, 2)

    def test_cannot(self):
        self.skipTest("no display")


@unittest.skip("no nginx")
class Server(unittest.TestCase):
    def test_serves(self):
        pass
'''

CLASS_SKIP = '''
import unittest

class Mounted(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise unittest.SkipTest("cannot mount a tmpfs here")

    def test_fills_the_disk(self):
        pass
'''

FAILS = '''
import unittest

class Broken(unittest.TestCase):
    def test_skips(self):
        self.skipTest("not here")

    def test_fails(self):
        self.assertEqual(1, 2)
'''

EMPTY = '''
import unittest
'''

C_ALL_SKIP = r'''
#include "check.h"

static void test_needs_root(void)
{
    SKIP_TEST("needs root");
}

int main(void)
{
    RUN(test_needs_root);
    return CHECK_DONE();
}
'''

C_FAIL_THEN_SKIP = r'''
#include "check.h"

static void test_checks_then_skips(void)
{
    CHECK_INT(1, 2);
    SKIP_TEST("never counts: a CHECK failed first");
}

static void test_passes(void)
{
    CHECK(1);
}

int main(void)
{
    RUN(test_checks_then_skips);
    RUN(test_passes);
    return CHECK_DONE();
}
'''


class SkipReportTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bl-skips-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        return path

    def run_python(self, name, text):
        return subprocess.run([sys.executable, RUNTEST, self.write(name, text), "-v"],
                              capture_output=True, text=True, timeout=60)

    def compile_c(self, name, text):
        cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc") or shutil.which("clang")
        self.assertTrue(cc, "no C compiler")  # scripts/deps.sh installs build-essential
        exe = os.path.join(self.dir, name)
        subprocess.run([cc, "-fno-sanitize=all", "-I", CHECK_H, "-o", exe, self.write(name + ".c", text)],
                       check=True)
        return exe

    def summary(self, *args):
        return subprocess.run([sys.executable, SUMMARY, *args], capture_output=True, text=True, timeout=60)

    def test_a_file_whose_tests_all_skipped_exits_77_and_names_each_skip(self):
        r = self.run_python("test_tools.py", ALL_SKIP)
        self.assertEqual(r.returncode, 77, r.stderr)
        self.assertIn("SKIPPED: Tools.test_frobnicates: frobnicate is not installed\n", r.stdout)
        self.assertIn("SKIPPED: Tools.test_needs_a_tool: the tool is not here\n", r.stdout)
        self.assertIn("every test skipped", r.stdout)

    def test_a_file_that_skipped_part_passes_and_names_each_skip(self):
        r = self.run_python("test_part.py", PART_SKIP)
        self.assertEqual(r.returncode, 0, r.stderr)
        skips = sorted(line for line in r.stdout.splitlines() if line.startswith("SKIPPED: "))
        self.assertEqual(skips, ["SKIPPED: Server.test_serves: no nginx",
                                 "SKIPPED: Some.test_cannot: no display"])
        self.assertIn("test_runs", r.stderr)  # unittest's own -v lines are still there

    def test_a_skip_in_set_up_class_names_the_class(self):
        r = self.run_python("test_class.py", CLASS_SKIP)
        self.assertEqual(r.returncode, 77, r.stderr)
        self.assertIn("SKIPPED: Mounted: cannot mount a tmpfs here\n", r.stdout)

    def test_a_failure_fails_whatever_skipped(self):
        r = self.run_python("test_fails.py", FAILS)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("SKIPPED: Broken.test_skips: not here\n", r.stdout)

    def test_a_file_with_no_test_fails(self):
        r = self.run_python("test_empty.py", EMPTY)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no test ran", r.stderr)

    def test_the_unit_harness_marks_a_skip_and_a_check_failed_before_it_wins(self):
        r = subprocess.run([self.compile_c("all_skip", C_ALL_SKIP)], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 77, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "SKIPPED: test_needs_root: needs root\n0 passed, 0 failed, 1 skipped\n")
        r = subprocess.run([self.compile_c("fail_skip", C_FAIL_THEN_SKIP)], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("FAIL test_checks_then_skips\nok   test_passes\n1 passed, 1 failed, 0 skipped\n", r.stdout)

    def test_ctest_shows_skips_as_skipped_and_the_summary_fails_on_them(self):
        tests = {
            "py_all": [sys.executable, RUNTEST, self.write("test_tools.py", ALL_SKIP)],
            "py_part": [sys.executable, RUNTEST, self.write("test_part.py", PART_SKIP)],
            "c_all": [self.compile_c("all_skip", C_ALL_SKIP)],
        }
        project = os.path.join(self.dir, "project")
        os.mkdir(project)
        with open(os.path.join(project, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.21)\nproject(skips NONE)\nenable_testing()\n")
            for name, command in tests.items():
                f.write(f"add_test(NAME {name} COMMAND {' '.join(command)})\n"
                        f"set_tests_properties({name} PROPERTIES SKIP_RETURN_CODE 77)\n")
        build = os.path.join(self.dir, "build")
        subprocess.run(["cmake", "-S", project, "-B", build], check=True, capture_output=True, timeout=120)
        r = subprocess.run(["ctest", "--output-junit", "junit.xml", "--test-output-size-passed", "1000000"],
                           cwd=build, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout)  # skips do not fail ctest
        self.assertRegex(r.stdout, r"Test +#\d+: py_all \.+\*+Skipped")
        self.assertRegex(r.stdout, r"Test +#\d+: c_all \.+\*+Skipped")
        self.assertRegex(r.stdout, r"Test +#\d+: py_part \.+ +Passed")

        junit = os.path.join(build, "junit.xml")
        s = self.summary(f"gcc={junit}", "fuzz=passed")
        self.assertEqual(s.returncode, 1, s.stdout)  # a skip on the test machine fails the run
        self.assertIn("gcc    1 passed, 0 failed, 2 skipped (and 2 skipped cases in tests that passed)", s.stdout)
        self.assertIn("total  2 passed, 0 failed, 2 skipped", s.stdout)
        for line in ("SKIPPED gcc py_all Tools.test_frobnicates: frobnicate is not installed",
                     "SKIPPED gcc py_all Tools.test_needs_a_tool: the tool is not here",
                     "SKIPPED gcc py_part Some.test_cannot: no display",
                     "SKIPPED gcc py_part Server.test_serves: no nginx",
                     "SKIPPED gcc c_all test_needs_root: needs root"):
            self.assertIn(line + "\n", s.stdout)
        self.assertIn("5 skips on the machine the tests are promised on", s.stdout)

        allow = ["--allow", "py_all", "--allow", "gcc:py_part Some.test_cannot", "--allow", "py_part Server",
                 "--allow", "asan:c_all"]
        s = self.summary(*allow, f"gcc={junit}")
        self.assertEqual(s.returncode, 1, s.stdout)  # c_all is allowed in another step only
        self.assertIn("skipped (allowed) gcc py_part Server.test_serves: no nginx\n", s.stdout)
        self.assertIn("SKIPPED gcc c_all test_needs_root: needs root\n", s.stdout)
        self.assertIn("1 skips on the machine", s.stdout)
        s = self.summary(*allow, "--allow", "c_all", f"gcc={junit}")
        self.assertEqual(s.returncode, 0, s.stdout)

    def test_the_summary_counts_failures_and_steps_that_are_no_ctest_run(self):
        s = self.summary("fuzz=failed:a target crashed", "windows=skipped:no wine on this machine",
                         f"gcc={os.path.join(self.dir, 'missing.xml')}")
        self.assertEqual(s.returncode, 1)
        self.assertIn("fuzz     0 passed, 1 failed, 0 skipped: a target crashed\n", s.stdout)
        self.assertIn("SKIPPED windows: no wine on this machine\n", s.stdout)
        self.assertIn("FAILED  gcc (no test results:", s.stdout)


class RegistrationTest(unittest.TestCase):
    """Every test of this build can say it skipped, and none is registered
    where it cannot run."""

    def setUp(self):
        if not shutil.which("ctest"):
            self.fail("ctest is not installed")  # the build needs cmake: this is a broken setup
        r = subprocess.run(["ctest", "--show-only=json-v1"], cwd=BUILD, capture_output=True, text=True,
                           timeout=60, check=True)
        self.tests = {t["name"]: t for t in json.loads(r.stdout)["tests"]}

    def test_every_test_has_the_skip_status_and_python_files_go_through_the_runner(self):
        self.assertIn("test_skips", sorted(self.tests))
        for name, test in self.tests.items():
            props = {p["name"]: p["value"] for p in test.get("properties", [])}
            self.assertEqual(props.get("SKIP_RETURN_CODE"), 77, name)
            scripts = [a for a in test.get("command", []) if a.endswith(".py")]
            if scripts:
                self.assertEqual(os.path.basename(scripts[0]), "runtest.py", name)

    def test_every_integration_test_file_is_registered(self):
        files = {f[:-3] for f in os.listdir(HERE) if re.fullmatch(r"test_\w+\.py", f)}
        not_here = {f for f in files if f.startswith("test_windows")}  # the Windows build's
        if sanitized():
            not_here.add("test_valgrind")
        self.assertEqual(sorted(files - not_here - set(self.tests)), [])
        self.assertEqual(sorted(not_here & set(self.tests)), [])


def sanitized():
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        return re.search(r"^BL_SANITIZE:BOOL=ON$", f.read(), re.M) is not None


if __name__ == "__main__":
    unittest.main()
