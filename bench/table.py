#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/table.py: bench/RESULTS.md's tables, made from the raw records the
runners keep in bench/results/ (bench/record.py), never typed by hand.

  bench/table.py RECORD            the tables of one run, between the markers
                                   RESULTS.md keeps them in
  bench/table.py --check [FILE]    every table in FILE (default bench/RESULTS.md)
                                   equals what this tool makes of its record;
                                   exit status 1 and a diff when one does not
  bench/table.py --write [FILE]    makes them again in place

In RESULTS.md a tool-made table sits between '<!-- table: RECORD -->' and
'<!-- end table -->'; what is outside those markers is prose, and the
tables marked "typed by hand" are history whose raw output was not kept.
Each run's tables are headed with its commit, its command, its UTC start and
end, the machine and the load, all read from the record."""
import difflib
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, ".."))
RESULTS_MD = os.path.join(HERE, "RESULTS.md")
BEGIN = re.compile(r"^<!-- table: (\S+) -->$")
END = "<!-- end table -->"


class RecordError(Exception):
    pass


class Record:
    """A parsed record: meta holds the '# key: value' lines (the first of
    each key), sections the raw text under each '[name]' line."""

    def __init__(self, path):
        self.path = path
        self.meta, self.sections = {}, {}
        section = None
        with open(os.path.join(SRC, path), encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^# ([^:]+): (.*)$", line.rstrip("\n"))
                if m:
                    self.meta.setdefault(m.group(1), m.group(2))
                elif re.match(r"^\[[^\]]+\]$", line.rstrip("\n")):
                    section = line.strip()[1:-1]
                    self.sections[section] = ""
                elif section is not None:
                    self.sections[section] += line
                elif line.strip():
                    raise RecordError(f"{path}: a line before any section: {line.strip()!r}")
        for key in ("bench", "commit", "dirty", "command", "start", "machine", "load at start"):
            if key not in self.meta:
                raise RecordError(f"{path}: no '# {key}:' line: not a record of bench/record.py")
        if "end" not in self.meta:
            raise RecordError(f"{path}: no '# end:' line: the run did not finish")

    def tsv(self, section):
        """The rows of a tab-separated section, as dicts by its first line."""
        if section not in self.sections:
            raise RecordError(f"{self.path}: no [{section}] section")
        lines = [line for line in self.sections[section].splitlines() if line.strip()]
        if not lines:
            return []
        names = lines[0].split("\t")
        rows = []
        for line in lines[1:]:
            cells = line.split("\t")
            if len(cells) != len(names):
                raise RecordError(f"{self.path}: [{section}]: {len(cells)} cells where the first line "
                                  f"names {len(names)}: {line!r}")
            rows.append(dict(zip(names, cells)))
        return rows


def heading(rec):
    """The line that says which run a table comes from."""
    m = rec.meta
    start, end = m["start"], m["end"]
    span = f"{start[:10]} {start[11:19]} to {end[11:19] if end[:10] == start[:10] else end[:10] + ' ' + end[11:19]} UTC"
    tree = {"no": "as committed", "unknown": "unknown"}.get(m["dirty"], f"with uncommitted changes: {m['dirty'][5:-1]}")
    return (f"Run of `{m['command']}` at {m['commit'][:7]} (tree {tree}), {span}; "
            f"{m['machine']}; load {m['load at start']} at start, {m.get('load at end', '?')} at end. "
            f"Raw output: {rec.path}.")


def number(text):
    return float(text.lstrip(">"))


def mib(kib):
    """GNU time's %M is in KiB."""
    return "-" if kib in ("-", "") else f"{int(kib) / 1024:.1f}"


