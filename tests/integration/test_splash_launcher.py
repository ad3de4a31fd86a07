# SPDX-License-Identifier: Apache-2.0
"""The splash in the real launcher: headless paths (no display, a broken SDL
video driver, the splash turned off) where the app still starts and one log
line says why; a window that stays responsive and closable while the update
at launch is blocked on a server that holds the connection; and the real
update's stages (checking, downloading, installing) photographed
from a signed repository made by bomiot-release."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blroot import Root, parse_report  # noqa: E402
import test_splash_xvfb as sx  # noqa: E402  (a module import: its tests do not run twice)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from server import TestServer  # noqa: E402
try:
    from blrepo import Publisher, seed_install  # noqa: E402
except ImportError:  # the publisher's helpers arrive with bomiot-release
    Publisher = None



def splash_lines(root):
    return [line for line in root.log().splitlines() if " splash: " in line]


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=True).stdout


def signed_root(folder):
    """A TUF root v1 signed by one fresh ed25519 key for every role, made with
    the openssl command (the launcher only needs it to verify itself before it
    asks the server for root v2, which is where these tests hold it). The
    signature covers the canonical form: sorted keys, no whitespace, ASCII."""
    key = os.path.join(folder, "root.pem")
    openssl("genpkey", "-algorithm", "ed25519", "-out", key)
    public = openssl("pkey", "-in", key, "-pubout", "-outform", "DER")[-32:].hex()
    keyid = "a1" * 32
    roles = {r: {"keyids": [keyid], "threshold": 1} for r in ("root", "timestamp", "snapshot", "targets")}
    signed = {"_type": "root", "spec_version": "1.0.31", "version": 1, "expires": "2099-01-01T00:00:00Z",
              "consistent_snapshot": False,
              "keys": {keyid: {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": public}}},
              "roles": roles}
    canonical = json.dumps(signed, sort_keys=True, separators=(",", ":")).encode()
    message = os.path.join(folder, "signed.bin")
    with open(message, "wb") as f:
        f.write(canonical)
    sig = openssl("pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", message).hex()
    return json.dumps({"signed": signed, "signatures": [{"keyid": keyid, "sig": sig}]}, indent=1)


def add_resources(root, trusted_root=None):
    """What an installed launcher has beside it: the font and splash from the
    build, and the publisher's trusted root."""
    os.makedirs(root.p("resources"), exist_ok=True)
    for name in ("DejaVuSans.ttf", "splash.png"):
        shutil.copy2(os.path.join(sx.RESOURCES, name), root.p("resources", name))
    if trusted_root:
        with open(root.p("resources", "root.json"), "w") as f:
            f.write(trusted_root)


