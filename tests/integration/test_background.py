# SPDX-License-Identifier: Apache-2.0
"""While the app runs: periodic checks stage the next version without
touching the running app, the file watcher turns a publish into one check,
the next start switches without the network; silent mode and staged rollout
decide what is installed."""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from blrepo import PublishedInstallCase, Publisher, published_install  # noqa: E402
from blroot import parse_report, wait_for  # noqa: E402
from server import TestServer  # noqa: E402


class BackgroundTest(PublishedInstallCase):
    def setUp(self):
        super().setUp()
        self.report = self.root.p("report.txt")
        self.ready = self.root.p("cache", "update-ready")

    def serve(self):
        self.server = TestServer(self.pub.repo)
        return self.server.url

    def env(self, **extra):
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("BOMIOT_"):
                del env[k]
        env.update(extra)
        return env

    def start_running_app(self, config, env):
        """The launcher with an app that keeps running until SIGTERM."""
        self.root.write_config(config)
        self.proc = subprocess.Popen([self.root.launcher, f"--report={self.report}", "--wait-signal"],
                                     env=self.env(**env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # "ready": its SIGTERM handler is in place (the report is written
        # before it; a SIGTERM in between killed the app: -15, not 42).
        wait_for(lambda: os.path.exists(self.report) and "ready" in parse_report(self.report)["lines"], 30,
                 "the app to start")

    def stop_app(self):
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(timeout=30), 42)  # the test app's answer to SIGTERM

    def started(self):
        return [line[len("version="):] for line in parse_report(self.report)["lines"]
                if line.startswith("version=")]

    def test_an_interval_check_stages_the_next_version_and_the_next_start_switches(self):
        url = self.serve()
        # apply_on_exit off: the switch waits for the next start, which is the point here
        # (test_app_control has the switch as the app exits)
        self.start_running_app({"update_url": url, "apply_on_exit": False}, {"BOMIOT_UPDATE_INTERVAL": "1"})
        self.pub.add("1.1.0")
        wait_for(lambda: os.path.exists(self.ready), 60, "the ready file")
        with open(self.ready) as f:
            self.assertEqual(f.read(), "1.1.0\n")
        state = self.root.read_state()
        self.assertEqual(state["pending"], "1.1.0")
        self.assertEqual(state["current"], "1.0.0")
        self.assertTrue(os.path.exists(self.root.p("versions", "1.1.0", ".bomiot-complete")))
        # The running app was not touched, and it was told where to look.
        self.assertIsNone(self.proc.poll())
        self.assertEqual(self.started(), ["1.0.0"])
        self.assertEqual(parse_report(self.report)["env"]["BOMIOT_UPDATE_READY_FILE"], self.ready)
        self.assertIn("time for the periodic check for updates", self.root.log())
        self.stop_app()

        # The next start needs no network: the server is gone.
        self.server.stop()
        self.server = None
        stamp = self.root.p("stamp.txt")
        t0 = time.monotonic_ns()
        r = self.root.run(f"--stamp={stamp}")  # the app writes the clock at entry and exits
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(stamp) as f:
            switch_ms = (int(f.read().split()[0]) - t0) / 1e6
        print(f"\n  start to the staged version's first instruction: {switch_ms:.1f} ms", file=sys.stderr)
        self.assertIn("switching to 1.1.0, staged in the background", self.root.log())
        self.assertIn("starting version 1.1.0", self.root.log())
        self.assertFalse(os.path.exists(self.ready))
        state = self.root.read_state()
        self.assertEqual((state["current"], state["previous"], state.get("pending", "")), ("1.1.0", "1.0.0", ""))

    def test_a_download_the_time_box_cut_at_launch_is_staged_soon_after_the_app_starts(self):
        """Issue 20: the archive trickles (above the slow-server cut-off) so
        that it needs about 6 s; the launch gives it at most 3
        (check_seconds + download_seconds) and starts 1.0.0. With update_interval an hour, the
        background's first check still comes 5 s after the start: it resumes
        the download where the launch stopped and stages 1.1.0, which the
        next start switches to without the network."""
        self.pub.add("1.1.0", data_size=16 * 1024)
        archive = os.path.getsize(self.pub.archive("1.1.0"))
        rate = archive // 6
        self.assertGreater(rate, 1024)  # above the cut-off: only the time box ends it
        requests = os.path.join(self.pub.dir, "requests.log")
        self.server = TestServer(self.pub.repo, log=requests)
        slow = f"{self.server.url}/_fault/only/bomiot-1.1.0.tar.gz/slow/{rate}"
        begin = time.monotonic()
        self.start_running_app({"update_url": slow, "incremental_update": False, "check_seconds": 2,
                                "apply_on_exit": False,
                                "download_seconds": 1, "update_interval": 3600}, {})
        self.assertLess(time.monotonic() - begin, 3 + 3)
        self.assertEqual(self.started(), ["1.0.0"])
        self.assertIn("did not finish downloading in the time box", self.root.log())
        kept = os.path.getsize(self.root.p("cache", "downloads", "bomiot-1.1.0.tar.gz"))
        self.assertTrue(0 < kept < archive, kept)
        wait_for(lambda: os.path.exists(self.ready), 30, "the ready file")
        self.assertLess(time.monotonic() - begin, 30)  # not an hour
        self.assertIn("the update at launch goes on in 5 s", self.root.log())
        self.assertEqual(self.root.read_state()["pending"], "1.1.0")
        with open(requests) as f:
            ranges = [line.split()[2] for line in f if line.split()[1].endswith(".tar.gz")]
        self.assertEqual(ranges[0], "-")
        self.assertTrue(ranges[1].startswith("bytes=") and int(ranges[1][6:-1]) >= kept, ranges)
        self.stop_app()

        self.server.stop()
        self.server = None
        os.remove(self.report)
        r = self.root.run(f"--report={self.report}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.started(), ["1.1.0"])
        self.assertIn("switching to 1.1.0, staged in the background", self.root.log())

    def test_a_publish_into_a_file_repository_triggers_one_check(self):
        url = "file://" + self.pub.repo
        self.start_running_app({"update_url": url},
                               {"BOMIOT_UPDATE_INTERVAL": "0", "BOMIOT_FILE_WATCHER": "true"})
        wait_for(lambda: "watching" in self.root.log(), 10, "the watcher")
        time.sleep(0.5)
        self.pub.add("1.1.0")  # a burst: the target files, then four metadata files
        wait_for(lambda: os.path.exists(self.ready), 60, "the ready file")
        time.sleep(3)  # longer than the debounce: a second check would show now
        log = self.root.log()
        self.assertEqual(log.count("the repository changed; checking for updates"), 1, log)
        self.assertEqual(self.root.read_state()["pending"], "1.1.0")
        self.stop_app()

    def test_copying_a_repository_in_triggers_one_check(self):
        """An offline site: the new repository arrives on a USB stick and is
        copied over the old one, file by file."""
        other = Publisher()
        self.addCleanup(other.cleanup)
        shutil.copytree(self.pub.keys, other.keys, dirs_exist_ok=True)
        shutil.copytree(self.pub.repo, other.repo, dirs_exist_ok=True)
        other.add("1.1.0")
        self.start_running_app({"update_url": "file://" + self.pub.repo},
                               {"BOMIOT_UPDATE_INTERVAL": "0", "BOMIOT_FILE_WATCHER": "true"})
        wait_for(lambda: "watching" in self.root.log(), 10, "the watcher")
        for sub in ("targets", "metadata"):  # targets first, as a careful copy does
            for name in sorted(os.listdir(os.path.join(other.repo, sub))):
                shutil.copy2(os.path.join(other.repo, sub, name), os.path.join(self.pub.repo, sub, name))
                time.sleep(0.1)
        wait_for(lambda: os.path.exists(self.ready), 60, "the ready file")
        time.sleep(3)
        self.assertEqual(self.root.log().count("the repository changed; checking for updates"), 1)
        self.stop_app()

    def test_the_watcher_needs_a_file_repository_and_says_so(self):
        url = self.serve()
        self.start_running_app({"update_url": url},
                               {"BOMIOT_UPDATE_INTERVAL": "0", "BOMIOT_FILE_WATCHER": "true"})
        wait_for(lambda: "file_watcher needs a file:// update_url" in self.root.log(), 10, "the log line")
        self.stop_app()

    def test_a_drop_folder_triggers_one_check_for_a_burst(self):
        url = self.serve()
        drop = self.root.p("drop")
        os.makedirs(drop)
        self.start_running_app({"update_url": url, "watch_dir": drop},
                               {"BOMIOT_UPDATE_INTERVAL": "0", "BOMIOT_FILE_WATCHER": "true"})
        wait_for(lambda: f"watching {drop}" in self.root.log(), 10, "the watcher")
        self.pub.add("1.1.0")
        time.sleep(0.5)
        self.assertNotIn("checking for updates", self.root.log().split("watching", 1)[1])
        for i in range(5):  # an admin copies a few files in
            with open(os.path.join(drop, f"file{i}"), "w") as f:
                f.write("x")
            time.sleep(0.05)
        wait_for(lambda: os.path.exists(self.ready), 60, "the ready file")
        time.sleep(3)
        self.assertEqual(self.root.log().count("the repository changed; checking for updates"), 1)
        self.stop_app()

    def test_silent_mode_checks_and_installs_nothing(self):
        url = self.serve()
        self.pub.add("1.1.0")
        self.root.write_config({"update_url": url})
        r = self.root.run(f"--report={self.report}", env={"BOMIOT_AUTO_UPDATE": "false"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.started(), ["1.0.0"])
        self.assertIn("1.1.0 is available; automatic updates are off, so it is not installed", self.root.log())
        self.assertEqual(sorted(os.listdir(self.root.p("versions"))), ["1.0.0"])

    def test_silent_mode_in_the_background_installs_nothing(self):
        url = self.serve()
        self.start_running_app({"update_url": url}, {"BOMIOT_UPDATE_INTERVAL": "1", "BOMIOT_AUTO_UPDATE": "false"})
        self.pub.add("1.1.0")
        wait_for(lambda: "automatic updates are off" in self.root.log(), 30, "a background check")
        self.stop_app()
        self.assertEqual(sorted(os.listdir(self.root.p("versions"))), ["1.0.0"])
        self.assertFalse(os.path.exists(self.ready))

    def test_only_staging_in_the_background_when_asked(self):
        url = self.serve()
        self.pub.add("1.1.0")
        self.start_running_app({"update_url": url, "update_at_launch": False}, {"BOMIOT_UPDATE_INTERVAL": "1"})
        self.assertEqual(self.started(), ["1.0.0"])  # nothing installed at launch
        wait_for(lambda: os.path.exists(self.ready), 60, "the ready file")
        self.stop_app()

    def test_rollout_takes_a_release_only_inside_its_percentage(self):
        url = self.serve()
        install_id = "0123456789abcdef0123456789abcdef"
        state = {"current": "1.0.0", "install_id": install_id}
        self.root.write_state(state)
        digest = hashlib.sha256(f"{install_id}:1.1.0".encode()).digest()
        bucket = int.from_bytes(digest[:8], "big") % 10000  # launcher/start/rollout.h
        # whole percentages (signed metadata has no fractions): the largest
        # that leaves this bucket out, and the next, which takes it in
        below, above = bucket // 100, bucket // 100 + 1
        self.pub.add("1.1.0", "--rollout", str(below))
        self.root.write_config({"update_url": url})
        self.root.run(f"--report={self.report}")
        self.assertEqual(self.started(), ["1.0.0"])
        self.assertIn("rolling out to other installations first", self.root.log())
        self.pub.run("rollout", "1.1.0", str(above))
        os.remove(self.report)
        self.root.interval_passed()
        self.root.run(f"--report={self.report}")
        self.assertEqual(self.started(), ["1.1.0"])
        self.assertEqual(self.root.read_state()["install_id"], install_id)


if __name__ == "__main__":
    unittest.main()
