# SPDX-License-Identifier: Apache-2.0
"""The splash under Xvfb, driven by bl-splash-driver (the splash exactly as
main.c runs it, with a scripted update worker that waits at gates so every
stage can be photographed): the window's size and place, its pixels against
resources/splash.png, the progress bar filling, HiDPI, the publisher's own
image, an error sentence, and a window that stays responsive while the work
is blocked. The real launcher's paths are in test_splash_launcher.py, which
imports the helpers below. Screenshots are kept in <build>/tests/artifacts/splash.

The helpers: an X server for the splash tests, one Xvfb per test class on a display
number the server picks itself (-displayfd, so parallel runs never collide),
screenshots with ImageMagick's import, window geometry with xwininfo and
xdotool, pixels read back as RGB (ImageMagick's PPM, no Python imaging
library needed), and a WM_DELETE_WINDOW sent the way a window manager does
when the user clicks close (through libX11 with ctypes: xdotool 3.2016's
windowclose destroys the window instead, which no desktop does)."""
import ctypes
import ctypes.util
import os
import re
import shutil
import subprocess
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blroot  # noqa: E402
from blroot import BUILD  # noqa: E402

SOURCE = os.environ.get("BL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SPLASH_PNG = os.path.join(SOURCE, "resources", "splash.png")
RESOURCES = os.path.join(BUILD, "launcher", "resources")
DRIVER = os.path.join(BUILD, "tests", "bl-splash-driver")
ARTIFACTS = os.path.join(BUILD, "tests", "artifacts", "splash")
TOOLS = ("xdotool", "xwininfo", "import", "convert")

# What splash_draw.c paints, in image pixels: the bar's fill colour, its
# padding from the window's edges, the error sentence's and the status line's colours.
BAR_RGB = (88, 166, 255)
PAD = 16
ERROR_RGB = (255, 150, 128)
STATUS_RGB = (226, 232, 241)


def contrast(a, b):
    """WCAG contrast ratio of two sRGB colours (1 to 21)."""
    def luminance(rgb):
        lin = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def missing():
    """Why the splash tests cannot run here, or None."""
    if not shutil.which("Xvfb"):
        return "Xvfb is not installed (apt-get install xvfb; scripts/deps.sh lists it)"
    return None


class Xvfb:
    def __init__(self, width=1280, height=800, dpi=96):
        absent = [t for t in TOOLS if not shutil.which(t)]
        if absent:  # scripts/deps.sh installs them with Xvfb: their absence is a broken setup
            raise RuntimeError(f"missing {', '.join(absent)} (scripts/deps.sh installs x11-utils, "
                               "xdotool and imagemagick)")
        self.width, self.height = width, height
        read, write = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24", "-dpi", str(dpi),
             "-nolisten", "tcp", "-noreset"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        number = b""
        with os.fdopen(read, "rb") as f:
            while not number.endswith(b"\n"):
                chunk = f.read(1)
                if not chunk:
                    break
                number += chunk
        if not number.strip():
            self.proc.kill()
            raise RuntimeError("Xvfb did not start")
        self.display = ":" + number.decode().strip()
        self.env = dict(os.environ, DISPLAY=self.display)
        for k in ("WAYLAND_DISPLAY", "SDL_VIDEODRIVER", "GDK_SCALE"):
            self.env.pop(k, None)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def run(self, *cmd, check=True):
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True, check=check, timeout=30)

    def windows(self, name="Bomiot"):
        """Visible top-level windows named name (the splash's title is the app's name)."""
        r = self.run("xdotool", "search", "--onlyvisible", "--name", f"^{name}$", check=False)
        return [int(w) for w in r.stdout.split()]

    def wait_window(self, name="Bomiot", timeout=10, proc=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.windows(name)
            if found:
                return found[0]
            if proc is not None and proc.poll() is not None:
                raise AssertionError(f"the process ended ({proc.returncode}) before a window showed")
            time.sleep(0.02)
        raise AssertionError(f"no window named {name} within {timeout} s")

    def geometry(self, window):
        """(x, y, width, height, mapped) from xwininfo: where the window really is on screen."""
        out = self.run("xwininfo", "-id", str(window)).stdout

        def field(label):
            return int(re.search(label + r":\s+(-?\d+)", out).group(1))
        mapped = "IsViewable" in out
        return (field("Absolute upper-left X"), field("Absolute upper-left Y"), field("Width"),
                field("Height"), mapped)

    def screenshot(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.run("import", "-window", "root", path)
        return Image.load(path)

    def move(self, window, x, y):
        self.run("xdotool", "windowmove", str(window), str(x), str(y))

    def remap(self, window):
        """Unmaps and maps the window: Xvfb keeps no backing store, so the
        window shows its picture again only if its owner repaints it."""
        self.run("xdotool", "windowunmap", "--sync", str(window))
        self.run("xdotool", "windowmap", "--sync", str(window))

    def _xlib(self):
        x11 = ctypes.CDLL(ctypes.util.find_library("X11"))
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XInternAtom.restype = ctypes.c_ulong
        x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
        x11.XDefaultRootWindow.restype = ctypes.c_ulong
        x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x11.XSelectInput.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_long]
        x11.XPending.argtypes = [ctypes.c_void_p]
        x11.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        x11.XFlush.argtypes = [ctypes.c_void_p]
        x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        dpy = x11.XOpenDisplay(self.display.encode())
        if not dpy:
            raise RuntimeError(f"cannot open {self.display}")
        return x11, dpy

    def _protocol_message(self, x11, dpy, window, protocol, time_value):
        ev = ClientMessage()
        ev.type = 33  # ClientMessage
        ev.window = window
        ev.message_type = x11.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
        ev.format = 32
        ev.data[0] = x11.XInternAtom(dpy, protocol, 0)
        ev.data[1] = time_value
        ev.data[2] = window
        if not x11.XSendEvent(dpy, window, 0, 0, ctypes.byref(ev)):
            raise RuntimeError("XSendEvent failed")
        x11.XFlush(dpy)

    def close(self, window):
        """What a window manager does when the user clicks close."""
        x11, dpy = self._xlib()
        try:
            self._protocol_message(x11, dpy, window, b"WM_DELETE_WINDOW", 0)
        finally:
            x11.XCloseDisplay(dpy)

    def ping(self, window, timeout=2.0):
        """_NET_WM_PING, as a window manager asks whether a window is alive
        (it marks it "not responding" otherwise): True if the window's owner
        answered on the root window within timeout."""
        x11, dpy = self._xlib()
        try:
            root = x11.XDefaultRootWindow(dpy)
            # the answer goes to the root with these masks; no window manager runs here to take them
            x11.XSelectInput(dpy, root, (1 << 19) | (1 << 20))  # SubstructureNotify | SubstructureRedirect
            x11.XSync(dpy, 0)
            stamp = 4242 + int(time.monotonic() * 1000) % 100000
            self._protocol_message(x11, dpy, window, b"_NET_WM_PING", stamp)
            deadline = time.monotonic() + timeout
            ev = ClientMessage()
            while time.monotonic() < deadline:
                while x11.XPending(dpy):
                    x11.XNextEvent(dpy, ctypes.byref(ev))
                    if ev.type == 33 and ev.data[1] == stamp and ev.data[2] == window:
                        return True
                time.sleep(0.01)
            return False
        finally:
            x11.XCloseDisplay(dpy)


class ClientMessage(ctypes.Structure):
    """XClientMessageEvent, padded to the size of an XEvent (24 longs)."""
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong),
                ("message_type", ctypes.c_ulong), ("format", ctypes.c_int),
                ("data", ctypes.c_long * 5), ("pad", ctypes.c_long * 24)]


