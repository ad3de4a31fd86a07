# SPDX-License-Identifier: Apache-2.0
"""Talk to the Bomiot launcher that started this app.

Copy this one file into your app (standard library only, Python 3.8+). The
launcher that starts your app tells it where it is through environment
variables (BOMIOT_LAUNCHER, BOMIOT_APP_VERSION, ...); this module runs that
launcher's commands for you and turns their answers into Python values:

    import bomiot_launcher as bl

    bl.status()                 # what is installed, running, staged (a dict)
    bl.check(progress=print)    # check for an update now and stage it
    bl.update_ready()           # "1.2.0" when an update waits for a restart
    bl.restart_to_update()      # quit and come back as that version
    bl.confirm_healthy()        # "this new version works": no rollback

Every call that runs the launcher takes launcher=PATH for an app started
some other way (a test, a script run by hand); without it, and without
BOMIOT_LAUNCHER in the environment, it raises NotLaunched. Failures are
exceptions derived from LauncherError, whose message says what went wrong
and what to do. docs/app-integration.md has complete examples.
"""
import json
import os
import subprocess
import sys
import tempfile

__all__ = [
    "API_VERSION", "CheckResult", "LauncherError", "NotLaunched", "Busy", "CheckFailed", "NothingStaged",
    "launched_by_launcher", "launcher_path", "status", "check", "update_ready", "restart_to_update",
    "confirm_healthy",
]

API_VERSION = 1
"""The version of the launcher contract this module speaks (BOMIOT_LAUNCHER_API)."""

DEFAULT_RESTART_EXIT_CODE = 85

# --check's exit codes (docs/app-integration.md)
_CHECK_STATES = {0: "up-to-date", 10: "staged", 12: "available"}
_CHECK_FAILED = 1
_CHECK_BUSY = 11


class LauncherError(Exception):
    """A launcher command failed. .exit_code is the launcher's exit status
    (None when it could not be run at all); str(error) says what went wrong
    and what to do."""

    def __init__(self, message, exit_code=None):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class NotLaunched(LauncherError):
    """The app was not started by the launcher (no BOMIOT_LAUNCHER in the
    environment) and no launcher=PATH was given."""


class Busy(LauncherError):
    """Another launcher is updating this installation (exit 11): try again
    in a moment."""


class CheckFailed(LauncherError):
    """The update check failed (exit 1): offline, the server down, a
    release that did not verify. The message is a sentence for the user."""


class NothingStaged(LauncherError):
    """restart_to_update() was called with no update staged: call
    update_ready() or check() first."""


class CheckResult:
    """What check() found. .state is "up-to-date" (.version: the installed
    version), "staged" (.version: the update, installed and waiting for a
    restart) or "available" (auto_update is off: .version was found but not
    downloaded)."""

    __slots__ = ("state", "version")

    def __init__(self, state, version):
        self.state = state
        self.version = version

    def __repr__(self):
        return "CheckResult(state=%r, version=%r)" % (self.state, self.version)

    def __eq__(self, other):
        return isinstance(other, CheckResult) and (self.state, self.version) == (other.state, other.version)


def launched_by_launcher():
    """True when the launcher started this process (BOMIOT_LAUNCHER is set)."""
    return bool(os.environ.get("BOMIOT_LAUNCHER"))


def launcher_path(launcher=None):
    """The launcher executable to run: launcher if given, else
    BOMIOT_LAUNCHER. Raises NotLaunched without either, and LauncherError
    when the launcher speaks a contract this module does not."""
    if launcher:
        return os.fspath(launcher)
    path = os.environ.get("BOMIOT_LAUNCHER")
    if not path:
        raise NotLaunched("this app was not started by bomiot-launcher (BOMIOT_LAUNCHER is not set): "
                          "start it through the launcher, or pass launcher=PATH")
    api = os.environ.get("BOMIOT_LAUNCHER_API", str(API_VERSION))
    if api != str(API_VERSION):
        raise LauncherError("the launcher speaks app API %s and this bomiot_launcher.py speaks %d: "
                            "ship the bomiot_launcher.py that matches the launcher" % (api, API_VERSION))
    return path


