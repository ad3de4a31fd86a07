# SPDX-License-Identifier: Apache-2.0
"""Crash consistency driver: the real launcher updating 1.0.0 -> 1.1.0 from a
repository made by bomiot-release, killed with SIGKILL at a random moment of
the update, then started again with the server up. After every kill it checks:

- state.json parses (right after the kill, and after the next start);
- every app start is of a complete version whose files are exactly the
  published archive's (name, SHA-256, executable bit), never a mixture;
- the next start ends at 1.1.0, and nothing piles up: no versions/*.partial,
  no *.tmp / mkstemp debris, cache/downloads empty, cache/tars holding only
  the current version's tar, byte for byte the published one.

Used by tests/integration/test_crash_consistency.py (a CI-sized sample) and
tests/reliability/crash_long.py (the long mode)."""
import gzip
import hashlib
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
from blrepo import APP, Publisher, seed_install  # noqa: E402
from blroot import MARKER, Root, parse_report  # noqa: E402
from server import TestServer  # noqa: E402

OLD, NEW = "1.0.0", "1.1.0"
DEBRIS = (".partial", ".tmp", ".part")


class Violation(AssertionError):
    pass


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def archive_manifest(archive):
    """{relative path: (sha256, executable)} of the regular files of a published archive."""
    out = {}
    with tarfile.open(archive) as tar:
        for m in tar.getmembers():
            if m.isfile():
                data = tar.extractfile(m).read()
                name = os.path.normpath(m.name)
                out[name] = (hashlib.sha256(data).hexdigest(), bool(m.mode & 0o111))
    return out


def folder_manifest(folder):
    out = {}
    for dirpath, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, folder)
            if rel == MARKER:
                continue
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode):
                out[rel] = ("not a regular file", False)
                continue
            out[rel] = (sha256_file(path), bool(st.st_mode & 0o111))
    return out


