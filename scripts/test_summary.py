#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The closing summary of scripts/test.sh: how many tests passed, failed and
skipped in each step, and every skip with its reason.

    scripts/test_summary.py [--allow ENTRY]... STEP=RESULT...

RESULT is the JUnit file a ctest run wrote (--output-junit, with the output of
passed tests kept whole: --test-output-size-passed), or, for a step that is
not a ctest run, "passed", "failed:<why>" or "skipped:<why>". A ctest test
that exited 77 (SKIP_RETURN_CODE) skipped; one that passed may still have
skipped some of its cases, each announced by a line of its output

    SKIPPED: <case>: <reason>

(tests/integration/runtest.py, tests/unit/check.h). Every skip is listed as
"<step> <test> <case>: <reason>".

scripts/test.sh runs on the machine the README's tests are promised on
(Debian 12 after scripts/deps.sh), so a skip there is a test that did not
run: unless an --allow ENTRY names it, it fails the summary as a failed test
does. ENTRY is "<test>" (all its skips), "<test> <case>" (that case, or a
class and the cases in it), either optionally preceded by "<step>:".

Exit status: 0 if nothing failed and every skip is allowed, else 1."""
import argparse
import sys
import xml.etree.ElementTree as ET

SKIP_LINE = "SKIPPED: "


class Step:
    def __init__(self, name):
        self.name = name
        self.passed, self.failed, self.skipped = [], [], []
        self.skips = []  # (test, case, reason)
        self.partial = 0  # skipped cases in tests that passed
        self.note = ""


def skip_lines(output):
    """(case, reason) for each 'SKIPPED: case: reason' line."""
    found = []
    for line in (output or "").splitlines():
        if line.startswith(SKIP_LINE):
            case, _, reason = line[len(SKIP_LINE):].partition(": ")
            found.append((case.strip(), reason.strip() or "(no reason given)"))
    return found


def read_junit(step, path):
    try:
        suite = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        step.failed.append(f"(no test results: {path}: {e})")
        return
    for case in suite.iter("testcase"):
        name = case.get("name", "?")
        status = case.get("status", "")
        out = case.findtext("system-out")
        skipped = case.find("skipped")
        if status == "fail" or case.find("failure") is not None:
            step.failed.append(name)
        elif status == "notrun" and skipped is not None and "SKIP_RETURN_CODE" in (skipped.get("message") or ""):
            step.skipped.append(name)
            lines = skip_lines(out) or [("", f"exit status {skipped.get('message').split('=')[-1]}, no reason printed")]
            step.skips += [(name, c, r) for c, r in lines]
        elif status in ("notrun", "disabled"):
            # Not run for another reason (an executable missing, a disabled
            # test): ctest counts it as failed, and so does this.
            step.failed.append(f"{name} (not run: {skipped.get('message') if skipped is not None else status})")
        else:
            step.passed.append(name)
            lines = skip_lines(out)
            step.partial += len(lines)
            step.skips += [(name, c, r) for c, r in lines]


def read_step(arg):
    name, sep, result = arg.partition("=")
    if not sep or not name:
        raise SystemExit(f"test_summary: '{arg}' is not STEP=RESULT")
    step = Step(name)
    if result.endswith(".xml"):
        read_junit(step, result)
    elif result == "passed":
        step.passed.append(name)
    elif result.startswith("failed:"):
        step.failed.append(name)
        step.note = result[len("failed:"):]
    elif result.startswith("skipped:"):
        step.skipped.append(name)
        step.skips.append((name, "", result[len("skipped:"):]))
    else:
        raise SystemExit(f"test_summary: '{result}' is no JUnit file, 'passed', 'failed:why' or 'skipped:why'")
    return step


def allowed(step, test, case, allow):
    """Whether an --allow entry names this skip."""
    for entry in allow:
        where, colon, what = entry.partition(":")
        if not colon:
            where, what = "", entry
        elif where != step:
            continue
        entry_test, _, entry_case = what.strip().partition(" ")
        if entry_test != test:
            continue
        if not entry_case or case == entry_case or case.startswith(entry_case + "."):
            return True
    return False


def summarise(steps, allow, out):
    totals = [0, 0, 0]
    refused = []
    width = max([len(s.name) for s in steps] + [5])
    print("== summary ==", file=out)
    for s in steps:
        counts = [len(s.passed), len(s.failed), len(s.skipped)]
        totals = [a + b for a, b in zip(totals, counts)]
        line = f"{s.name:<{width}}  {counts[0]} passed, {counts[1]} failed, {counts[2]} skipped"
        if s.partial:
            line += f" (and {s.partial} skipped cases in tests that passed)"
        if s.note:
            line += f": {s.note}"
        print(line, file=out)
    print(f"{'total':<{width}}  {totals[0]} passed, {totals[1]} failed, {totals[2]} skipped", file=out)
    for s in steps:
        for name in s.failed:
            print(f"FAILED  {s.name}" + ("" if name == s.name else f" {name}"), file=out)
    for s in steps:
        for test, case, reason in s.skips:
            ok = allowed(s.name, test, case, allow)
            label = "skipped (allowed)" if ok else "SKIPPED"
            where = s.name if test == s.name else f"{s.name} {test}{' ' + case if case else ''}"
            print(f"{label} {where}: {reason}", file=out)
            if not ok:
                refused.append((s.name, test, case))
    if refused:
        print(f"{len(refused)} skips on the machine the tests are promised on: each is a test that did not run "
              "(install what it names, or allow it in scripts/test.sh with the reason it cannot run here)",
              file=out)
    return 0 if totals[1] == 0 and not refused else 1


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--allow", action="append", default=[], metavar="ENTRY")
    parser.add_argument("results", nargs="+", metavar="STEP=RESULT")
    args = parser.parse_intermixed_args(argv)
    steps = [read_step(a) for a in args.results]
    return summarise(steps, args.allow, sys.stdout)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
