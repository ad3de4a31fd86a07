# SPDX-License-Identifier: Apache-2.0
"""Simulated power loss: the launcher updates an install root that lives on
an ext4 file system in an image file (loop device), is killed with SIGKILL at
a random moment, and the image file is copied at once. The copy holds what
had reached the block device: what was fsynced (or syncfs'ed), plus whatever
the kernel happened to write back by itself, and nothing of what was only in
the page cache of the mounted file system. Mounting the copy replays ext4's
journal as after a power cut. The driver then checks the copy as crashkit
checks a killed root (a version with a marker is complete, state.json
parses, the next start ends at the new version, no debris).

How close this is to a power loss, honestly:
- The guest file system is mounted with commit=600 (no periodic journal
  commit during a run; instead the driver forces one journal commit at a
  random moment before the cut, by fsyncing an unrelated file, as ext4's
  5 s commit or any other program would) and noauto_da_alloc (ext4's replace-by-rename
  heuristic does not hide a missing fsync). Background writeback of data
  dirtied within the last 30 s does not happen (vm.dirty_expire_centisecs =
  3000 on the machines we ran it on), so unsynced data of a run of a few
  seconds is lost.
- The copy is only a consistent snapshot if nothing reaches the loop device
  while it is taken: the driver reads the device's sectors-written counter
  (/sys/block/loopN/stat) before and after the copy and discards (and counts)
  a run where it moved.
- What it does not model: a disk that reorders or loses writes it has
  acknowledged (no volatile write cache is simulated; dm-log-writes /
  dm-flakey would, but device-mapper is not available where this was built).

Needs root, losetup, mkfs.ext4 and mount; available() says why not."""
import os
import shutil
import subprocess
import tempfile
import time

import crashkit
from blroot import Root

MOUNT_OPTS = "commit=600,noauto_da_alloc"