class HeadlessTest(unittest.TestCase):
    """No splash never means no app. Off and no display are known at once;
    a display SDL cannot use is found only by trying, which the launcher does
    only for a check that outlasts the grace (BL_SPLASH_GRACE_MS): those
    tests hold the check on a server for check_seconds (1 s)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="bl-splash-headless-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.trusted_root = signed_root(cls.tmp)
        cls.server = TestServer(cls.tmp)
        cls.addClassCleanup(cls.server.stop)

    def hold_the_check(self):
        with open(self.root.p("resources", "root.json"), "w") as f:
            f.write(self.trusted_root)
        self.root.write_config({"update_url": f"{self.server.url}/_fault/hold/{self.id()}", "check_seconds": 1})

    def setUp(self):
        self.root = Root()
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})
        # a check that runs (a trusted root) and fails at once (nothing published)
        add_resources(self.root, self.trusted_root)
        self.root.write_config({"update_url": f"{self.server.url}/nothing-here"})
        self.report = self.root.p("report.txt")

    def tearDown(self):
        self.root.cleanup()

    def launch(self, env):
        base = {k: v for k, v in os.environ.items()
                if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER") and not k.startswith("BOMIOT_")}
        base.update(env)
        r = subprocess.run([self.root.launcher, f"--report={self.report}", "--exit=3"], env=base,
                           cwd=self.root.path, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertEqual(parse_report(self.report)["version"], "1.0.0")
        lines = splash_lines(self.root)
        self.assertEqual(len(lines), 1, self.root.log())
        return lines[0], r

    def test_no_display_starts_the_app_and_logs_one_line(self):
        line, r = self.launch({})
        self.assertIn("INFO", line)
        self.assertIn("no display (DISPLAY and WAYLAND_DISPLAY unset); continuing without a splash", line)
        self.assertNotIn(b"splash", r.stderr)  # expected, so not a warning on the terminal

    def test_empty_display_counts_as_none(self):
        line, _ = self.launch({"DISPLAY": "", "WAYLAND_DISPLAY": ""})
        self.assertIn("no display", line)

    def test_splash_off_by_environment_starts_the_app_and_logs_one_line(self):
        line, _ = self.launch({"BOMIOT_SPLASH": "false", "DISPLAY": ":0"})
        self.assertIn("the splash is off (splash in launcher.json or BOMIOT_SPLASH); continuing without a splash",
                      line)

    def test_splash_off_by_config_starts_the_app_and_logs_one_line(self):
        self.root.write_config({"splash": False})
        line, _ = self.launch({"DISPLAY": ":0"})
        self.assertIn("the splash is off", line)

    @unittest.skipIf(sx.missing(), sx.missing())
    def test_broken_video_driver_starts_the_app_and_warns_once(self):
        self.hold_the_check()
        x = sx.Xvfb()
        try:
            line, r = self.launch({"DISPLAY": x.display, "SDL_VIDEODRIVER": "broken"})
        finally:
            x.stop()
        self.assertIn("WARN", line)  # a desktop that fails is worth a warning
        self.assertIn("SDL cannot use the display", line)
        self.assertIn("continuing without a splash", line)
        self.assertEqual(r.stderr.count(b" splash: "), 1, r.stderr)

    def test_unreachable_display_starts_the_app_and_warns_once(self):
        self.hold_the_check()
        line, _ = self.launch({"DISPLAY": ":987"})  # named, but no server there
        self.assertIn("SDL cannot use the display", line)

    def test_a_check_that_ends_at_once_does_not_even_try_the_display(self):
        # no trusted root: the update fails before it starts, nothing is loaded
        os.remove(self.root.p("resources", "root.json"))
        base = {k: v for k, v in os.environ.items() if not k.startswith("BOMIOT_")}
        base.update({"DISPLAY": ":987"})
        r = subprocess.run([self.root.launcher, f"--report={self.report}"], env=base, cwd=self.root.path,
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(splash_lines(self.root), [])
        self.assertIn("no trusted root", self.root.log())


@unittest.skipIf(sx.missing(), sx.missing())
class BlockedUpdateTest(unittest.TestCase):
    """The update at launch waits on a server that accepted the connection and
    says nothing; check_seconds is a minute, so only the user ends the wait."""

    @classmethod
    def setUpClass(cls):
        # cleanups as each thing exists: a failing setUpClass skips tearDownClass
        cls.x = sx.Xvfb()
        cls.addClassCleanup(cls.x.stop)
        cls.reference = sx.Image.load(sx.SPLASH_PNG)
        cls.tmp = tempfile.mkdtemp(prefix="bl-splash-srv-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.trusted_root = signed_root(cls.tmp)
        cls.server_log = os.path.join(cls.tmp, "requests.log")
        cls.server = TestServer(cls.tmp, log=cls.server_log)
        cls.addClassCleanup(cls.server.stop)
        cls.port = cls.server.port

    def setUp(self):
        self.root = Root()
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})
        add_resources(self.root, self.trusted_root)
        self.root.write_config({"update_url": f"http://127.0.0.1:{self.port}/_fault/hold/{self.id()}",
                                "check_seconds": 60, "update_interval": 0,
                                "mode": "exec" if "exec_mode" in self.id() else "supervise"})
        self.report = self.root.p("report.txt")
        env = {k: v for k, v in self.x.env.items() if not k.startswith("BOMIOT_")}
        args = ["--wait-signal"] if "exec_mode" in self.id() else []
        self.proc = subprocess.Popen([self.root.launcher, f"--report={self.report}", *args], env=env,
                                     cwd=self.root.path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def tearDown(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()
        self.root.cleanup()

    def shot(self, name):
        return os.path.join(sx.ARTIFACTS, f"launcher-{self.id().split('.')[-1]}-{name}.png")

    def window_shows_image(self, window, name):
        shot = self.x.screenshot(self.shot(name))
        x, y, w, h, _ = self.x.geometry(window)
        return shot.crop(x, y, w, h).mismatch(self.reference, 200) < 0.002

    def blocked_window(self):
        """The window, once the worker is waiting on the held request."""
        window = self.x.wait_window(proc=self.proc)
        def held():
            try:
                with open(self.server_log) as f:
                    return f"/_fault/hold/{self.id()}/" in f.read()
            except FileNotFoundError:
                return False
        sx.wait_for(held, what="the held request")
        return window

    def test_window_moves_and_repaints_while_the_update_is_blocked(self):
        window = self.blocked_window()
        geometry = self.x.geometry(window)
        self.assertEqual(geometry, ((self.x.width - 560) // 2, (self.x.height - 340) // 2, 560, 340, True))
        self.assertTrue(self.window_shows_image(window, "checking"))
        self.x.move(window, 30, 20)
        sx.wait_for(lambda: self.x.geometry(window)[:2] == (30, 20), what="the window to move")
        sx.wait_for(lambda: self.window_shows_image(window, "moved"), what="the moved window's picture")
        for i in range(3):  # exposed again and again: repainted each time
            self.x.remap(window)
            sx.wait_for(lambda: self.window_shows_image(window, f"exposed-{i}"), what="a repaint")
        self.assertTrue(self.x.ping(window))  # a window manager would not call it "not responding"
        self.assertIsNone(self.proc.poll())  # still waiting on the server
        self.assertFalse(os.path.exists(self.report))  # and the app not started yet
        self.x.close(window)
        self.assertEqual(self.proc.wait(timeout=30), 0)

    def test_closing_the_splash_cancels_and_starts_the_installed_version(self):
        window = self.blocked_window()
        closed = time.monotonic()
        self.x.close(window)
        # well inside check_seconds (60): the close ended the wait, not the time box
        self.assertEqual(self.proc.wait(timeout=30), 0)
        self.assertLess(time.monotonic() - closed, 30)
        self.assertEqual(parse_report(self.report)["version"], "1.0.0")
        log = self.root.log()
        self.assertIn("closed by the user: cancelling the update, starting the installed version", log)
        self.assertIn("starting version 1.0.0", log)
        self.assertEqual(self.root.read_state()["current"], "1.0.0")
        self.assertEqual(self.x.windows(), [])
        # a cancel is the user's choice, not a failing update
        self.assertFalse(os.path.exists(self.root.p("cache", "update-failures")))

    def test_exec_mode_takes_the_window_down_before_the_app_replaces_the_launcher(self):
        window = self.blocked_window()
        self.x.close(window)
        # the app (waiting for a signal) now runs in the launcher's process
        def ready():
            try:
                with open(self.report) as f:
                    return "ready" in f.read()
            except FileNotFoundError:
                return False
        sx.wait_for(ready, what="the app to start")
        exe = os.readlink(f"/proc/{self.proc.pid}/exe")
        self.assertTrue(exe.endswith(os.path.join("versions", "1.0.0", "bomiot")), exe)
        # no window left behind by a connection the exec inherited
        self.assertEqual(self.x.windows(), [])
        self.assertEqual(self.x.run("xdotool", "search", "--name", "^Bomiot$", check=False).stdout.split(), [])
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(timeout=10), 42)


def sentence_over_running_app(test, env, shot_name, before_shot=lambda: None):
    """Starts the launcher with an app that runs 9 s, photographs the splash
    it shows (after before_shot returns), and waits for the window to go by
    itself while the app still runs. Returns (shot, seconds on screen)."""
    proc = subprocess.Popen([test.root.launcher, f"--report={test.report}", "--sleep=9000"], env=env,
                            cwd=test.root.path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        window = test.x.wait_window(proc=proc)
        shown = time.monotonic()
        before_shot()
        shot = sx.Image.load(window_shot(test.x, window, os.path.join(sx.ARTIFACTS, shot_name)))
        sx.wait_for(lambda: not test.x.windows(), timeout=20, what="the splash to go")
        gone = time.monotonic()
        test.assertIsNone(proc.poll())  # it went before the app ended, by itself
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    test.assertEqual(proc.returncode, 0, err)
    test.assertGreater(shot.count(sx.ERROR_RGB, 0, 340 - 90, 560, 90), 40)  # the sentence, in its colour
    return shot, gone - shown


@unittest.skipIf(sx.missing(), sx.missing())
class SplashErrorTest(unittest.TestCase):
    """The third update in a row that fails: the sentence is shown even
    though the failure came too fast for the splash to have opened."""

    def setUp(self):
        self.x = sx.Xvfb()
        self.addCleanup(self.x.stop)
        self.root = Root()
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})
        add_resources(self.root)  # and no root.json: every check fails at once
        os.makedirs(self.root.p("cache"), exist_ok=True)
        with open(self.root.p("cache", "update-failures"), "w") as f:
            f.write("2\n")
        self.report = self.root.p("report.txt")

    def tearDown(self):
        self.root.cleanup()

    def test_a_fast_failure_opens_the_splash_for_its_sentence(self):
        env = {k: v for k, v in self.x.env.items() if not k.startswith("BOMIOT_")}
        # the app runs 9 s: the splash stays over it while the sentence needs reading
        _, on_screen = sentence_over_running_app(self, env, "launcher-error-sentence.png")
        # on screen for BL_SPLASH_ERROR_SHOW_MS (5 s), then out of the app's way
        self.assertGreaterEqual(on_screen, 4.0)
        self.assertLess(on_screen, 8.0)
        with open(self.root.p("cache", "update-failures")) as f:
            self.assertEqual(f.read().strip(), "3")
        self.assertEqual(splash_lines(self.root), [])  # nothing went wrong with the splash itself
        self.assertEqual(parse_report(self.report)["version"], "1.0.0")


@unittest.skipIf(sx.missing(), sx.missing())
class RollbackSplashTest(unittest.TestCase):
    """A new version that crashes on its first run: the previous version
    starts at once, and the splash tells the user why it is the old one."""

    def setUp(self):
        self.x = sx.Xvfb()
        self.addCleanup(self.x.stop)
        self.root = Root()
        self.root.add_version("1.0.0")
        self.root.add_version("1.1.0", behaviour=("--crash=segv",))
        self.root.write_state({"current": "1.1.0", "previous": "1.0.0", "trial": True})
        add_resources(self.root)
        self.report = self.root.p("report.txt")

    def tearDown(self):
        self.root.cleanup()

    def test_rolling_back_is_shown_while_the_previous_version_starts(self):
        env = {k: v for k, v in self.x.env.items() if not k.startswith("BOMIOT_")}
        env["BOMIOT_UPDATE_INTERVAL"] = "0"
        # the previous version is already running under the window
        sentence_over_running_app(self, env, "launcher-rolling-back.png", before_shot=lambda: sx.wait_for(
            lambda: os.path.exists(self.report), timeout=10, what="1.0.0 to start"))
        self.assertEqual(parse_report(self.report)["version"], "1.0.0")
        self.assertIn("failed its trial; blocked it and went back to 1.0.0", self.root.log())
        self.assertEqual(splash_lines(self.root), [])


def window_shot(x, window, path):
    """The window's own pixels (import -window), or None once it is gone."""
    try:  # import can wait forever on a window being taken down
        r = subprocess.run(["import", "-window", str(window), path], env=x.env, capture_output=True, timeout=3)
    except subprocess.TimeoutExpired:
        return None
    return path if r.returncode == 0 and os.path.exists(path) else None


