# SPDX-License-Identifier: Apache-2.0
"""Runs one integration test file the way ctest registers it
(tests/CMakeLists.txt, bl_integration_test):

    python3 tests/integration/runtest.py tests/integration/test_x.py [-v] [Class.test_y ...]

It is unittest's own run of the file, with what a plain run leaves out for a
machine to read: every skipped test is printed on stdout as

    SKIPPED: Class.test_y: the reason

and the exit status tells a skip from a pass: 0 when at least one test passed
and none failed (the skips, if any, listed as above), 77 when every test
skipped (ctest's SKIP_RETURN_CODE: "Skipped", not "Passed"), 1 when a test
failed or no test ran at all. scripts/test.sh collects the SKIPPED lines from
ctest's JUnit file for its summary.

A test file needs nothing of this: it keeps its own unittest.main() for a
run by hand, and any tests/integration/test_*.py registered with
bl_integration_test gets this runner."""
import importlib.util
import os
import re
import sys
import unittest

SKIP_STATUS = 77  # SKIP_RETURN_CODE in tests/CMakeLists.txt


class Result(unittest.TextTestResult):
    """unittest's result, counting the tests that passed: testsRun counts
    skipped ones too, and a skip raised in setUpClass is in no count."""

    passed = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1


class Runner(unittest.TextTestRunner):
    resultclass = Result


def case_name(test, module):
    """Class.test_y for a test; Class for a skip raised in setUpClass (which
    unittest reports as 'setUpClass (module.Class)'); module for one raised
    in setUpModule."""
    name = test.id()
    holder = re.fullmatch(r"\w+ \((.+)\)", name)
    if holder:
        name = holder.group(1)
    if name.startswith(module + "."):
        name = name[len(module) + 1:]
    return name


def skip_lines(result, module):
    """One 'SKIPPED: name: reason' line per skip, each on one line."""
    return [f"SKIPPED: {case_name(test, module)}: {' '.join(str(reason).split())}"
            for test, reason in result.skipped]


def exit_status(result):
    if not result.wasSuccessful():
        return 1
    if result.passed:
        return 0
    return SKIP_STATUS if result.skipped else 1


def load(path):
    """Imports the test file under its own name (test_x), as a module
    imported from its folder, which is on the path as it is for a file run
    by hand."""
    name = os.path.splitext(os.path.basename(path))[0]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main(argv):
    if len(argv) < 2 or not argv[1].endswith(".py"):
        print("usage: runtest.py tests/integration/test_x.py [unittest arguments]", file=sys.stderr)
        return 2
    module = load(argv[1])
    run = unittest.main(module=module, argv=[argv[1]] + argv[2:], testRunner=Runner, exit=False)
    result = run.result
    # unittest writes to stderr; these go to stdout, after it, in one block.
    sys.stderr.flush()
    for line in skip_lines(result, module.__name__):
        print(line)
    status = exit_status(result)
    if status == 1 and result.wasSuccessful():
        print(f"{argv[1]}: no test ran", file=sys.stderr)
    elif status == SKIP_STATUS:
        print(f"{argv[1]}: every test skipped (exit status {SKIP_STATUS}: skipped, not passed)")
    sys.stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
