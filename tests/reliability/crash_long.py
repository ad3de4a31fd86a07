#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The long mode of the crash-consistency campaign (issue 9).

  BL_BUILD_DIR=build/gcc nice tests/reliability/crash_long.py --runs 1000 --mb 100
  BL_BUILD_DIR=build/gcc sudo -E tests/reliability/crash_long.py --power-loss --runs 300 --mb 8

Each run publishes nothing new: one repository (1.0.0 and 1.1.0 of an app
whose data.bin is --mb MB of random bytes) is served for the whole campaign;
every run copies a pristine install of 1.0.0, starts the update, kills the
launcher with SIGKILL after a random delay (uniform over 1.15x the measured
duration of an uninterrupted update, patch and full-archive paths taken at
random) and starts it again; see crashkit.py for what is checked.
--power-loss does the same on a loop-mounted ext4 image, snapshotted at the
kill (powerloss.py). --preload LIB runs the cut launcher under LD_PRELOAD
(the negative control, nosync.c). --minutes stops early (counts printed
so far are the result). Exit status 1 when any run broke a promise."""
import argparse
import collections
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import crashkit  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--mb", type=float, default=100, help="size of the app's data.bin in MB")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--minutes", type=float, default=None, help="stop after this long")
    ap.add_argument("--power-loss", action="store_true")
    ap.add_argument("--preload", default=None, help="LD_PRELOAD for the cut run (power loss only)")
    ap.add_argument("--keep-failed", default=None, help="move roots that broke a promise here")
    ap.add_argument("--workdir", default=None, help="where roots are made (default: the system's temp)")
    a = ap.parse_args()

    seed = a.seed if a.seed is not None else random.SystemRandom().randrange(1 << 30)
    rng = random.Random(seed)
    started = time.monotonic()
    scenario = crashkit.Scenario(int(a.mb * (1 << 20)), workdir=a.workdir)
    phases, outcomes, failures = collections.Counter(), collections.Counter(), []
    done = 0
    try:
        if a.power_loss:
            import powerloss
            why = powerloss.available()
            if why:
                print(f"power loss cannot be simulated here: {why}", file=sys.stderr)
                return 2
            pl = powerloss.PowerLoss(scenario, image_mb=max(160, int(6 * a.mb) + 128))  # 1.0.0 and its tar, the check's need
            print(f"uninterrupted update on the image: {pl.measure():.3f} s", flush=True)
            env = {"LD_PRELOAD": os.path.abspath(a.preload)} if a.preload else None
        else:
            print("uninterrupted update (patch, full archive): "
                  + ", ".join(f"{d:.3f} s" for d in scenario.measure().values()), flush=True)
        if a.keep_failed:
            os.makedirs(a.keep_failed, exist_ok=True)
        for i in range(a.runs):
            if a.minutes and time.monotonic() - started > a.minutes * 60:
                break
            try:
                if a.power_loss:
                    run = pl.cut_once(rng, cut_env=env, keep_failed=a.keep_failed)
                    if run is None:
                        continue  # a torn snapshot, counted in pl.torn
                    outcomes[json.dumps(run["after"], sort_keys=True)] += 1
                else:
                    run = scenario.kill_once(rng, keep_failed=a.keep_failed)
                phases[run["phase"] if run["killed"] else "finished before the kill"] += 1
            except crashkit.Violation as v:
                failures.append(str(v))
                print(f"run {i}: VIOLATION {v}", flush=True)
            done += 1
            if done % 50 == 0:
                print(f"{done} runs, {len(failures)} broke a promise, {time.monotonic() - started:.0f} s", flush=True)
    finally:
        scenario.cleanup()
    print(json.dumps({
        "mode": "power loss" if a.power_loss else "SIGKILL",
        "preload": a.preload, "mb": a.mb, "seed": seed, "runs": done,
        "survived": done - len(failures), "broke_a_promise": len(failures),
        "torn_snapshots_discarded": pl.torn if a.power_loss else None,
        "killed_in_phase": dict(phases), "state_after_cut": dict(outcomes) if a.power_loss else None,
        "seconds": round(time.monotonic() - started, 1),
        "load": os.getloadavg(),
    }, indent=1))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
