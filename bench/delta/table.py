#!/usr/bin/env python3
"""bench/delta/table.py RESULTS.tsv [...]: the markdown tables for
bench/RESULTS.md from bench/delta/run.sh output: one row per case and tool,
then our ratios to bsdiff 4.3 in the same run against the issue's goals.
With several files, later rows replace earlier ones of the same case and tool."""
import csv
import sys

GOALS = {  # ratio of ours to bsdiff 4.3: (label, limit per case or None)
    "diff_s": ("diff time", {"esbuild": 0.25, "biome": 0.10}),
    "patch_bytes": ("patch size", 0.93),
    "diff_peak_kb": ("diff peak memory", 0.6),
    "apply_s": ("apply time", 0.7),
}


def mb(kb):
    return f"{int(kb) / 1024:.0f}" if kb not in ("-", "") else "-"


def main():
    rows = {}
    for path in sys.argv[1:]:
        with open(path) as f:
            for r in csv.DictReader(f, delimiter="\t"):
                rows[(r["case"], r["tool"])] = r
    print("| case | tool | diff s | diff peak MB | patch bytes | apply s | apply peak MB | check |")
    print("|------|------|-------:|-------------:|------------:|--------:|--------------:|-------|")
    for (case, tool), r in rows.items():
        print(f"| {case} | {tool} | {r['diff_s']} | {mb(r['diff_peak_kb'])} | {r['patch_bytes']} | "
              f"{r['apply_s']} | {mb(r['apply_peak_kb'])} | {r['status']} |")
    print()
    print("| case | goal (ours / bsdiff 4.3) | ratio | met? |")
    print("|------|--------------------------|------:|------|")
    for case in dict.fromkeys(c for c, _ in rows):
        ours, theirs = rows.get((case, "ours")), rows.get((case, "bsdiff"))
        if not ours or not theirs:
            continue
        for key, (label, limit) in GOALS.items():
            lim = limit.get(case) if isinstance(limit, dict) else limit
            if lim is None:
                continue
            a, b = ours[key], theirs[key]
            if b.startswith(">"):  # bsdiff cut off: the ratio is at most this
                ratio = float(a) / float(b[1:])
                print(f"| {case} | {label} <= {lim} | < {ratio:.2f} | yes (bsdiff cut off) |")
                continue
            if a in ("-", "") or b in ("-", ""):
                print(f"| {case} | {label} <= {lim} | n/a | n/a |")
                continue
            ratio = float(a) / float(b)
            print(f"| {case} | {label} <= {lim} | {ratio:.2f} | {'yes' if ratio <= lim else 'NO'} |")
        if ours["apply_peak_kb"] not in ("-", ""):
            peak = int(ours["apply_peak_kb"]) / 1024
            print(f"| {case} | apply peak < 64 MB | {peak:.0f} MB | {'yes' if peak < 64 else 'NO'} |")


if __name__ == "__main__":
    main()