def _tail(text, limit=2000):
    text = text.strip()
    return text if len(text) <= limit else "..." + text[-limit:]


def _run(launcher, args, timeout):
    """Runs the launcher with args: (exit code, stdout text, stderr text)."""
    path = launcher_path(launcher)
    try:
        r = subprocess.run([path] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except OSError as e:
        raise LauncherError("cannot run the launcher %s: %s" % (path, e.strerror or e)) from e
    except subprocess.TimeoutExpired as e:
        raise LauncherError("the launcher %s did not answer %s within %s s" % (path, " ".join(args), timeout)) from e
    return (r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace"))


def status(launcher=None, timeout=30):
    """The installation's state: the object `bomiot-launcher --status --json`
    prints (schema 1: "current", "running", "installed", "trial", "staged",
    "check", "last_check", ...; see docs/app-integration.md). It only reads:
    it never waits on a check or a download in progress.

    Raises LauncherError (its .exit_code 125 or 127) when the launcher's
    folder is not an installation or nothing is installed."""
    code, out, err = _run(launcher, ["--status", "--json"], timeout)
    try:
        obj = json.loads(out)
    except ValueError:
        obj = None
    if not isinstance(obj, dict):
        raise LauncherError("bomiot-launcher --status --json exited with %d and printed no JSON object: %s"
                            % (code, _tail(err) or "(nothing on stderr)"), code)
    if code != 0 or "error" in obj:
        raise LauncherError(str(obj.get("error") or _tail(err) or "bomiot-launcher --status failed (%d)" % code),
                            code)
    return obj


def _staged_version(st):
    staged = st.get("staged")
    return staged.get("version") if isinstance(staged, dict) else None


def check(progress=None, launcher=None, timeout=None):
    """Checks for an update now, whatever the update interval, and stages
    what it finds (downloads and installs it beside the running version; it
    never switches: restart_to_update() or the next start does). If the
    launcher running this app is checking already, this joins that check.

    progress(event) is called with each event as a dict, in order, the
    final one included: {"event": "checking"}, {"event": "found",
    "version": ..., "current": ...}, {"event": "downloading", "version":
    ..., "bytes": ..., "total": ..., "rate": ...} (at most 4 a second),
    {"event": "applying" | "verifying" | "installing", "version": ...}, then
    "up-to-date", "staged", "available", "failed" or "busy". It runs in the
    calling thread: a GUI app calls check() from a worker thread and hands
    the events to its main loop.

    Returns a CheckResult. Raises CheckFailed (exit 1: offline, server
    down, a release that did not verify, this version still on trial
    (confirm_healthy() first); the message is for the user),
    Busy (exit 11: another launcher is updating this installation; try
    again in a moment), or LauncherError (anything else)."""
    path = launcher_path(launcher)
    final = None
    with tempfile.TemporaryFile() as errors:  # a file, so stderr never blocks the child while we read stdout
        try:
            proc = subprocess.Popen([path, "--check", "--json"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=errors)
        except OSError as e:
            raise LauncherError("cannot run the launcher %s: %s" % (path, e.strerror or e)) from e
        try:
            for raw in proc.stdout:
                try:
                    event = json.loads(raw.decode("utf-8", "replace"))
                except ValueError:
                    continue  # not an event line: ignored, as later launchers may add output
                if not isinstance(event, dict) or "event" not in event:
                    continue
                final = event
                if progress is not None:
                    progress(event)
            code = proc.wait(timeout=timeout)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            proc.stdout.close()
        errors.seek(0)
        err = errors.read().decode("utf-8", "replace")
    name = final.get("event") if final else None
    message = (final or {}).get("error") or _tail(err)
    if code in _CHECK_STATES:
        return CheckResult(_CHECK_STATES[code], (final or {}).get("version"))
    if code == _CHECK_BUSY:
        raise Busy(message or "another bomiot-launcher is updating this installation; try again in a moment", code)
    if code == _CHECK_FAILED:
        raise CheckFailed(message or "the update check failed (see the launcher's cache/update.log)", code)
    raise LauncherError("bomiot-launcher --check exited with %d%s: %s"
                        % (code, " after %r" % name if name else "", message or "(no message)"), code)


def update_ready(launcher=None):
    """The version staged for the next start or a restart, or None. Asks
    the launcher's --status; if that fails, reads the ready file the
    launcher writes (BOMIOT_UPDATE_READY_FILE), so it works for an app run
    by an older launcher too."""
    try:
        return _staged_version(status(launcher))
    except NotLaunched:
        raise
    except LauncherError:
        pass
    ready = os.environ.get("BOMIOT_UPDATE_READY_FILE")
    try:
        with open(ready, encoding="utf-8") as f:
            return f.readline().strip() or None
    except (OSError, TypeError):
        return None


def restart_to_update(exit=True, launcher=None, args=None):
    """Quits the app so that it starts again at once as the staged version,
    with the same arguments.

    Supervise mode (BOMIOT_LAUNCH_MODE=supervise, the default): the app's
    exit code BOMIOT_RESTART_EXIT_CODE asks the launcher waiting for it to
    switch and restart. With exit=True this calls sys.exit(code) (so
    finally blocks and atexit handlers run; from the main thread, as
    sys.exit ends only the thread it is called in); with exit=False it
    returns the code, for a GUI app to end its own event loop with
    (app.exit(code)) and then leave its main with it.

    Exec mode (the launcher is gone) or an app not started by a launcher
    (launcher=PATH given): it starts `launcher --restart-after PID -- ARGS`
    detached, which waits for this process to end, switches and starts the
    app with ARGS (default sys.argv[1:]); then exits 0, or returns 0.

    Raises NothingStaged when no update is staged (nothing to restart
    into), and LauncherError when the launcher cannot be asked."""
    path = launcher_path(launcher)
    st = status(path)
    if not _staged_version(st):
        raise NothingStaged("no update is staged to restart into (the installed version %s is the newest here): "
                            "check update_ready() or check() before offering a restart" % st.get("current"))
    if os.environ.get("BOMIOT_LAUNCH_MODE") == "supervise":
        try:
            code = int(os.environ.get("BOMIOT_RESTART_EXIT_CODE", DEFAULT_RESTART_EXIT_CODE))
        except ValueError:
            code = DEFAULT_RESTART_EXIT_CODE
    else:
        _spawn_detached([path, "--restart-after", str(os.getpid()), "--"]
                        + list(sys.argv[1:] if args is None else args))
        code = 0
    if exit:
        sys.exit(code)
    return code


def _spawn_detached(argv):
    """Starts argv so that it outlives this process: its own session on
    POSIX, no console and its own process group on Windows."""
    kw = {"stdin": subprocess.DEVNULL, "close_fds": True}
    if os.name == "nt":
        kw["creationflags"] = 0x00000008 | 0x00000200  # DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP
    else:
        kw["start_new_session"] = True
    try:
        subprocess.Popen(argv, **kw)
    except OSError as e:
        raise LauncherError("cannot run the launcher %s: %s" % (argv[0], e.strerror or e)) from e


def confirm_healthy():
    """Tells the launcher that this version works, so a new version on
    trial is confirmed now rather than after healthy_seconds (and is not
    rolled back if the app later crashes). Call it once the app is usable:
    its main window open, its server answering. Harmless when not on trial.

    Returns True when the health file was written, False when the app was
    not started by a launcher (nothing to tell). Raises LauncherError when
    the file cannot be written."""
    path = os.environ.get("BOMIOT_HEALTH_FILE")
    if not path:
        return False
    try:
        with open(path, "a"):
            pass
    except OSError as e:
        raise LauncherError("cannot write the health file %s: %s (is the installation's cache/ folder writable?)"
                            % (path, e.strerror or e)) from e
    return True
