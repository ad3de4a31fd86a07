# SPDX-License-Identifier: Apache-2.0
"""bench/RESULTS.md and the raw records in bench/results/ cannot drift apart:
every tool-made table there is what bench/table.py makes of its record, every
other table says it was typed by hand, and the records carry the run's
commit, command and UTC start and end (bench/record.py)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("BL_SOURCE_DIR") or os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH = os.path.join(SRC, "bench")
RESULTS_MD = os.path.join(BENCH, "RESULTS.md")
TABLE = os.path.join(BENCH, "table.py")
sys.path.insert(0, BENCH)
import record  # noqa: E402

BEGIN = re.compile(r"^<!-- table: (\S+) -->$")
HAND_MARK = "*Typed by hand"

BENCH_LAUNCH_OUTPUT = """\
command                     min     median        p90       mean   (microseconds, 5 runs)
direct                   1400.0     1700.0     1900.0     1710.0
exec                     3400.0     4000.0     4400.0     4050.0
supervise                3600.0     4400.0     4800.0     4420.0
"""


def table(*args):
    return subprocess.run([sys.executable, TABLE, *args], capture_output=True, text=True, timeout=60)


class ResultsTest(unittest.TestCase):
    def setUp(self):
        with open(RESULTS_MD, encoding="utf-8") as f:
            self.lines = f.read().split("\n")

    def test_every_tool_made_table_is_the_tools_output_on_its_record(self):
        records = [m.group(1) for m in map(BEGIN.match, self.lines) if m]
        self.assertTrue(records, "RESULTS.md has no tool-made table")
        for path in records:
            self.assertTrue(path.startswith("bench/results/"), path)
            self.assertTrue(os.path.isfile(os.path.join(SRC, path)), path)
        r = table("--check", RESULTS_MD)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_every_other_table_says_it_was_typed_by_hand(self):
        inside, previous = False, []
        for number, line in enumerate(self.lines, 1):
            if BEGIN.match(line):
                inside = True
            elif line == "<!-- end table -->":
                inside = False
            elif line.startswith("|") and not inside and not (previous and previous[-1].startswith("|")):
                # A table's first line: the paragraph just above it names where it came from.
                above = [p for p in previous[-3:] if p.strip()]
                self.assertTrue(above and above[-1].startswith(HAND_MARK),
                                f"RESULTS.md line {number}: a table neither made by bench/table.py nor "
                                f"marked '{HAND_MARK} ...' on the line above it")
            previous.append(line)


class TableToolTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bl-bench-tables-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def launch_record(self, finished=True):
        path = record.begin("launch", [os.path.join(BENCH, "launch", "run.sh"), "5"], folder=self.dir)
        record.append(path, "bench-launch", BENCH_LAUNCH_OUTPUT)
        if finished:
            record.end(path)
        return path

    def test_a_record_names_its_commit_command_start_and_end(self):
        path = self.launch_record()
        with open(path) as f:
            text = f.read()
        head = subprocess.run(["git", "-C", SRC, "rev-parse", "HEAD"], capture_output=True, text=True)
        if head.returncode == 0:
            self.assertIn(f"# commit: {head.stdout.strip()}\n", text)
        self.assertRegex(text, r"# dirty: (no|yes \(.+\))\n")
        self.assertIn("# command: bench/launch/run.sh 5\n", text)
        self.assertRegex(text, r"# start: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n")
        self.assertRegex(text, r"# machine: \d+ cores, ")
        self.assertRegex(text, r"# end: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n# load at end: [\d.]+ [\d.]+ [\d.]+\n$")

    def test_the_table_is_headed_with_the_run(self):
        path = self.launch_record()
        r = table(path)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.splitlines()
        self.assertEqual(out[0], f"<!-- table: {os.path.relpath(path, SRC)} -->")
        self.assertRegex(out[1], r"^Run of `bench/launch/run.sh 5` at [0-9a-f]{7} \(tree ")
        self.assertRegex(out[1], r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d to \d\d:\d\d:\d\d UTC")
        self.assertIn("| launcher, exec mode | 3400.0 | 4000.0 | 4400.0 | 4050.0 |", out)
        self.assertIn("Over a direct start (medians): exec +2.30 ms (goal: within 2 ms, not met), "
                      "supervise +2.70 ms (goal: within 5 ms, met).", out)
        self.assertEqual(out[-1], "<!-- end table -->")

    def test_a_run_that_did_not_finish_makes_no_table(self):
        r = table(self.launch_record(finished=False))
        self.assertEqual(r.returncode, 1)
        self.assertIn("the run did not finish", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_a_figure_changed_by_hand_is_found_and_made_again(self):
        made = table(self.launch_record()).stdout
        md = os.path.join(self.dir, "RESULTS.md")
        with open(md, "w") as f:
            f.write("# Results\n\nProse.\n\n" + made + "\nMore prose.\n")
        self.assertEqual(table("--check", md).returncode, 0)
        with open(md) as f:
            text = f.read()
        with open(md, "w") as f:
            f.write(text.replace("| 4000.0 |", "| 3900.0 |"))
        r = table("--check", md)
        self.assertEqual(r.returncode, 1)
        self.assertIn("-| launcher, exec mode | 3400.0 | 3900.0 |", r.stdout)
        self.assertEqual(table("--write", md).returncode, 0)
        with open(md) as f:
            self.assertEqual(f.read(), text)

    def made(self, bench, sections, notes=()):
        path = record.begin(bench, [os.path.join(BENCH, bench, "run.sh")], folder=self.dir)
        for key, value in notes:
            record.note(path, key, value)
        for name, text in sections:
            record.append(path, name, text)
        record.end(path)
        r = table(path)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.splitlines()

    def test_delta_ratios_pair_ours_with_bsdiff_in_the_same_run(self):
        columns = "case\ttool\told_bytes\tnew_bytes\tdiff_s\tdiff_peak_kb\tpatch_bytes\tapply_s\tapply_peak_kb\tload\tstatus\n"
        out = self.made("delta", [("runs", columns +
                                   "biome\tours\t98000000\t98100000\t15.00\t523264\t9869087\t1.20\t16384\t1.0\tok\n"
                                   "biome\tbsdiff\t98000000\t98100000\t>900\t881664\t-\t-\t-\t1.1\ttimeout\n"
                                   "big\tours\t551000000\t555000000\t130.5\t2873344\t37005166\t6.00\t16384\t1.2\tok\n")])
        self.assertIn("| biome | ours | 98.0 -> 98.1 | 15.00 | 511.0 | 9869087 | 1.20 | 16.0 | 1.0 | ok |", out)
        self.assertIn("| biome | bsdiff 4.3 | 98.0 -> 98.1 | >900 | 861.0 | - | - | - | 1.1 | timeout |", out)
        self.assertIn("| biome | diff time <= 0.1 | < 0.017 | yes (bsdiff 4.3 cut off) |", out)
        self.assertIn("| biome | patch size <= 0.93 | n/a | n/a |", out)
        self.assertIn("| biome | diff peak memory <= 0.6 | 0.593 | yes |", out)
        self.assertIn("| big | 500 MB tar diffs in < 2 min | 130.5 s | NO |", out)

    def test_delta_ratios_pair_each_format_with_hdiffpatchs(self):
        columns = "case\ttool\told_bytes\tnew_bytes\tdiff_s\tdiff_peak_kb\tpatch_bytes\tapply_s\tapply_peak_kb\tload\tstatus\n"
        out = self.made("delta", [("runs", columns +
                                   "text\tours\t22988800\t23746560\t7.80\t118784\t312241\t0.30\t8192\t1.0\tok\n"
                                   "text\tours-zstd\t22988800\t23746560\t8.00\t120832\t200000\t0.10\t20480\t1.0\tok\n"
                                   "text\thdiffz-bsd\t22988800\t23746560\t2.60\t44544\t217567\t0.30\t12288\t1.0\tok\n"
                                   "text\thdiffz-zstd\t22988800\t23746560\t4.00\t60416\t190000\t0.20\t10240\t1.0\tok\n"
                                   "text\tbsdiff\t22988800\t23746560\t27.0\t203072\t335442\t0.70\t53252\t1.0\tok\n"
                                   "biome\tours-zstd\t98000000\t98100000\t9.00\t500000\t9000000\t0.50\t70656\t1.0\tok\n"
                                   "biome\thdiffz-zstd\t98000000\t98100000\t20.0\t600000\t9000000\t0.60\t30000\t1.0\tok\n"
                                   "near\tours\t23746560\t23746560\t4.97\t120048\t1413\t0.29\t8216\t1.0\tok\n"
                                   "near\thdiffz-bsd\t23746560\t23746560\t0.66\t9084\t1626\t0.00\t11920\t1.0\tok\n"
                                   "near\tours-zstd\t23746560\t23746560\t0.02\t1868\t-\t-\t-\t1.0\tfailed\n"
                                   "near\thdiffz-zstd\t23746560\t23746560\t0.44\t6396\t1224\t0.14\t9344\t1.0\tok\n")])
        self.assertIn("| text | ours, zstd format | 23.0 -> 23.7 | 8.00 | 118.0 | 200000 | 0.10 | 20.0 | 1.0 | ok |", out)
        self.assertIn("| text | hdiffz -BSD | 23.0 -> 23.7 | 2.60 | 43.5 | 217567 | 0.30 | 12.0 | 1.0 | ok |", out)
        self.assertIn("| text | ours / hdiffz -BSD | 1.435 | 3.000 | 2.667 | 1.000 | 0.667 | "
                      "patch <= 1, diff s <= 1, diff MiB <= 1 | NO: patch, diff s, diff MiB |", out)
        # The patch goal of the zstd format holds on the binaries only.
        self.assertIn("| text | ours zstd / hdiffz zstd | 1.053 | 2.000 | 2.000 | 0.500 | 2.000 | "
                      "apply s <= 1 | yes |", out)
        self.assertIn("| biome | ours zstd / hdiffz zstd | 1.000 | 0.450 | 0.833 | 0.833 | 2.355 | "
                      "patch <= 0.95, apply s <= 1 | NO: patch |", out)
        self.assertIn("| biome | zstd format: apply peak < 64 MiB | 69.0 MiB | NO |", out)
        self.assertIn("| text | zstd format: apply peak < 64 MiB | 20.0 MiB | yes |", out)
        # A time of 0.00 s makes no ratio; a failed run makes none either.
        self.assertIn("| near | ours / hdiffz -BSD | 0.869 | 7.530 | 13.215 | n/a | 0.689 | "
                      "patch <= 1, diff s <= 1, diff MiB <= 1 | NO: diff s, diff MiB |", out)
        self.assertIn("| near | ours zstd / hdiffz zstd | n/a | n/a | n/a | n/a | n/a | apply s <= 1 | "
                      "n/a (a run failed) |", out)
        self.assertFalse(any(line.startswith("| biome | ours / hdiffz -BSD") for line in out), out)
        # Issue 3's goals against bsdiff 4.3 were set on esbuild, biome and app only.
        self.assertFalse(any(line.startswith("| text | patch size") for line in out), out)
        self.assertIn("| text | apply peak < 64 MiB | 8.0 MiB | yes |", out)

    def test_update_takes_medians_of_the_runs(self):
        runs = ("method\tend_to_end\tupdate\tmetadata\tdownload\tpatch\tverify\tinstall\tcommit\trss_mb\tcpu_s\tload\n"
                "patch\t1.5\t1.4\t0.01\t0.03\t-\t-\t1.30\t0.00\t27.0\t1.40\t1.2\n"
                "patch\t1.7\t1.6\t0.01\t0.03\t-\t-\t1.50\t0.00\t28.0\t1.50\t1.2\n"
                "patch\t9.0\t8.0\t0.01\t0.03\t-\t-\t7.90\t0.00\t27.5\t9.00\t1.2\n")
        out = self.made("update", [("floor", "seconds\n0.30\n0.28\n0.40\n"), ("runs", runs)],
                        [("app MB", 300), ("archive bytes", 231800000), ("patch bytes", 3135000),
                         ("page cache", "warm")])
        self.assertIn("| patch | 1.70 | 0.01 | 0.03 | - | - | 1.50 | 0.00 | 1.56 (5.20x floor) | 27.5 | 1.50 |", out)
        self.assertTrue(any("floor (cp -a + sync) 0.30 s (median of 3). 3 runs of each method" in line
                            for line in out), out)

    def test_splash_reads_first_frames_and_bench_launch(self):
        frames = "from_spawn_ms\tfrom_main_ms\n" + "".join(f"{50 + i}.0\t{30 + i}.0\n" for i in range(10))
        launch = ("command                     min     median        p90       mean   (microseconds, 10 runs)\n"
                  "splash-on               30000.0    36800.0    40000.0    37000.0\n"
                  "splash-off              31000.0    38300.0    41000.0    38000.0\n"
                  "direct                    900.0     1000.0     1100.0     1000.0\n")
        out = self.made("splash", [("first frame", frames), ("bench-launch", launch)],
                        [("checks at launch", 11), ("nothing to install", 11)])
        self.assertIn("| 54.5 / 59.0 | 34.5 | 36.8 | 38.3 | 1.0 |", out)

    def test_launch_net_takes_each_condition_over_a_direct_start(self):
        starts = ("condition\tp50_ms\tp95_ms\trequests\tconnections\truns\n"
                  "app started directly\t1.5\t2.0\t0\t0\t5\n"
                  "https, nothing new\t41.5\t60.0\t2.0\t1.0\t5\n")
        out = self.made("launch-net", [("starts", starts)], [])
        self.assertIn("| app started directly | 1.5 | 2.0 | +0.0 | 0 | 0 |", out)
        self.assertIn("| https, nothing new | 41.5 | 60.0 | +40.0 | 2.0 | 1.0 |", out)
        self.assertTrue(any(line.startswith("5 starts per condition") for line in out), out)

    def test_a_table_whose_record_is_gone_fails_the_check(self):
        md = os.path.join(self.dir, "RESULTS.md")
        with open(md, "w") as f:
            f.write("<!-- table: bench/results/nothing-here.txt -->\n| a |\n<!-- end table -->\n")
        r = table("--check", md)
        self.assertEqual(r.returncode, 1)
        self.assertIn("nothing-here.txt", r.stderr)


if __name__ == "__main__":
    unittest.main()
