# SPDX-License-Identifier: Apache-2.0
"""Install roots for the Windows executables, run under Wine: the Windows
build's bomiot-launcher.exe copied into a throwaway root, versions made of the
Windows test app (bomiot.exe). The Wine prefix is the one tests/windows/run.sh
made for this run (WINEPREFIX); Wine's Z: drive is the Linux root, so a Linux
path p is Z:<p with backslashes> for the Windows programs."""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from blroot import Root, parse_report  # noqa: E402,F401  (parse_report: for the Windows tests)

BUILD = os.environ.get("BL_BUILD_DIR", "")
LAUNCHER = os.path.join(BUILD, "launcher", "bomiot-launcher.exe")
TESTAPP = os.path.join(BUILD, "tests", "bl-testapp.exe")
WINE = shutil.which("wine64") or shutil.which("wine")
CHINESE = "用户张伟-"  # a name_hint for a root as under C:\Users\张伟\AppData\Local\Programs


def missing():
    """Why the Windows tests cannot run here, or None."""
    if not WINE:
        return "wine is not installed"
    if not os.environ.get("WINEPREFIX"):
        return "WINEPREFIX is not set (tests/windows/run.sh makes one per run)"
    for exe in (LAUNCHER, TESTAPP):
        if not os.path.isfile(exe):
            return f"{exe} is not built (the mingw-w64 build, tests/windows/run.sh)"
    return None


def winpath(path):
    return "Z:" + os.path.abspath(path).replace("/", "\\")


def latin1_twin(path):
    """path with the UTF-8 bytes of its last part taken for Latin-1
    characters: where the unpacker's files went, for a root named in
    Chinese, before it gave libarchive UTF-16 paths (bl_plat_wide_path)."""
    parent, name = os.path.split(path)
    return os.path.join(parent, name.encode().decode("latin-1"))


def wine_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOMIOT_")}
    env.setdefault("WINEDEBUG", "-all")
    env.update(extra or {})
    return env


def wine(exe, *args, env=None, timeout=60, cwd=None, **kw):
    return subprocess.run([WINE, exe, *args], env=wine_env(env), cwd=cwd, capture_output=True,
                          timeout=timeout, **kw)


def wait_for(predicate, timeout=30, what="the condition"):
    """Polls until predicate() is true: a process Wine started detached (the
    app in exec mode, a self-updated launcher, an uninstaller re-run from
    %TEMP%) is not a child of ours to wait for, and the run's wineserver is
    persistent, so `wineserver -w` would never return."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


class WinRoot(Root):
    """A Root of the Windows build's binaries, run under Wine."""
    LAUNCHER = LAUNCHER
    TESTAPP = TESTAPP
    EXE = ".exe"
    PREFIX = "bl-winroot-"

    def run(self, *args, env=None, timeout=60, cwd=None):
        return wine(self.launcher, *args, env=env, timeout=timeout, cwd=cwd or self.path)
