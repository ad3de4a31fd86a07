#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A Python app on sdk/python/bomiot_launcher.py, the twin of sdk_app.c: the
same arguments, the same report (see there). tests/integration/test_app_sdk.py
installs it as versions/<v>/bomiot with its own interpreter on the first
line; BL_SDK_PYTHON names the folder of the module (the launcher passes the
environment on to the app)."""
import json
import os
import sys
import time

sys.path.insert(0, os.environ["BL_SDK_PYTHON"])
import bomiot_launcher as bl  # noqa: E402

REPORT = None


def report(line):
    if REPORT:
        with open(REPORT, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def report_error(e):
    message = e.message.replace("\n", " ").replace("\r", " ")
    report(f"error={type(e).__name__} {-1 if e.exit_code is None else e.exit_code} {message}")


def act(action, launcher):
    """Does one action; returns None to go on, or the code to exit with."""
    try:
        if action == "status":
            st = bl.status(launcher)
            staged = st.get("staged") or {}
            report(f"status.current={st.get('current') or ''}")
            report(f"status.staged={staged.get('version', '')}")
            report(f"status.staged_size={staged.get('size', -1)}")
            report(f"status.running={(st.get('running') or {}).get('version', '')}")
            report(f"status.trial={(st.get('trial') or {}).get('version', '')}")
        elif action == "wait-ready":
            version = None
            for _ in range(600):
                version = bl.update_ready(launcher)
                if version:
                    break
                time.sleep(0.1)
            report(f"ready={version or ''}")
        elif action == "ready":
            report(f"ready={bl.update_ready(launcher) or ''}")
        elif action == "check":
            result = bl.check(progress=lambda event: report("event=" + json.dumps(event)), launcher=launcher)
            report(f"check={result.state} {result.version or ''}")
        elif action == "restart":
            code = bl.restart_to_update(exit=False, launcher=launcher)
            report(f"restart={code}")
            return code
        elif action == "confirm":
            report(f"confirmed={int(bl.confirm_healthy())}")
        elif action == "hold":
            report("holding=1")
            while not os.path.exists(REPORT + ".go"):
                time.sleep(0.05)
        elif action.startswith("exit-"):
            return int(action[5:])
        else:
            report(f"error=usage 2 unknown action {action}")
    except bl.LauncherError as e:
        report_error(e)
    return None


def main():
    global REPORT
    here = os.path.dirname(os.path.abspath(sys.argv[0]))
    try:
        with open(os.path.join(here, "version.txt")) as f:
            version = f.readline().strip()
    except OSError:
        version = "unknown"
    launcher, actions = None, []
    for arg in sys.argv[1:]:
        if arg.startswith("--report="):
            REPORT = arg[len("--report="):]
        elif arg.startswith("--launcher="):
            launcher = arg[len("--launcher="):]
        elif arg.startswith(f"--on={version}:"):
            actions = arg[len(f"--on={version}:"):].split(",")
    report(f"version={version}")
    for i, arg in enumerate(sys.argv):
        report(f"arg{i}=" + os.fsencode(arg).hex())
    for key in sorted(os.environ):
        if key.startswith("BOMIOT_"):
            report(f"env={key}={os.environ[key]}")
    report(f"launched={int(bl.launched_by_launcher())}")
    for action in actions:
        code = act(action, launcher)
        if code is not None:
            report(f"exiting={code}")
            return code
    report("exiting=0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
