"""Install roots for the Windows executables, run under Wine: the Windows
build's bomiot-launcher.exe copied into a throwaway root, versions made of the
Windows test app (bomiot.exe). The Wine prefix is the one tests/windows/run.sh
made for this run (WINEPREFIX); Wine's Z: drive is the Linux root, so a Linux
path p is Z:<p with backslashes> for the Windows programs."""
import json
import os
import shutil
import subprocess
import tempfile
import time

BUILD = os.environ.get("BL_BUILD_DIR", "")
LAUNCHER = os.path.join(BUILD, "launcher", "bomiot-launcher.exe")
TESTAPP = os.path.join(BUILD, "tests", "bl-testapp.exe")
MARKER = ".bomiot-complete"
WINE = shutil.which("wine64") or shutil.which("wine")


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


class WinRoot:
    def __init__(self, name_hint=""):
        self.path = tempfile.mkdtemp(prefix=f"bl-winroot-{name_hint}")
        self.launcher = os.path.join(self.path, "bomiot-launcher.exe")
        shutil.copy2(LAUNCHER, self.launcher)
        os.makedirs(os.path.join(self.path, "versions"))

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)

    def p(self, *parts):
        return os.path.join(self.path, *parts)

    def add_version(self, version, complete=True, behaviour=()):
        folder = self.p("versions", version)
        os.makedirs(folder, exist_ok=True)
        shutil.copy2(TESTAPP, os.path.join(folder, "bomiot.exe"))
        with open(os.path.join(folder, "version.txt"), "w") as f:
            f.write(version + "\n")
        if behaviour:
            with open(os.path.join(folder, "extra-args.txt"), "w") as f:
                f.write("\n".join(behaviour) + "\n")
        if complete:
            with open(os.path.join(folder, MARKER), "w") as f:
                json.dump({"version": version}, f)
        return folder

    def write_state(self, obj):
        with open(self.p("state.json"), "w") as f:
            json.dump(obj, f)

    def read_state(self):
        with open(self.p("state.json")) as f:
            return json.load(f)

    def write_config(self, obj):
        with open(self.p("launcher.json"), "w") as f:
            json.dump(obj, f)

    def log(self):
        try:
            with open(self.p("cache", "update.log"), encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def run(self, *args, env=None, timeout=60, cwd=None):
        return wine(self.launcher, *args, env=env, timeout=timeout, cwd=cwd or self.path)


def parse_report(path):
    """The test app's report (tests/app/testapp.c): version, args, env."""
    out = {"args": [], "env": {}, "lines": []}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f.read().splitlines():
            out["lines"].append(line)
            key, _, value = line.partition("=")
            if key.startswith("arg") and key[3:].isdigit():
                out["args"].append(bytes.fromhex(value).decode("utf-8", "surrogateescape"))
            elif key == "env":
                k, _, v = value.partition("=")
                out["env"][k] = v
            elif value:
                out[key] = value
    return out
