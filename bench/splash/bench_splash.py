# SPDX-License-Identifier: Apache-2.0
"""bench/splash (run through run.sh). Two figures, each over RUNS runs:

first frame: bl-splash-driver, which opens the splash exactly as the
launcher does (bl_splash_run: the worker starts; when it has not ended
within BL_SPLASH_GRACE_MS the window opens and presents its first frame),
with a worker that blocks until the frame is there, reports uv_hrtime()
right after the first SDL_RenderPresent; subtracted from CLOCK_MONOTONIC
read just before the spawn, that is what a user waits for the window
(process start, dynamic linking, the grace, SDL and X11 start-up, image and
font, first frame). The present is synchronous on X11 (SDL's framebuffer
update ends in XSync), so the frame is on the server when the stamp is
taken.

launch overhead: bench-launch (bench/launch) times spawn -> the app's first
instruction for two installations seeded with 1.0.0 from a signed repository
(bomiot-release init/add) on a local testserver where 1.0.0 is the newest:
each launch does the real check at launch (root, timestamp, snapshot,
targets; nothing to install) with the splash on, and with splash false. The
runs alternate so drift hits both alike. The app started directly is shown
for scale."""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "server"))
from blrepo import Publisher, seed_install  # noqa: E402
from blroot import BUILD, Root  # noqa: E402
from server import TestServer  # noqa: E402
import record  # noqa: E402
import test_splash_xvfb as sx  # noqa: E402

BENCH_LAUNCH = os.path.join(BUILD, "bench", "launch", "bench-launch")


def summary(values_ms):
    v = sorted(values_ms)
    return (f"min {v[0]:7.1f}  median {statistics.median(v):7.1f}  "
            f"p90 {v[len(v) * 9 // 10]:7.1f}  max {v[-1]:7.1f} ms  ({len(v)} runs)")  # bench-launch's p90


# The first frame in each language the splash speaks (issue 28): English
# draws with the bundled DejaVu Sans; Chinese asks fontconfig for a font
# with the line's characters and opens it (fonts-wqy-microhei here).
FIRST_FRAME_VARIANTS = {
    "en": ["--language", "en"],
    "zh_CN": ["--language", "zh_CN", "--display-name", "Bomiot \u4ed3\u50a8\u7ba1\u7406"],
}


def one_first_frame(x, args):
    gate = tempfile.mkdtemp(prefix="bl-bench-gate-")
    state = os.path.join(gate, "state")
    start = time.monotonic_ns()
    proc = subprocess.Popen([sx.DRIVER, "--root", os.path.join(BUILD, "launcher"), "--mode", "block",
                             "--gate", gate, "--state", state, *args], env=x.env, stdout=subprocess.PIPE, text=True)
    sx.wait_for(lambda: os.path.exists(state), timeout=30, what="the first frame")
    open(os.path.join(gate, "go-blocked"), "w").close()
    out = proc.communicate(timeout=60)[0]
    shutil.rmtree(gate, ignore_errors=True)
    m = re.search(r"start_ns=(\d+) first_frame_ns=(\d+)", out)
    if not m or int(m.group(2)) == 0:
        raise SystemExit(f"no first frame: {out!r}")
    return (int(m.group(2)) - start) / 1e6, (int(m.group(2)) - int(m.group(1))) / 1e6


def first_frame(x, runs):
    """{variant: (from_spawn, from_main)}, the variants alternating run by
    run so drift hits each alike; one warm-up round."""
    got = {name: ([], []) for name in FIRST_FRAME_VARIANTS}
    for _ in range(runs + 1):
        for name, args in FIRST_FRAME_VARIANTS.items():
            spawn, main_ = one_first_frame(x, args)
            got[name][0].append(spawn)
            got[name][1].append(main_)
    return {name: (spawn[1:], main_[1:]) for name, (spawn, main_) in got.items()}


def overhead(x, runs):
    pub = Publisher()
    roots = {}
    server = None
    try:
        pub.init()
        pub.add("1.0.0")
        server = TestServer(pub.repo)
        for name, splash in (("splash-on", True), ("splash-off", False)):
            root = roots[name] = Root()
            seed_install(root, pub, "1.0.0")
            root.write_state({"current": "1.0.0"})
            root.write_config({"update_url": server.url, "update_interval": 0, "splash": splash})
            os.makedirs(root.p("resources"), exist_ok=True)
            for f in ("DejaVuSans.ttf", "splash.png"):
                subprocess.run(["cp", os.path.join(sx.RESOURCES, f), root.p("resources", f)], check=True)
        env = {k: v for k, v in x.env.items() if not k.startswith("BOMIOT_")}
        r = subprocess.run([BENCH_LAUNCH, str(runs),
                            *(f"{n}={roots[n].launcher}" for n in roots),
                            f"direct={roots['splash-on'].p('versions', '1.0.0', 'bomiot')}"],
                           env=env, capture_output=True, text=True, timeout=3600)
        if r.returncode != 0:
            raise SystemExit(r.stderr)
        log = roots["splash-on"].log()
        checks = log.count(" update: checking ")
        nothing = len(re.findall(r"update: .*(newest|up to date|nothing)", log))
        return r.stdout, checks, nothing, log.splitlines()[-6:]
    finally:
        if server:
            server.stop()
        for root in roots.values():
            root.cleanup()
        pub.cleanup()


def main():
    """bench_splash.py RUNS RECORD: prints the figures and adds them to
    RECORD (bench/record.py), each first frame and bench-launch's output."""
    runs = int(sys.argv[1])
    rec = sys.argv[2]
    x = sx.Xvfb()
    try:
        for name, (spawn, main_) in first_frame(x, runs).items():
            print(f"first frame {name:5}, from spawn:  ", summary(spawn))
            print(f"first frame {name:5}, from main(): ", summary(main_))
            record.append(rec, "first frame" if name == "en" else f"first frame {name}",
                          "from_spawn_ms\tfrom_main_ms\n" + "".join(f"{a:.3f}\t{b:.3f}\n" for a, b in zip(spawn, main_)))
        table, checks, nothing, tail = overhead(x, runs)
        print(table, end="")
        print(f"(splash-on log: {checks} checks at launch, {nothing} ended with nothing to install; last lines:)")
        for line in tail:
            print("   ", line)
        record.append(rec, "bench-launch", table)
        record.note(rec, "checks at launch", checks)
        record.note(rec, "nothing to install", nothing)
    finally:
        x.stop()


if __name__ == "__main__":
    main()
