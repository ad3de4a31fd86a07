# SPDX-License-Identifier: Apache-2.0
"""Builds throwaway install roots for integration tests: the real launcher
binary copied in as <root>/bomiot-launcher, versions made of the real test app."""
import json
import os
import shutil
import subprocess
import tempfile
import time

BUILD = os.environ.get("BL_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
LAUNCHER = os.path.join(BUILD, "launcher", "bomiot-launcher")
TESTAPP = os.path.join(BUILD, "tests", "bl-testapp")
MARKER = ".bomiot-complete"


def write_test_app(folder, version, exe="bomiot", behaviour=(), testapp=TESTAPP):
    """The test app as exe in folder, its version.txt, and extra-args.txt
    for behaviour: extra test-app arguments this version always acts on,
    e.g. ("--crash=segv",) for a release that crashes."""
    os.makedirs(folder, exist_ok=True)
    shutil.copy2(testapp, os.path.join(folder, exe))
    with open(os.path.join(folder, "version.txt"), "w") as f:
        f.write(version + "\n")
    if behaviour:
        with open(os.path.join(folder, "extra-args.txt"), "w") as f:
            f.write("\n".join(behaviour) + "\n")


def install_launcher(launcher, folder, name):
    """Copies the launcher into folder as name, with the modules it loads from
    beside itself (launcher/start/module.h: bomiot-update-<v>.so, bomiot-splash-<v>.so;
    none in a build with built-in modules)."""
    shutil.copy2(launcher, os.path.join(folder, name))
    here = os.path.dirname(launcher)
    for f in sorted(os.listdir(here)):
        if f.startswith("bomiot-") and f.endswith(".so"):
            shutil.copy2(os.path.join(here, f), os.path.join(folder, f))


class Root:
    """An install root; a subclass names other binaries (tests/windows/wineroot.py)."""
    LAUNCHER = LAUNCHER
    TESTAPP = TESTAPP
    EXE = ""  # the platform's executable suffix
    PREFIX = "bl-root-"

    def __init__(self, name_hint=""):
        self.path = tempfile.mkdtemp(prefix=self.PREFIX + name_hint)
        self.launcher = os.path.join(self.path, "bomiot-launcher" + self.EXE)
        install_launcher(self.LAUNCHER, self.path, os.path.basename(self.launcher))
        os.makedirs(os.path.join(self.path, "versions"))

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)

    def p(self, *parts):
        return os.path.join(self.path, *parts)

    def add_version(self, version, complete=True, exe=None, behaviour=()):
        folder = self.p("versions", version)
        write_test_app(folder, version, exe or "bomiot" + self.EXE, behaviour, self.TESTAPP)
        if complete:
            with open(os.path.join(folder, MARKER), "w") as f:
                json.dump({"version": version}, f)
        return folder

    def write_state(self, text_or_obj):
        with open(self.p("state.json"), "w") as f:
            f.write(text_or_obj if isinstance(text_or_obj, str) else json.dumps(text_or_obj))

    def read_state(self):
        with open(self.p("state.json")) as f:
            return json.load(f)

    def write_config(self, text_or_obj):
        with open(self.p("launcher.json"), "w") as f:
            f.write(text_or_obj if isinstance(text_or_obj, str) else json.dumps(text_or_obj))

    def interval_passed(self):
        """As if update_interval had passed since the last check: the next
        start checks (cache/last-check, launcher/start/checks.h)."""
        try:
            os.remove(self.p("cache", "last-check"))
        except FileNotFoundError:
            pass

    def log(self):
        try:
            with open(self.p("cache", "update.log"), encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def run(self, *args, env=None, cwd=None, timeout=30, **kw):
        full_env = dict(os.environ)
        for k in list(full_env):
            if k.startswith("BOMIOT_"):
                del full_env[k]
        full_env.update(env or {})
        return subprocess.run([self.launcher, *args], env=full_env, cwd=cwd or self.path,
                              capture_output=True, timeout=timeout, **kw)


def parse_report(path):
    """The test app's report: version, cwd, args (decoded from hex), env."""
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


def end_processes(procs):
    """Kills what is still running of procs (a test that stopped half-way),
    reaps every one and closes its pipes: for tearDown."""
    for p in procs:
        if p is None:
            continue
        if p.poll() is None:
            p.kill()
        p.wait()
        for stream in (p.stdin, p.stdout, p.stderr):
            if stream:
                stream.close()


def wait_for(predicate, timeout=10, what="a condition", poll=0.05):
    """Polls predicate until it returns something true, and returns that;
    fails the test after timeout seconds, naming what it waited for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