class Scenario:
    """A repository with OLD and NEW of an app whose data.bin is data_size
    bytes, served on 127.0.0.1, and a pristine install root seeded with OLD."""

    def __init__(self, data_size, workdir=None, incremental_modes=(True, False)):
        self.data_size = data_size
        self.work = tempfile.mkdtemp(prefix="bl-crash-", dir=workdir)
        self.pub = Publisher(parent=self.work)
        self.pub.init()
        self.pub.add(OLD, data_size=data_size)
        self.pub.add(NEW, data_size=data_size)
        self.server = TestServer(self.pub.repo)
        self.manifest = {v: archive_manifest(self.pub.archive(v)) for v in (OLD, NEW)}
        with gzip.open(self.pub.archive(NEW)) as f:
            h = hashlib.sha256()
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
            self.new_tar_sha = h.hexdigest()
        self.pristine = Root()
        seed_install(self.pristine, self.pub, OLD)
        self.modes = incremental_modes
        self.report = os.path.join(self.work, "report.txt")
        self.durations = {}

    def cleanup(self):
        self.server.stop()
        self.pristine.cleanup()
        shutil.rmtree(self.work, ignore_errors=True)

    def fresh_root(self, parent=None):
        path = tempfile.mkdtemp(prefix="bl-run-", dir=parent or self.work)
        os.rmdir(path)
        shutil.copytree(self.pristine.path, path, symlinks=True)
        root = Root.__new__(Root)
        root.path = path
        root.launcher = os.path.join(path, "bomiot-launcher")
        return root

    def configure(self, root, incremental):
        root.write_config({"update_url": self.server.url, "healthy_seconds": 1,
                           "incremental_update": incremental})

    def start(self, root, extra_env=None, **kw):
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("BOMIOT_"):
                del env[k]
        env.update(extra_env or {})
        # Own session: after the launcher is killed its app (if one was
        # started) is killed too, so it cannot write into the next start's report.
        return subprocess.Popen([root.launcher, f"--report={self.report}"], env=env, cwd=root.path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                                **kw)

    def measure(self, repeats=3):
        """Wall time of an uninterrupted update in each mode: the fastest of
        repeats. Kills are drawn over this time, and most must land inside an
        update; a measurement slowed by other work on the machine (a build
        beside the suite) stretched the draw, and once over half the updates
        finished before their kill (28 of 50), so the slowest runs say least."""
        for inc in self.modes:
            times = []
            for _ in range(repeats):
                root = self.fresh_root()
                self.configure(root, inc)
                t = time.monotonic()
                p = self.start(root)
                _, err = p.communicate(timeout=600)
                times.append(time.monotonic() - t)
                if p.returncode != 0 or read_state(root)["current"] != NEW:
                    raise Violation(f"an uninterrupted update failed ({p.returncode}): {err!r}\n{root.log()}")
                shutil.rmtree(root.path)
            self.durations[inc] = min(times)
        return self.durations

    def started(self):
        if not os.path.exists(self.report):
            return []
        return [line[len("version="):] for line in parse_report(self.report)["lines"]
                if line.startswith("version=")]

    def check_version(self, root, version, why):
        folder = root.p("versions", version)
        if not os.path.exists(os.path.join(folder, MARKER)):
            raise Violation(f"{why}: versions/{version} has no completion marker")
        got, want = folder_manifest(folder), self.manifest[version]
        if got != want:
            diff = sorted(set(got.items()) ^ set(want.items()))
            raise Violation(f"{why}: versions/{version} is not the published {version}: {diff[:6]}")

    def check_after_kill(self, root):
        """What SIGKILL may leave: anything but an unreadable state.json."""
        if os.path.exists(root.p("state.json")):
            try:
                read_state(root)
            except ValueError as e:
                raise Violation(f"state.json does not parse right after the kill: {e}")

    def check_recovered(self, root, proc_rc, stderr, tar_durable=True):
        if proc_rc != 0:
            raise Violation(f"the start after the kill exited {proc_rc}: {stderr!r}")
        started = self.started()
        if not started:
            raise Violation("the start after the kill started no app")
        for v in started:
            if v not in (OLD, NEW):
                raise Violation(f"started an unknown version {v!r}")
            self.check_version(root, v, f"the started {v}")
        try:
            state = read_state(root)
        except ValueError as e:
            raise Violation(f"state.json does not parse: {e}")
        if state.get("current") != NEW or started[-1] != NEW:
            raise Violation(f"the start after the kill did not end at {NEW}: state {state}, started {started}")
        for name in os.listdir(root.p("versions")):
            if name not in (OLD, NEW):
                raise Violation(f"versions/{name} left over")
            self.check_version(root, name, "a kept version")
        self.check_debris(root, tar_durable)

    def check_debris(self, root, tar_durable=True):
        for dirpath, dirs, files in os.walk(root.path):
            if os.path.relpath(dirpath, root.path).startswith("versions" + os.sep):
                dirs[:] = []  # the versions' own files were compared above
                continue
            for name in files + dirs:
                if any(d in name for d in DEBRIS):
                    raise Violation(f"{os.path.relpath(os.path.join(dirpath, name), root.path)} left over")
        downloads = root.p("cache", "downloads")
        if os.path.isdir(downloads) and os.listdir(downloads):
            raise Violation(f"cache/downloads holds {os.listdir(downloads)} after a finished update")
        # NEW's tar is the base of the next patch; OLD's stays only while NEW
        # is on trial (a rollback to OLD patches from it again), and not even
        # then after a cut between the removal and the saved confirmation.
        tars = sorted(os.listdir(root.p("cache", "tars")))
        allowed = [[f"{APP}-{NEW}.tar"]]
        if read_state(root).get("trial"):
            allowed.append([f"{APP}-{OLD}.tar", f"{APP}-{NEW}.tar"])
        if tars not in allowed:
            raise Violation(f"cache/tars holds {tars}; only {' or '.join(map(str, allowed))} may stay")
        # The cached tar is not flushed on purpose (apply.c): after a power
        # cut it may be stale, which the next patch's hash check catches.
        if tar_durable and sha256_file(root.p("cache", "tars", f"{APP}-{NEW}.tar")) != self.new_tar_sha:
            raise Violation(f"cache/tars/{APP}-{NEW}.tar is not the published tar")

    def kill_once(self, rng, parent=None, keep_failed=None):
        """One run: update, SIGKILL after a random delay, start again, check.
        Returns a dict describing the run; raises Violation when a promise is broken."""
        inc = rng.choice(self.modes)
        delay = rng.uniform(0, 1.15 * self.durations[inc])
        root = self.fresh_root(parent)
        self.configure(root, inc)
        if os.path.exists(self.report):
            os.remove(self.report)
        run = {"incremental": inc, "delay": round(delay, 4)}
        try:
            p = self.start(root)
            try:
                p.wait(timeout=delay)
                run["killed"] = False  # it finished first
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                run["killed"] = True
            finally:
                killpg(p)
            run["phase"] = phase_of(root.log())
            self.check_after_kill(root)
            if os.path.exists(self.report):
                os.remove(self.report)
            p = self.start(root)
            _, err = p.communicate(timeout=600)
            self.check_recovered(root, p.returncode, err)
        except Violation as v:
            run["violation"] = str(v)
            if keep_failed:
                dest = os.path.join(keep_failed, os.path.basename(root.path))
                shutil.move(root.path, dest)
                run["kept"] = dest
                root = None
            raise Violation(f"{v} (run {run})") from None
        finally:
            if root:
                shutil.rmtree(root.path, ignore_errors=True)
        return run


def killpg(p):
    """Kills what is left of a killed launcher's session (its app)."""
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.stderr.close()


def read_state(root):
    with open(root.p("state.json")) as f:
        return json.load(f)


def phase_of(log):
    """Where the killed run was, by the last thing it logged."""
    last = ""
    for line in log.splitlines():
        if " update: " in line or " trial: " in line or " launch: starting" in line or " supervise: " in line:
            last = line
    for key, phase in (("supervise:", "app running"), ("launch: starting", "starting the app"),
                       ("trial:", "switched"), ("installed", "installed, switching"),
                       ("downloading", "download/patch/unpack"), ("installing", "planned"),
                       ("checking", "metadata")):
        if key in last:
            return phase
    return "before the check"
