#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/update: an update end to end, from starting the launcher to the new
app's first instruction, for a 1% change to a 300 MB app, by patch and by
full archive; where the time goes (the launcher logs metadata, download,
patch, verify, install (the one pass that gunzips or patches, hashes and
unpacks) and commit times) and the launcher's peak memory.
The floor it is compared with: reading and writing the app folder once
(cp -a and a sync, as the update ends with its own flush).

  bench/update/run.py [--size-mb 300] [--runs 3] [--keep] [--cold] [--only patch]
                      [--patch-format bsdiff40|zstd|both]

Builds a Release tree in build/bench (or $BL_BENCH_BUILD), the apps and the
repository in bench/out/update (gitignored). The raw record (bench/record.py:
commit, command, UTC start and end, machine, load, each floor copy and each
run's figures) goes to bench/results/<stamp>-update.txt; bench/table.py makes
RESULTS.md's table from it. --cold drops the page cache (root only: sync and
/proc/sys/vm/drop_caches) before each floor copy and each launcher run, so
both read the old tar / app folder from the disk. --patch-format is passed
to `bomiot-release add` (default both, add's own default, of which the
launcher takes the zstd patch; bsdiff40 measures the BSDIFF40 patch)."""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
BUILD = os.environ.get("BL_BENCH_BUILD") or os.path.join(SRC, "build", "bench")
OUT = os.path.join(SRC, "bench", "out", "update")
os.environ["BL_BUILD_DIR"] = BUILD
sys.path.insert(0, os.path.join(SRC, "bench"))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "server"))
from blrepo import APP, Publisher, seed_install  # noqa: E402
from blroot import Root  # noqa: E402
import record  # noqa: E402
from server import TestServer  # noqa: E402

FILE_MB = 1.5
PHASES = ("metadata", "download", "patch", "verify", "install", "commit")  # update.c's phase_names


def build():
    subprocess.run(["cmake", "-S", SRC, "-B", BUILD, "-DCMAKE_BUILD_TYPE=Release"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", BUILD, "-j2", "--target", "bomiot-launcher", "bomiot-release",
                    "bl-testapp"], check=True, stdout=subprocess.DEVNULL)


def text_block(rng, size):
    """Compressible, like Python sources and data: lines drawn from a vocabulary."""
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(2, 10)))
             for _ in range(2000)]
    lines = [b" ".join(rng.choice(words) for _ in range(rng.randint(3, 9))) + b"\n" for _ in range(4000)]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(lines)
    return bytes(out[:size])


def make_app(folder, size_mb, version, base=None):
    """size_mb of files, 3/5 incompressible (binaries), 2/5 text. A new
    version changes 1% of the bytes, scattered in a tenth of the files."""
    shutil.rmtree(folder, ignore_errors=True)
    if base:
        shutil.copytree(base, folder, symlinks=True)
    else:
        os.makedirs(folder)
        rng = random.Random(7)
        count = int(size_mb / FILE_MB)
        for i in range(count):
            sub = os.path.join(folder, "lib" if i % 5 < 3 else "src", f"d{i % 16}")
            os.makedirs(sub, exist_ok=True)
            size = int(FILE_MB * 1024 * 1024)
            data = rng.randbytes(size) if i % 5 < 3 else text_block(rng, size)
            with open(os.path.join(sub, f"f{i}.{'so' if i % 5 < 3 else 'py'}"), "wb") as f:
                f.write(data)
    shutil.copy2(os.path.join(BUILD, "tests", "bl-testapp"), os.path.join(folder, APP))
    with open(os.path.join(folder, "version.txt"), "w") as f:
        f.write(version + "\n")
    if base:
        rng = random.Random(version)
        files = sorted(os.path.join(d, n) for d, _, names in os.walk(folder) for n in names
                       if n.startswith("f"))
        budget = int(size_mb * 1024 * 1024 * 0.01)
        chosen = rng.sample(files, max(1, len(files) // 10))
        for path in chosen:
            with open(path, "r+b") as f:
                data = bytearray(f.read())
                for _ in range(budget // len(chosen) // 64):
                    at = rng.randrange(len(data) - 64)
                    data[at:at + 64] = rng.randbytes(64)
                f.seek(0)
                f.write(data)
    return folder


def timed(cmd, **kw):
    t = time.monotonic()
    subprocess.run(cmd, check=True, **kw)
    return time.monotonic() - t


def drop_caches():
    subprocess.run(["sync"], check=True)
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def floor_seconds(folder, cold=False):
    dst = folder + ".copy"
    shutil.rmtree(dst, ignore_errors=True)
    if cold:
        drop_caches()
    s = timed(["sh", "-c", f"cp -a '{folder}' '{dst}' && sync -f '{dst}'"])
    shutil.rmtree(dst)
    return s


def parse_phases(log):
    """'installed 1.1.0 in 1.57 s: metadata 0.01, download 0.03, verify 0.00, install 1.38, commit 0.00'"""
    for line in log.splitlines():
        if "installed 1.1.0 in" in line:
            head, _, rest = line.partition(" s: ")
            total = float(head.rsplit(" ", 1)[1])
            phases = {k: float(v) for k, v in (p.strip().split(" ") for p in rest.split(","))}
            return total, phases
    raise SystemExit("the launcher did not install 1.1.0:\n" + log)


def one_run(pub, server_url, incremental, cold=False):
    root = Root()
    try:
        seed_install(root, pub, "1.0.0")
        root.write_config({"update_url": server_url, "incremental_update": incremental, "healthy_seconds": 1})
        subprocess.run(["sync"], check=True)
        if cold:
            drop_caches()
        stamp = root.p("stamp.txt")
        env = dict(os.environ, BOMIOT_SPLASH="false")
        t0 = time.monotonic_ns()
        r = subprocess.run(["/usr/bin/time", "-f", "cpu_s=%U+%S maxrss_kb=%M", root.launcher, f"--stamp={stamp}"],
                           env=env, capture_output=True, text=True, timeout=1800)
        if r.returncode != 0:
            raise SystemExit(f"launcher failed: {r.stderr}\n{root.log()}")
        with open(stamp) as f:
            first_instruction = (int(f.read().split()[0]) - t0) / 1e9
        rss_mb = int(r.stderr.strip().rsplit("maxrss_kb=", 1)[1]) / 1024
        user, sys_s = r.stderr.strip().rsplit("cpu_s=", 1)[1].split()[0].split("+")
        total, phases = parse_phases(root.log())
        return {"end_to_end": first_instruction, "rss_mb": rss_mb, "cpu": float(user) + float(sys_s),
                "update": total, "load": f"{os.getloadavg()[0]:.2f}", **phases}
    finally:
        root.cleanup()


def cell(run, column):
    """A run's figure as the record keeps it: '-' for a phase it did not go through."""
    value = run.get(column)
    if value is None:
        return "-"
    return value if isinstance(value, str) else f"{value:.3f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=300)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="reuse bench/out/update if it is there")
    ap.add_argument("--cold", action="store_true", help="drop the page cache before each timed copy and run")
    ap.add_argument("--only", choices=("patch", "full archive"), help="one method only")
    ap.add_argument("--patch-format", choices=("bsdiff40", "zstd", "both"), default="both",
                    help="what bomiot-release add writes (both: the launcher takes the zstd patch)")
    args = ap.parse_args()
    build()
    rec = record.begin("update", sys.argv)
    os.makedirs(OUT, exist_ok=True)
    marker = os.path.join(OUT, f"ready-{args.size_mb}-{args.patch_format}")
    pub = Publisher(parent=OUT)
    if args.keep and os.path.exists(marker):
        shutil.rmtree(pub.dir)
        pub.dir = open(marker).read().strip()
        pub.repo, pub.keys = os.path.join(pub.dir, "repository"), os.path.join(pub.dir, "keystore")
    else:
        v1 = make_app(os.path.join(OUT, "app-1.0.0"), args.size_mb, "1.0.0")
        v2 = make_app(os.path.join(OUT, "app-1.1.0"), args.size_mb, "1.1.0", base=v1)
        pub.init()
        t_add1 = timed([os.path.join(BUILD, "tools", "bomiot-release"), "--repo", pub.repo, "--keys", pub.keys,
                        "add", v1, "1.0.0"], stdout=subprocess.DEVNULL)
        t_add2 = timed([os.path.join(BUILD, "tools", "bomiot-release"), "--repo", pub.repo, "--keys", pub.keys,
                        "add", v2, "1.1.0", "--patch-format", args.patch_format])
        print(f"bomiot-release add: first release {t_add1:.1f} s, second (with patch) {t_add2:.1f} s")
        record.note(rec, "bomiot-release add s", f"{t_add1:.1f} (first release), {t_add2:.1f} (second, with patch)")
        with open(marker, "w") as f:
            f.write(pub.dir)
    archive = os.path.getsize(pub.archive("1.1.0"))
    # the patch the launcher takes: the zstd one when listed (update.c's rule)
    taken = pub.zpatch("1.1.0") if os.path.exists(pub.zpatch("1.1.0")) else pub.patch("1.1.0")
    patch = os.path.getsize(taken)
    app_dir = os.path.join(OUT, "app-1.1.0")
    floors = [floor_seconds(app_dir, args.cold) for _ in range(args.runs)]
    floor = statistics.median(floors)
    print(f"app {args.size_mb} MB; archive {archive / 2**20:.1f} MB; patch {patch / 2**20:.2f} MB "
          f"({os.path.basename(taken)}); "
          f"floor (cp -a + sync{', cold cache' if args.cold else ''}) {floor:.2f} s; "
          f"load {os.getloadavg()[0]:.2f}; build {BUILD}")
    for key, value in (("app MB", args.size_mb), ("archive bytes", archive), ("patch bytes", patch),
                       ("patch taken", os.path.basename(taken)), ("add --patch-format", args.patch_format),
                       ("page cache", "cold" if args.cold else "warm")):
        record.note(rec, key, value)
    record.append(rec, "floor", "seconds\n" + "".join(f"{s:.3f}\n" for s in floors))
    columns = ("method", "end_to_end", "update", *PHASES, "rss_mb", "cpu_s", "load")
    rows = ["\t".join(columns) + "\n"]
    with TestServer(pub.repo) as server:
        for name, incremental in (("patch", True), ("full archive", False)):
            if args.only and args.only != name:
                continue
            runs = [one_run(pub, server.url, incremental, args.cold) for _ in range(args.runs)]
            for r in runs:
                rows.append("\t".join(cell(dict(r, method=name, cpu_s=r["cpu"]), c) for c in columns) + "\n")
            # The launcher names only the phases an update went through.
            keys = set().union(PHASES, *runs) - {"load"}
            med = {k: statistics.median(r.get(k, 0.0) for r in runs) for k in keys}
            local = med["update"] - med["download"] - med["metadata"]
            print(f"| {name} | {med['end_to_end']:.2f} | {med['metadata']:.2f} | {med['download']:.2f} | "
                  f"{med['patch']:.2f} | {med['verify']:.2f} | {med['install']:.2f} | {med['commit']:.2f} | "
                  f"{local:.2f} ({local / floor:.2f}x floor) | {med['rss_mb']:.1f} | {med['cpu']:.2f} | "
                  f"load {os.getloadavg()[0]:.2f}")
    record.append(rec, "runs", "".join(rows))
    record.end(rec)
    print(f"record: {os.path.relpath(rec, SRC)} (table: bench/table.py {os.path.relpath(rec, SRC)})")


if __name__ == "__main__":
    main()