@unittest.skipIf(sx.missing(), sx.missing())
@unittest.skipIf(Publisher is None, "tests/integration/blrepo.py (bomiot-release) is not there yet")
class UpdateStagesTest(unittest.TestCase):
    """1.0.0 -> 1.1.0 by a patch, every byte served at 400 B/s so the check and
    the download take seconds, the patch rebuilding a 24 MB tar so installing
    takes some CPU. The launcher is photographed while paused (SIGSTOP,
    screenshot, SIGCONT, 15 ms of running between), so even a short stage is
    caught and each picture is one whole frame. A shot
    is told apart by its status line's first word, compared pixel for pixel
    with the same word drawn by bl-splash-driver at that stage."""

    RATE = 400
    WORD = (sx.PAD, 70)  # x and width of the status line's first word, in pixels

    @classmethod
    def setUpClass(cls):
        cls.x = sx.Xvfb()
        cls.addClassCleanup(cls.x.stop)
        cls.reference = sx.Image.load(sx.SPLASH_PNG)
        cls.refs = cls.driver_references()
        cls.pub = Publisher()
        cls.addClassCleanup(cls.pub.cleanup)
        cls.pub.init()
        cls.pub.add("1.0.0", data_size=24 << 20)
        cls.pub.add("1.1.0", data_size=24 << 20)
        cls.requests = os.path.join(cls.pub.dir, "requests.log")
        cls.server = TestServer(cls.pub.repo, log=cls.requests)
        cls.addClassCleanup(cls.server.stop)

    @classmethod
    def driver_references(cls):
        """The driver's window at each stage it scripts, and the rows of the
        status line (where its checking and applying frames differ)."""
        d = sx.Driver(cls.x)
        refs = {}
        try:
            for step, stage in (("checking", "checking"), ("downloading-1", "downloading"), ("downloading-2", None),
                                ("applying", "applying"), ("verifying", "verifying"), ("installing", "installing"),
                                ("starting", "starting")):
                d.at(step)
                if stage is None:
                    d.go(step)
                    continue
                d.shown(stage=sx.STAGE[step], **({"done": sx.DONE[step]} if step in sx.DONE else {}))
                path = os.path.join(sx.ARTIFACTS, f"launcher-reference-{stage}.png")
                refs[stage] = sx.Image.load(window_shot(cls.x, cls.x.wait_window(), path))
                d.go(step)
            d.finish()
        finally:
            d.cleanup()
        x0, w = cls.WORD
        cls.rows = [y for y in range(refs["checking"].height - 90, refs["checking"].height - sx.PAD - 8)
                    if refs["checking"].row(x0, y, w) != refs["applying"].row(x0, y, w)]
        if not 8 <= len(cls.rows) <= 24:
            raise AssertionError(f"status line rows not found: {cls.rows}")
        return refs

    def classify(self, image):
        x0, w = self.WORD
        word = [image.row(x0, y, w) for y in self.rows]
        for stage, ref in self.refs.items():
            if word == [ref.row(x0, y, w) for y in self.rows]:
                return stage
        return None

    def setUp(self):
        self.root = Root()
        seed_install(self.root, self.pub, "1.0.0")
        self.root.write_state({"current": "1.0.0"})
        add_resources(self.root)
        self.report = self.root.p("report.txt")

    def tearDown(self):
        self.root.cleanup()

    def photograph(self, proc, window, folder):
        """Shots of the paused launcher until its window goes: [(path, seconds since the first)]."""
        shots, first = [], time.monotonic()
        while proc.poll() is None:
            time.sleep(0.015)  # enough for a frame: the one due while it was paused is drawn at once
            try:
                proc.send_signal(signal.SIGSTOP)
            except ProcessLookupError:
                break
            try:
                path = window_shot(self.x, window, os.path.join(folder, f"shot-{len(shots):03d}.png"))
            finally:
                proc.send_signal(signal.SIGCONT)
            if path is None and shots:
                break  # the splash was taken down: the app is starting
            if path:
                shots.append((path, time.monotonic() - first))
        return shots

    def test_update_stages_are_shown_in_order_with_a_growing_bar(self):
        self.root.write_config({"update_url": f"{self.server.url}/_fault/slow/{self.RATE}", "check_seconds": 60,
                                "update_interval": 0})
        env = {k: v for k, v in self.x.env.items() if not k.startswith("BOMIOT_")}
        proc = subprocess.Popen([self.root.launcher, f"--report={self.report}"], env=env, cwd=self.root.path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            window = self.x.wait_window(proc=proc)
            geometry = self.x.geometry(window)
            self.assertEqual(geometry, ((self.x.width - 560) // 2, (self.x.height - 340) // 2, 560, 340, True))
            folder = os.path.join(sx.ARTIFACTS, "launcher-update")
            shutil.rmtree(folder, ignore_errors=True)
            os.makedirs(folder)
            for old in os.listdir(sx.ARTIFACTS):  # the named copies of an earlier run
                if old.startswith("launcher-update-"):
                    os.remove(os.path.join(sx.ARTIFACTS, old))
            shots = self.photograph(proc, window, folder)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 0, err)
        self.assertEqual(parse_report(self.report)["version"], "1.1.0")
        self.assertIn("installing 1.1.0: 1 patch(es)", self.root.log())

        seen = []  # (stage, image, path) in time order
        for path, _ in shots:
            image = sx.Image.load(path)
            self.assertLessEqual(image.mismatch(self.reference, 200), 0.002, path)  # the picture, every frame
            seen.append((self.classify(image), image, path))
        order = []
        for stage, _, _ in seen:
            if stage and (not order or order[-1] != stage):
                order.append(stage)
        # the one patch is applied, hashed and unpacked in one pass, shown as
        # installing (applying is for the earlier patches of a chain)
        required = ["checking", "downloading", "installing"]
        for stage in required:
            self.assertIn(stage, order, f"never photographed {stage}: {order} in {len(shots)} shots")
        expected = required
        position = {stage: order.index(stage) for stage in expected}
        self.assertEqual(sorted(position, key=position.get), expected, order)
        # the bar follows the bytes of the patch: it never shrinks within the
        # download and ends fuller than it began
        widths = [image.bar() for stage, image, _ in seen if stage == "downloading"]
        self.assertEqual(widths, sorted(widths), widths)
        self.assertGreater(widths[-1], widths[0], widths)
        self.assertLessEqual(widths[-1], 560 - 2 * sx.PAD)
        # while checking the total is unknown: a sweeping segment, no fill from the left
        for stage, image, path in seen:
            if stage == "checking":
                self.assertLessEqual(image.bar_pixels(), (560 - 2 * sx.PAD) * 28 // 100 + 1, path)
        # keep one shot per stage (and every download shot) under readable names
        kept = {}
        for i, (stage, image, path) in enumerate(seen):
            if stage and (stage == "downloading" or stage not in kept):
                kept[stage] = path
                shutil.copy2(path, os.path.join(sx.ARTIFACTS, f"launcher-update-{i:03d}-{stage}.png"))


if __name__ == "__main__":
    unittest.main()
