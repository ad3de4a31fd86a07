#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs a launcher built before the zstd patch format (issue 25) against
repositories that this tree's bomiot-release makes, and shows it still
updates: from a repository with both formats (add's default) by the
BSDIFF40 .patch, from one made with --patch-format zstd by the archive. In
neither does it ask for a .zpatch (its target-name reader does not know the
suffix, so it is no release target to it).

Not part of the test suite: it needs a second build of an older commit.
docs/release.md ("Checked against a launcher without the zstd format") says
how it was run. Usage:

  git worktree add /tmp/old-launcher b7a28ae
  (cd /tmp/old-launcher && cmake -S . -B build/gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
   cmake --build build/gcc --target bomiot-launcher bomiot-update-module bomiot-splash-module)
  BL_BUILD_DIR=$PWD/build/gcc python3 scripts/old-launcher-check.py /tmp/old-launcher/build/gcc/launcher/bomiot-launcher

BL_BUILD_DIR is this tree's build (its bomiot-release and test app).
Exit 0 when every step held, 1 with the step that did not."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "server"))
from blrepo import APP, Publisher, seed_install  # noqa: E402
from blroot import Root, parse_report  # noqa: E402
from server import TestServer  # noqa: E402


def update_with(launcher, patch_format):
    """1.0.0 and 1.1.0 published with add --patch-format patch_format, an
    installation of 1.0.0 run once by launcher: (version started, target
    files requested, the update log)."""

    class OldRoot(Root):
        LAUNCHER = launcher

    pub = Publisher()
    root = OldRoot()
    try:
        pub.init()
        pub.add("1.0.0")
        pub.add("1.1.0", "--patch-format", patch_format)
        listed = sorted(n for n in os.listdir(os.path.join(pub.repo, "targets")) if "1.1.0" in n)
        seed_install(root, pub, "1.0.0")
        requests = os.path.join(pub.dir, "requests.log")
        report = root.p("report.txt")
        with TestServer(pub.repo, log=requests) as server:
            root.write_config({"update_url": server.url, "healthy_seconds": 1})
            r = root.run(f"--report={report}", timeout=120)
        if r.returncode != 0:
            raise SystemExit(f"FAIL ({patch_format}): the launcher exited {r.returncode}: {r.stderr[-2000:]}")
        with open(requests) as f:
            fetched = [os.path.basename(line.split()[1]) for line in f if "/targets/" in line]
        started = [line[len("version="):] for line in parse_report(report)["lines"] if line.startswith("version=")]
        return listed, started, fetched, root.log()
    finally:
        root.cleanup()
        pub.cleanup()


def main():
    if len(sys.argv) != 2 or not os.path.isfile(sys.argv[1]):
        raise SystemExit(__doc__)
    launcher = os.path.abspath(sys.argv[1])
    for patch_format, expected in (("both", f"{APP}-1.1.0.patch"), ("zstd", f"{APP}-1.1.0.tar.gz")):
        listed, started, fetched, log = update_with(launcher, patch_format)
        print(f"repository made with --patch-format {patch_format}: 1.1.0's targets {', '.join(listed)}")
        print(f"  the old launcher started {', '.join(started)}; it requested {', '.join(fetched)}")
        for line in log.splitlines():
            if "installing 1.1.0" in line or "downloading" in line:
                print(f"  log: {line}")
        if started != ["1.1.0"]:
            raise SystemExit(f"FAIL ({patch_format}): started {started}, expected 1.1.0 after the update")
        if fetched != [expected]:
            raise SystemExit(f"FAIL ({patch_format}): requested {fetched}, expected only {expected}")
    print("ok: the launcher without the zstd format updated by the .patch from a repository with both, "
          "and by the archive from a zstd-only one, never asking for a .zpatch")


if __name__ == "__main__":
    main()