def _run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def available():
    """None when a loop-mounted ext4 works here, else the reason it does not."""
    if os.geteuid() != 0:
        return "needs root to attach loop devices and mount"
    for tool in ("losetup", "mkfs.ext4", "mount", "umount"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    work = tempfile.mkdtemp(prefix="bl-loopcheck-")
    try:
        img, mnt = os.path.join(work, "img"), os.path.join(work, "mnt")
        os.makedirs(mnt)
        with open(img, "wb") as f:
            f.truncate(8 << 20)
        _run("mkfs.ext4", "-q", "-F", img)
        _run("mount", "-o", "loop", img, mnt)
        _run("umount", mnt)
        return None
    except (subprocess.CalledProcessError, OSError) as e:
        return f"a loop-mounted ext4 image does not work here: {getattr(e, 'stderr', '') or e}"
    finally:
        shutil.rmtree(work, ignore_errors=True)


def copy_image(src, dst):
    _run("cp", "--sparse=always", src, dst)


def sectors_written(dev):
    with open(f"/sys/block/{os.path.basename(dev)}/stat") as f:
        return int(f.read().split()[6])


class Mounted:
    """An image attached to a loop device and mounted at mnt."""

    def __init__(self, image, mnt, options=MOUNT_OPTS):
        self.mnt = mnt
        self.dev = _run("losetup", "-f", "--show", image)
        try:
            _run("mount", "-o", options, self.dev, mnt)
        except subprocess.CalledProcessError:
            _run("losetup", "-d", self.dev)
            raise

    def close(self):
        for _ in range(50):  # a killed app may hold the mount a moment longer
            if subprocess.run(["umount", self.mnt], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        subprocess.run(["losetup", "-d", self.dev], capture_output=True)


class PowerLoss:
    """crashkit.Scenario's repository and pristine root, copied into an ext4 image."""

    def __init__(self, scenario, image_mb=160):
        self.s = scenario
        self.work = tempfile.mkdtemp(prefix="bl-power-", dir=scenario.work)
        self.base = os.path.join(self.work, "base.img")
        self.run_img = os.path.join(self.work, "run.img")
        self.snap = os.path.join(self.work, "snap.img")
        self.mnt = os.path.join(self.work, "mnt")
        self.mnt_snap = os.path.join(self.work, "mnt-snap")
        os.makedirs(self.mnt)
        os.makedirs(self.mnt_snap)
        with open(self.base, "wb") as f:
            f.truncate(image_mb << 20)
        _run("mkfs.ext4", "-q", "-F", self.base)
        m = Mounted(self.base, self.mnt, "defaults")
        try:
            shutil.copytree(scenario.pristine.path, os.path.join(self.mnt, "root"), symlinks=True)
        finally:
            m.close()
        self.torn = 0
        self.duration = None

    def root_at(self, mnt):
        root = Root.__new__(Root)
        root.path = os.path.join(mnt, "root")
        root.launcher = os.path.join(root.path, "bomiot-launcher")
        return root

    def measure(self, repeats=3):
        times = []
        for _ in range(repeats):
            copy_image(self.base, self.run_img)
            m = Mounted(self.run_img, self.mnt)
            try:
                root = self.root_at(self.mnt)
                self.s.configure(root, True)
                t = time.monotonic()
                p = self.s.start(root)
                _, err = p.communicate(timeout=600)
                times.append(time.monotonic() - t)
                if p.returncode != 0 or crashkit.read_state(root)["current"] != crashkit.NEW:
                    raise crashkit.Violation(f"an uninterrupted update failed: {err!r}\n{root.log()}")
            finally:
                m.close()
        self.duration = sorted(times)[len(times) // 2]
        return self.duration

    def cut_once(self, rng, incremental=None, cut_env=None, keep_failed=None):
        """Update, SIGKILL at a random moment, snapshot the device; then check
        the snapshot and start it again. Returns the run's description, or
        None when the snapshot was torn (counted in self.torn). cut_env: extra
        environment of the run that is cut (the negative control preloads
        nosync.so there)."""
        inc = rng.choice(self.s.modes) if incremental is None else incremental
        delay = rng.uniform(0, 1.15 * self.duration)
        run = {"incremental": inc, "delay": round(delay, 4)}
        copy_image(self.base, self.run_img)
        m = Mounted(self.run_img, self.mnt)
        try:
            root = self.root_at(self.mnt)
            self.s.configure(root, inc)
            # The config must be on the device before the run, as an installed one is.
            _run("sync", "-f", root.p("launcher.json"))
            if os.path.exists(self.s.report):
                os.remove(self.s.report)
            p = self.s.start(root, extra_env=cut_env)
            commit_at = rng.uniform(0, delay)
            run["journal_commit_at"] = round(commit_at, 4)
            try:
                try:
                    p.wait(timeout=commit_at)
                except subprocess.TimeoutExpired:
                    pass
                self.commit_journal()
                p.wait(timeout=max(0.0, delay - commit_at))
                run["killed"] = False
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                run["killed"] = True
            finally:
                crashkit.killpg(p)
            before = sectors_written(m.dev)
            copy_image(self.run_img, self.snap)
            if sectors_written(m.dev) != before:
                self.torn += 1
                return None
            live_log = root.log()
            run["phase"] = crashkit.phase_of(live_log)
        finally:
            m.close()
        m = Mounted(self.snap, self.mnt_snap, "defaults")  # replays the journal
        try:
            root = self.root_at(self.mnt_snap)
            run["after"] = self.describe(root)
            # Evidence that the cut dropped what was not flushed: the log is
            # written without fsync, so its tail is usually lost.
            run["log_bytes_lost"] = len(live_log) - len(root.log())
            self.check_cut(root)
            if os.path.exists(self.s.report):
                os.remove(self.s.report)
            p = self.s.start(root)
            _, err = p.communicate(timeout=600)
            self.s.check_recovered(root, p.returncode, err, tar_durable=False)
        except crashkit.Violation as v:
            if keep_failed:  # the recovered root as the failed start left it (the image is reused)
                dest = tempfile.mkdtemp(prefix="powerloss-", dir=keep_failed)
                shutil.copytree(root.path, os.path.join(dest, "root"), symlinks=True,
                                ignore=shutil.ignore_patterns("*.tar", "*.tar.gz", "data.bin"))
            raise crashkit.Violation(f"{v} (run {run})") from None
        finally:
            m.close()
        return run

    def commit_journal(self):
        """What ext4's periodic commit (or any program's fsync) does at some
        moment of a real run: the journal's running transaction, with every
        rename and creation so far, goes to the device; data not yet
        allocated (delayed allocation) does not."""
        fd = os.open(os.path.join(self.mnt, "sentinel"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, b"x")
            os.fsync(fd)
        finally:
            os.close(fd)

    def describe(self, root):
        """What survived the cut: the state's current version and the complete versions."""
        try:
            current = crashkit.read_state(root).get("current")
        except FileNotFoundError:
            current = None
        except ValueError:
            current = "unreadable"
        complete = sorted(v for v in os.listdir(root.p("versions"))
                          if not v.endswith(".partial") and os.path.exists(root.p("versions", v, crashkit.MARKER)))
        return {"current": current, "complete": complete}

    def check_cut(self, root):
        """Right after the power cut: state.json parses, and every version
        the launcher could choose (marked complete) is the published one."""
        self.s.check_after_kill(root)
        for v in os.listdir(root.p("versions")):
            # versions/1.1.0.partial may hold its marker (written before the
            # rename); the launcher never chooses a .partial folder.
            if v in (crashkit.OLD, crashkit.NEW) and os.path.exists(root.p("versions", v, crashkit.MARKER)):
                self.s.check_version(root, v, f"after the power cut, the marked {v}")
        try:
            current = crashkit.read_state(root).get("current")
        except FileNotFoundError:
            return
        if current and not os.path.exists(root.p("versions", current, crashkit.MARKER)):
            raise crashkit.Violation(f"after the power cut state.json names {current}, which is not complete")