def median_p90(values):
    """Median and the 90th percentile as bench-launch takes it (the value
    at index n*9/10 of the sorted samples)."""
    v = sorted(values)
    return statistics.median(v), v[len(v) * 9 // 10]


# --- delta: bench/delta/run.sh ---------------------------------------------

TOOLS = {"ours": "ours", "ours-zstd": "ours, zstd format", "hdiffz-bsd": "hdiffz -BSD",
         "hdiffz-zstd": "hdiffz -SD zstd", "bsdiff": "bsdiff 4.3", "xdelta3": "xdelta3 -9", "zstd": "zstd -19"}
GOALS = (  # ours / bsdiff 4.3 in the same run: column, label, limit per case (None: all cases)
    ("diff_s", "diff time", {"esbuild": 0.25, "biome": 0.10}),
    ("patch_bytes", "patch size", 0.93),
    ("diff_peak_kb", "diff peak memory", 0.6),
    ("apply_s", "apply time", 0.7),
)
GOAL_CASES = ("esbuild", "biome", "app")  # the cases issue 3 set them on (not issue 25's text and near)


def delta_tables(rec):
    rows = rec.tsv("runs")
    out = ["| case | tool | old -> new MB | diff s | diff peak MiB | patch bytes | apply s | apply peak MiB | load | check |",
           "|------|------|--------------:|-------:|--------------:|------------:|--------:|---------------:|-----:|-------|"]
    for r in rows:
        sizes = f"{int(r['old_bytes']) / 1e6:.1f} -> {int(r['new_bytes']) / 1e6:.1f}"
        out.append(f"| {r['case']} | {TOOLS.get(r['tool'], r['tool'])} | {sizes} | {r['diff_s']} | "
                   f"{mib(r['diff_peak_kb'])} | {r['patch_bytes']} | {r['apply_s']} | {mib(r['apply_peak_kb'])} | "
                   f"{r['load']} | {r['status']} |")
    goals = []
    for case in dict.fromkeys(r["case"] for r in rows):
        ours = [r for r in rows if r["case"] == case and r["tool"] == "ours" and r["status"] == "ok"]
        theirs = [r for r in rows if r["case"] == case and r["tool"] == "bsdiff"]
        if len(ours) == 1 and len(theirs) == 1 and case in GOAL_CASES:  # a ratio needs one of each
            goals += ratio_goals(case, ours[0], theirs[0])
        for r in ours:
            peak = int(r["apply_peak_kb"]) / 1024
            goals.append(f"| {case} | apply peak < 64 MiB | {peak:.1f} MiB | {'yes' if peak < 64 else 'NO'} |")
            if case == "big":
                s = number(r["diff_s"])
                goals.append(f"| {case} | 500 MB tar diffs in < 2 min | {s:.1f} s | {'yes' if s < 120 else 'NO'} |")
        for r in rows:  # issue 25: the zstd format's apply too, whatever the size
            if r["case"] == case and r["tool"] == "ours-zstd" and r["status"] == "ok":
                peak = int(r["apply_peak_kb"]) / 1024
                goals.append(f"| {case} | zstd format: apply peak < 64 MiB | {peak:.1f} MiB | "
                             f"{'yes' if peak < 64 else 'NO'} |")
    if goals:
        out += ["", "| case | goal (ratios: ours / bsdiff 4.3 in this run) | measured | met? |",
                "|------|------|------:|------|"] + goals
    return out + hdiffpatch_ratios(rows)


def ratio_goals(case, a, b):
    """The issue's goals for ours (A) against bsdiff 4.3 (B) on one case."""
    goals = []
    for key, label, limit in GOALS:
        lim = limit.get(case) if isinstance(limit, dict) else limit
        if lim is None:
            continue
        if a[key] in ("-", "") or b[key] in ("-", ""):
            goals.append(f"| {case} | {label} <= {lim} | n/a | n/a |")
        elif b[key].startswith(">"):  # bsdiff 4.3 cut off: the ratio is at most this
            ratio = number(a[key]) / number(b[key])
            met = "yes (bsdiff 4.3 cut off)" if ratio <= lim else "cannot tell (bsdiff 4.3 cut off)"
            goals.append(f"| {case} | {label} <= {lim} | < {ratio:.3f} | {met} |")
        else:
            ratio = number(a[key]) / number(b[key])
            goals.append(f"| {case} | {label} <= {lim} | {ratio:.3f} | {'yes' if ratio <= lim else 'NO'} |")
    return goals


# Issue 25: ours against HDiffPatch, each format against its peer's, as
# ratios of the same run; the goals: (column, limit, the cases it holds for,
# None: every case). The zstd format's apply peak is in the table above.
HDIFFPATCH_PAIRS = (
    ("ours", "hdiffz-bsd", "ours / hdiffz -BSD",
     (("patch_bytes", 1.0, None), ("diff_s", 1.0, None), ("diff_peak_kb", 1.0, None))),
    ("ours-zstd", "hdiffz-zstd", "ours zstd / hdiffz zstd",
     (("patch_bytes", 0.95, ("esbuild", "biome")), ("apply_s", 1.0, None))),
)
RATIO_COLUMNS = {"patch_bytes": "patch", "diff_s": "diff s", "diff_peak_kb": "diff MiB",
                 "apply_s": "apply s", "apply_peak_kb": "apply MiB"}


def hdiffpatch_ratios(rows):
    """One line per case and pair with both tools in the run: the ratios
    of every column and the goals that hold on that case, met or not."""
    lines = []
    for case in dict.fromkeys(r["case"] for r in rows):
        for ours_tool, their_tool, label, goals in HDIFFPATCH_PAIRS:
            a = [r for r in rows if r["case"] == case and r["tool"] == ours_tool]
            b = [r for r in rows if r["case"] == case and r["tool"] == their_tool]
            if len(a) != 1 or len(b) != 1:  # a ratio needs one of each
                continue
            a, b = a[0], b[0]
            ok = a["status"] == "ok" and b["status"] == "ok"
            ratios = {key: number(a[key]) / number(b[key]) if ok and number(b[key]) > 0 else None
                      for key in RATIO_COLUMNS}
            wanted, unmet = [], []
            for key, limit, cases in goals:
                if cases is None or case in cases:
                    wanted.append(f"{RATIO_COLUMNS[key]} <= {limit:g}")
                    if ratios[key] is None or ratios[key] > limit:
                        unmet.append(RATIO_COLUMNS[key])
            met = "n/a (a run failed)" if not ok else "NO: " + ", ".join(unmet) if unmet else "yes"
            cells = " | ".join("n/a" if v is None else f"{v:.3f}" for v in ratios.values())
            lines.append(f"| {case} | {label} | {cells} | {', '.join(wanted)} | {met} |")
    if not lines:
        return []
    return ["", "| case | ratio (issue 25) | patch | diff s | diff MiB | apply s | apply MiB | goals | met? |",
            "|------|------|------:|------:|------:|------:|------:|------|------|"] + lines


# --- launch: bench/launch/run.sh and bench-launch's output -----------------

LAUNCH_NAMES = {
    "direct": "app started directly",
    "floor": "exec floor (execv, nothing else)",
    "floor-json": "floor + cJSON, two files, lock, log",
    "exec": "launcher, exec mode",
    "supervise": "launcher, supervise mode",
    "splash-on": "launcher, splash on",
    "splash-off": "launcher, splash off",
}
LAUNCH_GOALS = {"exec": 2.0, "supervise": 5.0}  # ms over a direct start (issue 2)


def bench_launch_rows(rec, section):
    """bench-launch's lines: name min median p90 mean, in microseconds."""
    lines = rec.sections.get(section, "").splitlines()
    if not lines or not lines[0].startswith("command"):
        raise RecordError(f"{rec.path}: [{section}] is not bench-launch's output")
    runs = re.search(r"(\d+) runs", lines[0])
    rows = {}
    for line in lines[1:]:
        cells = line.split()
        if len(cells) == 5:
            rows[cells[0]] = [float(c) for c in cells[1:]]
    return rows, runs.group(1) if runs else "?"


def launch_tables(rec):
    rows, runs = bench_launch_rows(rec, "bench-launch")
    out = [f"| command ({runs} runs each) | min µs | median µs | p90 µs | mean µs |",
           "|--------------------------------|-------:|----------:|-------:|--------:|"]
    for name, (lo, med, p90, mean) in rows.items():
        out.append(f"| {LAUNCH_NAMES.get(name, name)} | {lo:.1f} | {med:.1f} | {p90:.1f} | {mean:.1f} |")
    if "direct" in rows:
        direct = rows["direct"][1]
        over = []
        for name, (_, med, _, _) in rows.items():
            if name == "direct":
                continue
            ms = (med - direct) / 1000
            goal = LAUNCH_GOALS.get(name)
            verdict = f" (goal: within {goal:g} ms, {'met' if ms <= goal else 'not met'})" if goal else ""
            over.append(f"{name} +{ms:.2f} ms{verdict}")
        out += ["", "Over a direct start (medians): " + ", ".join(over) + "."]
    return out


# --- update: bench/update/run.py -------------------------------------------

UPDATE_PHASES = ("metadata", "download", "patch", "verify", "install", "commit")


def update_tables(rec):
    floors = [float(r["seconds"]) for r in rec.tsv("floor")]
    runs = rec.tsv("runs")
    floor = statistics.median(floors)
    m = rec.meta
    each = len(runs) // max(1, len(set(r["method"] for r in runs)))
    out = [f"App {m['app MB']} MB; archive {int(m['archive bytes']) / 2**20:.1f} MB; patch "
           f"{int(m['patch bytes']) / 2**20:.2f} MB; page cache {m['page cache']}; floor (cp -a + sync) "
           f"{floor:.2f} s (median of {len(floors)}). {each} runs of each method, medians in seconds; "
           "local is the update less metadata and download; CPU is the launcher's user + system.",
           "",
           "| method | start to app | metadata | download | patch | verify | unpack | commit | local | peak RSS MB | CPU s |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for method in dict.fromkeys(r["method"] for r in runs):
        mine = [r for r in runs if r["method"] == method]

        def med(key):
            values = [float(r[key]) for r in mine if r[key] != "-"]
            return statistics.median(values) if values else None
        cells = [f"{med('end_to_end'):.2f}"]
        for phase in UPDATE_PHASES:
            v = med(phase)
            cells.append("-" if v is None else f"{v:.2f}")
        local = med("update") - (med("download") or 0) - (med("metadata") or 0)
        cells += [f"{local:.2f} ({local / floor:.2f}x floor)", f"{med('rss_mb'):.1f}", f"{med('cpu_s'):.2f}"]
        out.append(f"| {method} | " + " | ".join(cells) + " |")
    return out


# --- splash: bench/splash/run.sh -------------------------------------------

def splash_tables(rec):
    frames = rec.tsv("first frame")
    spawn = median_p90([float(r["from_spawn_ms"]) for r in frames])
    main = statistics.median(float(r["from_main_ms"]) for r in frames)
    rows, runs = bench_launch_rows(rec, "bench-launch")
    m = rec.meta
    launch = " | ".join(f"{rows[n][1] / 1000:.1f}" if n in rows else "-"
                        for n in ("splash-on", "splash-off", "direct"))
    head = [f"{len(frames)} first frames, {runs} launches of each; the launch with the splash on did "
            f"{m['checks at launch']} checks at launch, {m['nothing to install']} of them ending with nothing "
            "to install.",
            ""]
    # Records since issue 28 hold a first frame per further language too
    # ("first frame zh_CN"), the runs alternating with English's.
    others = sorted(name[len("first frame "):] for name in rec.sections if name.startswith("first frame "))
    if not others:
        return head + ["| first frame from spawn, median / p90 ms | from `main()` median ms | launch, splash on, "
                       "median ms | splash off | direct |",
                       "|---|---|---|---|---|",
                       f"| {spawn[0]:.1f} / {spawn[1]:.1f} | {main:.1f} | {launch} |"]
    out = head + ["| splash language | first frame from spawn, median / p90 ms | from `main()` median ms | launch, "
                  "splash on, median ms | splash off | direct |",
                  "|---|---|---|---|---|---|",
                  f"| en | {spawn[0]:.1f} / {spawn[1]:.1f} | {main:.1f} | {launch} |"]
    for language in others:
        rows_l = rec.tsv(f"first frame {language}")
        spawn_l = median_p90([float(r["from_spawn_ms"]) for r in rows_l])
        main_l = statistics.median(float(r["from_main_ms"]) for r in rows_l)
        out.append(f"| {language} | {spawn_l[0]:.1f} / {spawn_l[1]:.1f} | {main_l:.1f} | - | - | - |")
    return out


# --- launch-net: bench/launch-net/run.py -----------------------------------

def launch_net_tables(rec):
    rows = rec.tsv("starts")
    direct = next((float(r["p50_ms"]) for r in rows if r["condition"] == "app started directly"), None)
    out = [f"{rows[0]['runs'] if rows else '?'} starts per condition, no update available; ms from starting "
           "the launcher to the app's first instruction; requests and connections the server saw per start.",
           "",
           "| condition | p50 ms | p95 ms | p50 over direct ms | requests | connections |",
           "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        over = "-" if direct is None else f"{float(r['p50_ms']) - direct:+.1f}"
        out.append(f"| {r['condition']} | {float(r['p50_ms']):.1f} | {float(r['p95_ms']):.1f} | {over} | "
                   f"{r['requests']} | {r['connections']} |")
    return out


FORMATS = {"delta": delta_tables, "launch": launch_tables, "update": update_tables, "splash": splash_tables,
           "launch-net": launch_net_tables}


def block(path):
    """The tables of the record at PATH (relative to the source tree), with
    their markers, as lines."""
    rec = Record(path)
    make = FORMATS.get(rec.meta["bench"])
    if not make:
        raise RecordError(f"{path}: unknown bench {rec.meta['bench']!r}")
    try:
        return [f"<!-- table: {path} -->", heading(rec), "", *make(rec), END]
    except KeyError as e:
        raise RecordError(f"{path}: no {e.args[0]!r} in the record") from None


def remake(text):
    """TEXT with every tool-made table made again from its record."""
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        m = BEGIN.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j] != END:
            if BEGIN.match(lines[j]):
                raise RecordError(f"line {j + 1}: a table begins before line {i + 1}'s ends")
            j += 1
        if j == len(lines):
            raise RecordError(f"line {i + 1}: the table of {m.group(1)} has no '{END}'")
        out += block(m.group(1))
        i = j + 1
    return "\n".join(out)


def main(argv):
    if argv and argv[0] in ("--check", "--write"):
        target = argv[1] if len(argv) > 1 else RESULTS_MD
        with open(target, encoding="utf-8") as f:
            text = f.read()
        try:
            made = remake(text)
        except (RecordError, OSError) as e:
            print(f"{target}: {e}", file=sys.stderr)
            return 1
        if made == text:
            return 0
        if argv[0] == "--write":
            with open(target, "w", encoding="utf-8") as f:
                f.write(made)
            return 0
        sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), made.splitlines(True),
                                                   target, "made from the records"))
        print(f"{target}: tables differ from bench/table.py's output on their records "
              "(bench/table.py --write remakes them)", file=sys.stderr)
        return 1
    if len(argv) == 1 and not argv[0].startswith("-"):
        path = os.path.relpath(os.path.abspath(argv[0]), SRC)
        try:
            print("\n".join(block(path)))
        except (RecordError, OSError) as e:
            print(e, file=sys.stderr)
            return 1
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
