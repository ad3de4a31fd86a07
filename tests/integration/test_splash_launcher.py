"""The splash in the real launcher: headless paths (no display, a broken SDL
video driver, the splash turned off) where the app still starts and one log
line says why, and a window that stays responsive and closable while the
update at launch is blocked on a server that holds the connection."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blroot import Root, parse_report  # noqa: E402
import test_splash_xvfb as sx  # noqa: E402  (a module import: its tests do not run twice)

SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server", "testserver.py")


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
    """No splash never means no app. These need no X server except the broken
    driver case, which proves a display that SDL cannot use is survived too."""

    def setUp(self):
        self.root = Root()
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})
        add_resources(self.root)
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
        line, _ = self.launch({"DISPLAY": ":987"})  # named, but no server there
        self.assertIn("SDL cannot use the display", line)


@unittest.skipIf(sx.missing(), sx.missing())
class BlockedUpdateTest(unittest.TestCase):
    """The update at launch waits on a server that accepted the connection and
    says nothing; check_seconds is a minute, so only the user ends the wait."""

    @classmethod
    def setUpClass(cls):
        cls.x = sx.Xvfb()
        cls.reference = sx.Image.load(sx.SPLASH_PNG)
        cls.tmp = tempfile.mkdtemp(prefix="bl-splash-srv-")
        cls.trusted_root = signed_root(cls.tmp)
        cls.server_log = os.path.join(cls.tmp, "requests.log")
        cls.server = subprocess.Popen([sys.executable, SERVER, cls.tmp, "--log", cls.server_log],
                                      stdout=subprocess.PIPE, text=True)
        cls.port = int(cls.server.stdout.readline())
        cls.server.stdout.close()

    @classmethod
    def tearDownClass(cls):
        cls.server.kill()
        cls.server.wait()
        cls.x.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.root = Root()
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})
        add_resources(self.root, self.trusted_root)
        self.root.write_config({"update_url": f"http://127.0.0.1:{self.port}/_fault/hold/{self.id()}",
                                "check_seconds": 60, "update_interval": 0})
        self.report = self.root.p("report.txt")
        env = {k: v for k, v in self.x.env.items() if not k.startswith("BOMIOT_")}
        self.proc = subprocess.Popen([self.root.launcher, f"--report={self.report}"], env=env,
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


if __name__ == "__main__":
    unittest.main()