class Image:
    """RGB pixels of a PNG (or anything ImageMagick reads)."""

    def __init__(self, width, height, data):
        self.width, self.height, self.data = width, height, data

    @classmethod
    def load(cls, path):
        ppm = subprocess.run(["convert", path, "-depth", "8", "ppm:-"], capture_output=True, check=True,
                             timeout=30).stdout
        m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", ppm)
        if not m:
            raise AssertionError(f"{path}: not an 8-bit image")
        w, h = int(m.group(1)), int(m.group(2))
        data = ppm[m.end():]
        if len(data) != w * h * 3:
            raise AssertionError(f"{path}: {len(data)} bytes of pixels for {w}x{h}")
        return cls(w, h, data)

    def pixel(self, x, y):
        i = (y * self.width + x) * 3
        return tuple(self.data[i:i + 3])

    def row(self, x, y, n):
        i = (y * self.width + x) * 3
        return self.data[i:i + 3 * n]

    def crop(self, x, y, w, h):
        return Image(w, h, b"".join(self.row(x, y + r, w) for r in range(h)))

    def scaled_down(self, factor):
        """Every factor-th pixel: enough to compare a 2x window with its image."""
        w, h = self.width // factor, self.height // factor
        rows = []
        for r in range(h):
            line = self.row(0, r * factor, self.width)
            rows.append(b"".join(line[c * factor * 3:c * factor * 3 + 3] for c in range(w)))
        return Image(w, h, b"".join(rows))

    def mismatch(self, other, rows, tolerance=2):
        """The fraction of pixels in the first rows that differ from other's by more than tolerance."""
        if self.width != other.width:
            raise AssertionError(f"widths differ: {self.width} vs {other.width}")
        bad = 0
        for r in range(rows):
            a, b = self.row(0, r, self.width), other.row(0, r, self.width)
            for i in range(0, len(a), 3):
                if (abs(a[i] - b[i]) > tolerance or abs(a[i + 1] - b[i + 1]) > tolerance
                        or abs(a[i + 2] - b[i + 2]) > tolerance):
                    bad += 1
        return bad / (rows * self.width)

    def count(self, rgb, x=0, y=0, w=None, h=None):
        w = self.width - x if w is None else w
        h = self.height - y if h is None else h
        needle = bytes(rgb)
        return sum(1 for r in range(y, y + h) for c in range(w)
                   if self.row(x + c, r, 1) == needle)

    def bar_pixels(self, scale=1):
        """How many pixels of the bar's colour the fullest row near the bottom has."""
        needle = bytes(BAR_RGB)
        return max(sum(1 for c in range(self.width) if self.row(c, y, 1) == needle)
                   for y in range(max(0, self.height - round(48 * scale)), self.height))

    def bar(self, scale=1):
        """The progress bar's filled width: the longest run of the bar's
        colour starting at its left padding, on the row near the bottom
        that has most of it. 0 when no row has the colour there."""
        needle = bytes(BAR_RGB)
        start = round(PAD * scale)
        best = 0
        for y in range(max(0, self.height - round(48 * scale)), self.height):
            n = 0
            while start + n < self.width and self.row(start + n, y, 1) == needle:
                n += 1
            best = max(best, n)
        return best


