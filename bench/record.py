#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/record.py: the raw record every bench runner keeps of a run, in
bench/results/<UTC start>-<bench>.txt (committed beside bench/RESULTS.md, so
bench/table.py can make a run's tables again from it).

A record is text: header lines '# key: value' (the bench, the commit and
whether the tree differed from it, the exact command, the UTC start, the
machine, the load at start), the run's raw output in sections that each
start with a line '[name]', and '# end:' and '# load at end:' once the run
has finished. A record without an end is a run that did not finish, and
bench/table.py refuses it.

From a shell runner:
  rec=$(python3 bench/record.py begin BENCH -- "$0" "$@")   # prints the path
  python3 bench/record.py section "$rec" NAME < output       # or append by hand
  python3 bench/record.py end "$rec"
From Python: begin(), append(), end() below."""
import os
import platform
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, ".."))
RESULTS = os.path.join(HERE, "results")
# Environment variables the runners read: part of the command that was run.
ENV_KEYS = ("BENCH_TOOLS", "BENCH_TIMEOUT", "BOMIOT_RELEASE", "BL_BENCH_BUILD",
            "HDIFFPATCH_SRC", "HDIFFPATCH_COMMIT")


def utc_now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def commit():
    """(HEAD's hash, a dirty note): the tree's changes to tracked files are
    named, since the binaries measured were built from them."""
    def git(*args):
        return subprocess.run(["git", "-C", SRC, *args], capture_output=True, text=True,
                              check=True).stdout
    try:
        head = git("rev-parse", "HEAD").strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)", "unknown"
    changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()]
    if not changed:
        return head, "no"
    shown = ", ".join(changed[:8]) + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
    return head, f"yes ({shown})"


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores, {model}{mem}, Linux {platform.release()}"


def command_line(argv):
    """The command as it was typed: the runner's path relative to the source
    tree, with the environment variables the runners read."""
    env = [f"{k}={shlex.quote(os.environ[k])}" for k in ENV_KEYS if os.environ.get(k)]
    first = os.path.relpath(os.path.abspath(argv[0]), SRC) if argv else ""
    return " ".join(env + [shlex.join([first, *argv[1:]])])


def begin(bench, argv, folder=RESULTS):
    """Writes the header of a new record for BENCH run as ARGV; returns its path."""
    os.makedirs(folder, exist_ok=True)
    start = utc_now()
    stamp = start.replace("-", "").replace(":", "")
    path = os.path.join(folder, f"{stamp}-{bench}.txt")
    head, dirty = commit()
    with open(path, "x") as f:
        f.write(f"# bench: {bench}\n# commit: {head}\n# dirty: {dirty}\n"
                f"# command: {command_line(argv)}\n# start: {start}\n"
                f"# machine: {machine()}\n# load at start: {load()}\n")
    return path


def append(path, section, text):
    """Adds a section of raw output."""
    with open(path, "a") as f:
        f.write(f"[{section}]\n{text}")
        if text and not text.endswith("\n"):
            f.write("\n")


def note(path, key, value):
    with open(path, "a") as f:
        f.write(f"# {key}: {value}\n")


def end(path):
    with open(path, "a") as f:
        f.write(f"# end: {utc_now()}\n# load at end: {load()}\n")


def main(argv):
    usage = ("usage: record.py begin BENCH -- COMMAND...  |  record.py section FILE NAME < TEXT"
             "  |  record.py note FILE KEY VALUE  |  record.py end FILE")
    if len(argv) >= 3 and argv[0] == "begin" and argv[2] == "--":
        print(os.path.relpath(begin(argv[1], argv[3:]), os.getcwd()))
    elif len(argv) == 3 and argv[0] == "section":
        append(argv[1], argv[2], sys.stdin.read())
    elif len(argv) == 4 and argv[0] == "note":
        note(argv[1], argv[2], argv[3])
    elif len(argv) == 2 and argv[0] == "end":
        end(argv[1])
    else:
        print(usage, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