def wait_for(predicate, timeout=10, what="a condition"):
    return blroot.wait_for(predicate, timeout, what, poll=0.02)


class Driver:
    """bl-splash-driver in a scratch folder: its gates, its state file (what
    the window last showed, rewritten after every frame and event batch)
    and its log."""

    def __init__(self, x, *args, env=None, gate=True):
        self.dir = tempfile.mkdtemp(prefix="bl-splash-")
        self.gate = os.path.join(self.dir, "gate")
        os.makedirs(self.gate)
        self.state_path = os.path.join(self.dir, "state")
        self.log_path = os.path.join(self.dir, "update.log")
        cmd = [DRIVER, "--root", BUILD + "/launcher", "--state", self.state_path, "--log", self.log_path, *args]
        if gate:
            cmd += ["--gate", self.gate]
        full_env = dict(x.env)
        full_env.update(env or {})
        self.proc = subprocess.Popen(cmd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def at(self, name, timeout=10):
        wait_for(lambda: os.path.exists(os.path.join(self.gate, "at-" + name)) or self.proc.poll() is not None,
                 timeout, f"the worker to reach {name}")
        if self.proc.poll() is not None:
            raise AssertionError(f"the driver ended early: {self.proc.communicate()}")

    def go(self, name):
        open(os.path.join(self.gate, "go-" + name), "w").close()

    def state(self):
        try:
            with open(self.state_path) as f:
                return dict(line.split("=", 1) for line in f.read().splitlines())
        except FileNotFoundError:
            return {}

    def shown(self, timeout=10, **want):
        """Waits until the last frame showed want (stage=2, done=...), returns the state."""
        def check():
            st = self.state()
            return st if st and all(st.get(k) == str(v) for k, v in want.items()) else None
        return wait_for(check, timeout, f"a frame showing {want} (last: {self.state()})")

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def finish(self, timeout=20):
        out, err = self.proc.communicate(timeout=timeout)
        m = re.search(r"result=(\w+) work_rc=(-?\d+) start_ns=(\d+) first_frame_ns=(\d+) end_ns=(\d+)", out)
        if not m:
            raise AssertionError(f"driver said {out!r} {err!r}")
        return {"result": m.group(1), "work_rc": int(m.group(2)), "start_ns": int(m.group(3)),
                "first_frame_ns": int(m.group(4)), "end_ns": int(m.group(5)), "stderr": err}

    def cleanup(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()
        shutil.rmtree(self.dir, ignore_errors=True)


STEPS = ("checking", "downloading-1", "downloading-2", "applying", "verifying", "installing", "starting")
TOTAL = 40100000  # the driver's download: 9.6 MB, then 26.2 MB of 40.1 MB
STAGE = {"checking": 1, "downloading-1": 2, "downloading-2": 2, "applying": 3, "verifying": 4, "installing": 5,
         "starting": 6}
DONE = {"downloading-1": 9600000, "downloading-2": 26200000}


@unittest.skipIf(missing(), missing())
class SplashDriverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.x = Xvfb()
        cls.addClassCleanup(cls.x.stop)  # also when the rest of setUpClass fails
        cls.reference = Image.load(SPLASH_PNG)

    def setUp(self):
        self.drivers = []
        self.tmp = tempfile.mkdtemp(prefix="bl-splash-test-")

    def tearDown(self):
        for d in self.drivers:
            d.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def driver(self, *args, **kw):
        d = Driver(self.x, *args, **kw)
        self.drivers.append(d)
        return d

    def artifact(self, name):
        return os.path.join(ARTIFACTS, f"{self.id().split('.')[-1]}-{name}.png")

    def window_image(self, shot, geometry):
        x, y, w, h, _ = geometry
        return shot.crop(x, y, w, h)

    def assert_shows_image(self, window, reference, rows=None, tolerance=2, fraction=0.002):
        """The picture's part above the band (60% of the height) is the image, pixel for pixel."""
        rows = rows or reference.height * 6 // 10
        self.assertLessEqual(window.mismatch(reference, rows, tolerance), fraction)

    def walk(self, d, upto=None, shots=None):
        """Lets the worker through every gate up to upto (screenshots at each
        into shots); a gate already passed is passed again harmlessly."""
        for step in STEPS:
            d.at(step)
            if step == upto:
                return
            if shots is not None:
                want = {"stage": STAGE[step]}
                if step in DONE:
                    want["done"] = DONE[step]
                d.shown(**want)
                shots[step] = self.x.screenshot(self.artifact(step))
            d.go(step)

    def test_window_is_centred_at_the_image_size_and_shows_the_image(self):
        d = self.driver()
        d.at("checking")
        st = d.shown(stage=1)
        window = self.x.wait_window()
        geometry = self.x.geometry(window)
        w, h = self.reference.width, self.reference.height
        self.assertEqual(geometry, ((self.x.width - w) // 2, (self.x.height - h) // 2, w, h, True))
        self.assertEqual((st["width"], st["height"], st["scale"]), (str(w), str(h), "1.000"))
        self.assertEqual((st["has_image"], st["has_font"]), ("1", "1"))
        shot = self.x.screenshot(self.artifact("checking"))
        self.assert_shows_image(self.window_image(shot, geometry), self.reference)
        self.walk(d)
        r = d.finish()
        self.assertEqual((r["result"], r["work_rc"]), ("ok", 0))
        self.assertEqual(self.x.windows(), [])  # taken down once the app started
        self.assertNotIn("WARN", d.log())

    def test_progress_bar_fills_with_the_download(self):
        d = self.driver()
        shots = {}
        self.walk(d, shots=shots)
        r = d.finish()
        self.assertEqual(r["result"], "ok")
        geometry = ((self.x.width - 560) // 2, (self.x.height - 340) // 2, 560, 340, True)
        win = {k: self.window_image(v, geometry) for k, v in shots.items()}
        inner = 560 - 2 * PAD
        first, second = win["downloading-1"].bar(), win["downloading-2"].bar()
        self.assertAlmostEqual(first, inner * DONE["downloading-1"] / TOTAL, delta=2)
        self.assertAlmostEqual(second, inner * DONE["downloading-2"] / TOTAL, delta=2)
        self.assertGreater(second, first + 150)
        # the total is unknown while checking, applying, starting: a segment
        # sweeps (never more than 28% of the bar) instead of a fill
        for step in ("checking", "applying", "verifying", "installing", "starting"):
            self.assertLessEqual(win[step].bar_pixels(), inner * 28 // 100 + 1, step)
        # every stage drew its own status line: no two shots have the same band
        bands = {k: v.crop(0, 340 - 90, 560, 90).data for k, v in win.items()}
        self.assertEqual(len(set(bands.values())), len(bands))
        for k, v in win.items():
            self.assert_shows_image(v, self.reference)

    def test_indeterminate_bar_keeps_moving_while_checking(self):
        d = self.driver()
        d.at("checking")
        d.shown(stage=1)
        geometry = self.x.geometry(self.x.wait_window())
        positions = set()
        for i in range(6):
            shot = self.window_image(self.x.screenshot(self.artifact(f"sweep-{i}")), geometry)
            row = max(range(340 - 48, 340), key=lambda y: shot.count(BAR_RGB, 0, y, 560, 1))
            xs = [c for c in range(560) if shot.row(c, row, 1) == bytes(BAR_RGB)]
            positions.add((xs[0], xs[-1]) if xs else None)
            time.sleep(0.17)
        self.assertGreaterEqual(len(positions), 3, positions)  # it is animated, not a still frame
        self.walk(d)
        d.finish()

    def test_publisher_bmp_image_from_a_relative_path(self):
        os.makedirs(os.path.join(self.tmp, "art"))
        subprocess.run(["convert", SPLASH_PNG, "-flop", os.path.join(self.tmp, "art", "mine.bmp")], check=True)
        reference = Image.load(os.path.join(self.tmp, "art", "mine.bmp"))
        d = self.driver("--image", "art/mine.bmp", "--root", self.tmp,
                        "--font", os.path.join(RESOURCES, "DejaVuSans.ttf"))
        d.at("checking")
        self.assertEqual(d.shown(stage=1)["has_image"], "1")
        geometry = self.x.geometry(self.x.wait_window())
        shot = self.window_image(self.x.screenshot(self.artifact("bmp")), geometry)
        self.assert_shows_image(shot, reference)
        self.assertGreater(shot.mismatch(self.reference, 200), 0.2)  # the mirrored picture, not the default
        self.walk(d)
        d.finish()

    def test_missing_image_gives_a_plain_background_and_one_warning(self):
        d = self.driver("--image", os.path.join(self.tmp, "nowhere.png"))
        self.walk(d, upto="downloading-1")
        st = d.shown(stage=2, done=DONE["downloading-1"])
        self.assertEqual((st["has_image"], st["width"], st["height"]), ("0", "560", "340"))
        geometry = self.x.geometry(self.x.wait_window())
        shot = self.window_image(self.x.screenshot(self.artifact("plain")), geometry)
        self.assertAlmostEqual(shot.bar(), (560 - 2 * PAD) * DONE["downloading-1"] / TOTAL, delta=2)
        warnings = [line for line in d.log().splitlines() if "WARN" in line]
        self.assertEqual(len(warnings), 1, warnings)
        self.assertIn("cannot show the image " + os.path.join(self.tmp, "nowhere.png"), warnings[0])
        self.assertIn("plain background", warnings[0])
        self.walk(d)
        self.assertEqual(d.finish()["result"], "ok")

    def test_hidpi_desktop_gets_a_window_twice_the_size(self):
        d = self.driver(env={"GDK_SCALE": "2"})
        self.walk(d, upto="downloading-1")
        st = d.shown(stage=2, done=DONE["downloading-1"])
        self.assertEqual((st["width"], st["height"], st["pixel_width"], st["scale"]), ("1120", "680", "1120", "2.000"))
        geometry = self.x.geometry(self.x.wait_window())
        self.assertEqual(geometry, ((self.x.width - 1120) // 2, (self.x.height - 680) // 2, 1120, 680, True))
        shot = self.window_image(self.x.screenshot(self.artifact("hidpi")), geometry)
        self.assert_shows_image(shot.scaled_down(2), self.reference, tolerance=40, fraction=0.05)
        self.assertAlmostEqual(shot.bar(scale=2), (1120 - 4 * PAD) * DONE["downloading-1"] / TOTAL, delta=3)
        self.walk(d)
        d.finish()

    def test_an_error_sentence_stays_readable_then_the_app_starts(self):
        d = self.driver("--mode", "error", gate=False)
        st = d.shown(error="yes")
        geometry = self.x.geometry(self.x.wait_window())
        shot = self.window_image(self.x.screenshot(self.artifact("error")), geometry)
        self.assertGreater(shot.count(ERROR_RGB, 0, 340 - 90, 560, 90), 40)  # the warm text in the band
        self.assertEqual(st["has_font"], "1")
        r = d.finish()
        self.assertEqual(r["work_rc"], 14)  # BL_ENOSPC came back to the caller
        # on screen for the BL_SPLASH_ERROR_SHOW_MS (5 s) a sentence needs, no longer
        shown = (r["end_ns"] - r["first_frame_ns"]) / 1e9
        self.assertGreaterEqual(shown, 4.9)
        self.assertLess(shown, 9)

    def test_window_stays_responsive_while_the_work_is_blocked(self):
        d = self.driver("--mode", "block")
        d.at("blocked")
        d.shown(stage=1)
        window = self.x.wait_window()
        # moved: the window goes there and the splash sees it (its own idea of where it is follows)
        self.x.move(window, 40, 50)
        wait_for(lambda: self.x.geometry(window)[:2] == (40, 50), what="the window to move")
        d.shown(x=40, y=50)
        shot = self.x.screenshot(self.artifact("moved"))
        self.assert_shows_image(self.window_image(shot, self.x.geometry(window)), self.reference)
        # exposed: unmapped and mapped again, so its pixels are gone; it repaints them
        frames = int(d.state()["frames"])
        self.x.remap(window)
        wait_for(lambda: int(d.state()["frames"]) > frames, what="a repaint after the expose")
        shot = self.x.screenshot(self.artifact("exposed"))
        self.assert_shows_image(self.window_image(shot, self.x.geometry(window)), self.reference)
        # the control: a frozen process leaves the exposed window unpainted,
        # so the checks above do tell a live window from a dead one
        d.proc.send_signal(signal.SIGSTOP)
        try:
            self.x.remap(window)
            time.sleep(0.3)
            frozen = self.x.screenshot(self.artifact("frozen"))
            self.assertGreater(self.window_image(frozen, self.x.geometry(window)).mismatch(self.reference, 200), 0.5)
        finally:
            d.proc.send_signal(signal.SIGCONT)
        wait_for(lambda: self.window_image(self.x.screenshot(self.artifact("thawed")), self.x.geometry(window))
                 .mismatch(self.reference, 200) < 0.002, what="the repaint after SIGCONT")
        # a window manager's "are you alive?" is answered, while the work blocks;
        # a frozen process (the control) does not answer
        self.assertTrue(self.x.ping(window))
        d.proc.send_signal(signal.SIGSTOP)
        try:
            self.assertFalse(self.x.ping(window, timeout=0.5))
        finally:
            d.proc.send_signal(signal.SIGCONT)
        self.assertTrue(self.x.ping(window))
        # closed by the user: the blocked work is cancelled, the app starts
        self.x.close(window)
        r = d.finish()
        self.assertEqual((r["result"], r["work_rc"]), ("cancelled", 13))  # BL_ECANCELED
        self.assertIn("closed by the user: cancelling the update", d.log())
        self.assertEqual(self.x.windows(), [])

    def test_escape_closes_the_splash_too(self):
        d = self.driver("--mode", "block")
        d.at("blocked")
        d.shown(stage=1)
        window = self.x.wait_window()
        self.x.run("xdotool", "windowfocus", "--sync", str(window))
        self.x.run("xdotool", "key", "Escape")
        r = d.finish()
        self.assertEqual(r["result"], "cancelled")

    def test_work_that_ends_within_the_grace_opens_no_window(self):
        d = self.driver("--mode", "instant", gate=False)
        r = d.finish()
        self.assertEqual((r["result"], r["work_rc"], r["first_frame_ns"]), ("ok", 0, 0))
        self.assertNotIn("splash:", d.log())  # nothing to say: nothing went wrong
        self.assertFalse(os.path.exists(d.state_path))  # never a frame, never an event

    def test_splash_off_opens_no_window_and_still_runs_the_work(self):
        d = self.driver("--off", "--mode", "stages", gate=False)
        r = d.finish()
        self.assertEqual((r["result"], r["work_rc"], r["first_frame_ns"]), ("ok", 0, 0))
        lines = [line for line in d.log().splitlines() if "splash:" in line]
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("the splash is off", lines[0])

    def band_is_readable(self, image_path, name):
        """The text band over a publisher's image: dark whatever the picture,
        so the white title and light status line stand out on it."""
        d = self.driver("--image", image_path)
        self.walk(d, upto="downloading-1")
        d.shown(stage=2, done=DONE["downloading-1"])
        geometry = self.x.geometry(self.x.wait_window())
        shot = self.window_image(self.x.screenshot(self.artifact(name)), geometry)
        band = [shot.pixel(x, y) for y in range(340 - 86, 340 - 30) for x in range(300, 540, 7)]
        readable = sum(1 for p in band if contrast(STATUS_RGB, p) >= 4.5)  # WCAG AA for body text
        self.walk(d)
        d.finish()
        self.assertGreater(readable / len(band), 0.9, name)  # the band between the words
        self.assertGreater(shot.count((255, 255, 255), 0, 340 - 90, 200, 40), 30)  # the title's white

    def test_text_band_stays_dark_on_a_white_image(self):
        path = os.path.join(self.tmp, "white.png")
        subprocess.run(["convert", "-size", "560x340", "xc:white", path], check=True)
        self.band_is_readable(path, "white")

    def test_text_band_stays_dark_on_a_busy_image(self):
        path = os.path.join(self.tmp, "noise.png")
        subprocess.run(["convert", "-size", "560x340", "xc:", "+noise", "Random", path], check=True)
        self.band_is_readable(path, "noise")


if __name__ == "__main__":
    unittest.main()
