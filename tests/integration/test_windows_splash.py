# SPDX-License-Identifier: Apache-2.0
"""The Windows launcher's splash under Wine: bomiot-launcher.exe (SDL2 linked
statically, a GUI-subsystem program) opens its window on an X server (Xvfb)
while the update at launch is held by a server that accepts the connection
and says nothing, the window shows resources/splash.png, closing it cancels
the update and the installed version starts; with no display at all the app
still starts; in Chinese (launcher.json's language and display_name) its
lines are drawn with the Windows UI font for Chinese, found by name in
C:\windows\Fonts. Screenshots go to <build>/tests/artifacts/splash/windows-*.png.

Wine decides the desktop once per session: the first program of a Wine
prefix starts explorer.exe, which takes the screen's size and monitors from
that program's DISPLAY, or makes a 1024x768 desktop of the null driver
without one, as in the run's session (tests/windows/run.sh starts it with no
display). A window opened later with DISPLAY set does show on that X server,
but placed for the session's desktop (seen: centred on 1024x768 on a
1280x800 Xvfb). The windowed tests therefore run in a copy of the run's
prefix with their own wineserver and the Xvfb's DISPLAY from the start; the
headless test runs in the run's own session with DISPLAY empty."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "windows"))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
from wineroot import BUILD, WINE, WinRoot, missing, parse_report, wait_for, winpath  # noqa: E402
import test_splash_xvfb as sx  # noqa: E402  (module imports: their tests do not run here)
import test_splash_launcher as sl  # noqa: E402
import test_splash_language as lang  # noqa: E402
from server import TestServer  # noqa: E402

RESOURCES = os.path.join(BUILD, "launcher", "resources")
WHY = missing() or (None if os.path.isfile(os.path.join(RESOURCES, "splash.png")) else
                    "the Windows build has no splash (configured with -DBL_SPLASH=OFF)")
WINESERVER = shutil.which("wineserver") or "/usr/lib/wine/wineserver"


def add_resources(root, trusted_root):
    """What an installed launcher has beside it: the build's font and image,
    and the publisher's trusted root (so the update at launch asks the server)."""
    os.makedirs(root.p("resources"), exist_ok=True)
    for name in ("DejaVuSans.ttf", "splash.png"):
        shutil.copy2(os.path.join(RESOURCES, name), root.p("resources", name))
    with open(root.p("resources", "root.json"), "w") as f:
        f.write(trusted_root)


def splash_lines(root):
    return [line for line in root.log().splitlines() if " splash: " in line]


class HeldUpdate(unittest.TestCase):
    """An install root with 1.0.0 whose update at launch waits on a held
    request (check_seconds long enough that only the user or the time box
    ends it)."""
    check_seconds = 60

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="bl-winsplash-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.trusted_root = sl.signed_root(cls.tmp)
        cls.server_log = os.path.join(cls.tmp, "requests.log")
        cls.server = TestServer(cls.tmp, log=cls.server_log)
        cls.addClassCleanup(cls.server.stop)

    def setUp(self):
        self.root = WinRoot()
        self.addCleanup(self.root.cleanup)
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})
        add_resources(self.root, self.trusted_root)
        self.root.write_config({"update_url": f"{self.server.url}/_fault/hold/{self.id()}",
                                "check_seconds": self.check_seconds, "update_interval": 0})
        self.report = self.root.p("report.txt")

    def held(self):
        try:
            with open(self.server_log) as f:
                return f"/_fault/hold/{self.id()}/" in f.read()
        except FileNotFoundError:
            return False


_desktop_prefix = []  # the copy of the run's Wine prefix the windowed tests share


def desktop_prefix():
    """A copy of the run's Wine prefix (about 0.7 GB, a second or two),
    made once for this file and removed after it."""
    if not _desktop_prefix:
        folder = tempfile.mkdtemp(prefix="bl-winsplash-prefix-")
        unittest.addModuleCleanup(shutil.rmtree, folder, ignore_errors=True)
        subprocess.run(["cp", "-a", os.environ["WINEPREFIX"], os.path.join(folder, "prefix")], check=True)
        _desktop_prefix.append(os.path.join(folder, "prefix"))
    return _desktop_prefix[0]


class WineDesktop(HeldUpdate):
    """A Wine session of our own whose desktop has the X11 driver, on an
    Xvfb: the prefix's copy, a persistent wineserver for this class, its
    services started at once with the Xvfb's DISPLAY (no pipes of ours for
    them to keep open), the Windows desktop's DPI set to dpi (LogPixels,
    what the display settings' scale writes: 96 is 100 %, 192 is 200 %)."""
    dpi = 96
    window_name = "Bomiot"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.x = sx.Xvfb()
        cls.addClassCleanup(cls.x.stop)
        cls.reference = sx.Image.load(sx.SPLASH_PNG)
        started = time.monotonic()
        cls.prefix = desktop_prefix()
        cls.env = dict(cls.x.env, WINEPREFIX=cls.prefix, WINEDEBUG="-all")
        cls.env = {k: v for k, v in cls.env.items() if not k.startswith("BOMIOT_")}
        subprocess.run([WINESERVER, "-p"], env=cls.env, check=True)
        cls.addClassCleanup(subprocess.run, [WINESERVER, "-k"], env=cls.env)
        subprocess.run([WINE, "reg", "add", "HKCU\\Control Panel\\Desktop", "/v", "LogPixels", "/t", "REG_DWORD",
                        "/d", str(cls.dpi), "/f"], env=cls.env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=120)
        print(f"\nwindows splash: Wine session at {cls.dpi} DPI with the X11 driver ready in "
              f"{time.monotonic() - started:.1f} s", file=sys.stderr)

    def start(self, *args):
        proc = subprocess.Popen([WINE, self.root.launcher, f"--report={winpath(self.report)}", *args],
                                env=self.env, cwd=self.root.path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.communicate()))
        return proc

    def shot(self, name):
        return os.path.join(sx.ARTIFACTS, f"windows-{self.id().split('.')[-1]}-{name}.png")

    def window_shows_image(self, window, name):
        shot = self.x.screenshot(self.shot(name))
        x, y, w, h, _ = self.x.geometry(window)
        scale = self.dpi // 96
        if scale == 1:
            return shot.crop(x, y, w, h).mismatch(self.reference, 200) < 0.002
        # drawn at twice the size from the same image: filtered, so compared loosely
        return shot.crop(x, y, w, h).scaled_down(scale).mismatch(self.reference, 200, tolerance=40) < 0.05

    def held_splash(self):
        """The launcher started, its window up (at the screen's centre, the
        image's size times the desktop's scale) while the check is held."""
        proc = self.start()
        window = self.x.wait_window(name=self.window_name, proc=proc, timeout=60)
        wait_for(self.held, what="the held request")
        x, y, w, h, mapped = self.x.geometry(window)
        self.assertTrue(mapped)
        scale = self.dpi // 96
        self.assertEqual((w, h), (560 * scale, 340 * scale))
        self.assertEqual((x, y), ((self.x.width - w) // 2, (self.x.height - h) // 2))
        wait_for(lambda: self.window_shows_image(window, "checking"), what="the splash image in the window")
        self.assertIsNone(proc.poll())  # still waiting on the server
        self.assertFalse(os.path.exists(self.report))  # and the app not started yet
        return proc, window

    def close_and_check_the_app_started(self, proc, window):
        closed = time.monotonic()
        self.x.close(window)
        _, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, err)
        self.assertLess(time.monotonic() - closed, 30)  # the close ended the wait, not check_seconds
        self.assertEqual(parse_report(self.report)["version"], "1.0.0")
        log = self.root.log()
        self.assertIn("closed by the user: cancelling the update, starting the installed version", log)
        self.assertIn("starting version 1.0.0", log)
        self.assertEqual(self.x.windows(), [])


@unittest.skipIf(WHY, WHY)
@unittest.skipIf(sx.missing(), sx.missing())
class WindowsSplashTest(WineDesktop):

    def test_splash_opens_while_the_update_is_held_and_closing_it_starts_the_app(self):
        proc, window = self.held_splash()
        self.close_and_check_the_app_started(proc, window)

    def test_the_launcher_is_a_gui_program_that_still_prints_to_its_caller(self):
        # The PE header's subsystem: 2 is a Windows GUI program (no console
        # window when started from Explorer), 3 a console program.
        with open(self.root.launcher, "rb") as f:
            pe = f.read(4096)
        optional = int.from_bytes(pe[0x3c:0x40], "little") + 24
        self.assertEqual(int.from_bytes(pe[optional + 68:optional + 70], "little"), 2)
        # Its manifest declares it DPI aware per monitor. Wine reports the
        # desktop's DPI to any program (WindowsSplashHiDpiTest), so only real
        # Windows shows what this changes: a sharp window, not a stretched one.
        with open(self.root.launcher, "rb") as f:
            exe = f.read()
        self.assertTrue(b">PerMonitorV2, PerMonitor</dpiAwareness>" in exe, "no dpiAwareness in the manifest")
        # Output still reaches a caller that redirected its handles (here,
        # pipes; a console is real Windows' case, see installer/windows/README.md).
        for arg, want in (("--version", r"^bomiot-launcher \d+\.\d+\.\d+"), ("--help", r"--print-config"),
                          ("--print-config", r"update_url")):
            r = subprocess.run([WINE, self.root.launcher, arg], env=self.env, cwd=self.root.path,
                               capture_output=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout.decode(), want)


@unittest.skipIf(WHY, WHY)
@unittest.skipIf(sx.missing(), sx.missing())
class WindowsSplashHiDpiTest(WineDesktop):
    """Windows at 200 %: the splash reads the desktop's DPI and draws its
    window at twice the size itself. (On real Windows only a DPI-aware
    program is told the real DPI, which utf8.manifest declares; Wine tells
    every program, so this test cannot show the manifest's part.)"""
    dpi = 192

    def test_splash_is_twice_the_size_at_200_percent(self):
        proc, window = self.held_splash()
        self.close_and_check_the_app_started(proc, window)


def catalog_text(msgid, language="zh_CN"):
    """msgid's translation in po/<language>.po (a one-line msgid and msgstr)."""
    with open(os.path.join(sx.SOURCE, "po", f"{language}.po"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    i = lines.index(f'msgid "{msgid}"')
    return lines[i + 1].split('"', 1)[1].rsplit('"', 1)[0]


@unittest.skipIf(WHY, WHY)
@unittest.skipIf(sx.missing(), sx.missing())
@unittest.skipUnless(os.path.isfile(lang.WQY), f"no {lang.WQY} (fonts-wqy-microhei, in scripts/deps.sh)")
class WindowsChineseSplashTest(WineDesktop):
    """The splash in Chinese: launcher.json says language zh_CN and a
    display name in Chinese. Wine has no Microsoft YaHei, so the test puts
    WenQuanYi Micro Hei (fonts-wqy-microhei) in the prefix's
    C:\\windows\\Fonts under YaHei's file name, msyh.ttc: what is tested is
    the launcher finding the system's Chinese UI font by name in the
    Windows fonts folder (bl_plat_fonts_dir), as on a Chinese Windows, and
    drawing the title and the status line with it, not YaHei's own look."""
    window_name = lang.DISPLAY_NAME

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.msyh = os.path.join(cls.prefix, "drive_c", "windows", "Fonts", "msyh.ttc")
        shutil.copy2(lang.WQY, cls.msyh)
        cls.addClassCleanup(os.unlink, cls.msyh)  # the prefix's copy is shared with the other classes

    def setUp(self):
        super().setUp()
        self.root.write_config({"update_url": f"{self.server.url}/_fault/hold/{self.id()}",
                                "check_seconds": self.check_seconds, "update_interval": 0,
                                "language": "zh_CN", "display_name": lang.DISPLAY_NAME,
                                "log_level": "debug"})  # debug: the fonts used

    def render(self, args, out, wrap):
        """bl-splash-text.exe under this class's Wine session."""
        exe = os.path.join(BUILD, "tests", "bl-splash-text.exe")
        args = [winpath(a) if os.path.isabs(a) else a for a in args]
        subprocess.run([WINE, exe, *args, winpath(out)] + ([str(wrap)] if wrap else []), env=self.env,
                       check=True, capture_output=True, timeout=120)

    def test_chinese_splash_draws_with_the_windows_chinese_ui_font(self):
        proc, window = self.held_splash()
        x, y, w, h, _ = self.x.geometry(window)
        shot = self.x.screenshot(self.shot("checking")).crop(x, y, w, h)
        checking = catalog_text("Checking for updates\u2026")
        bundled = os.path.join(RESOURCES, "DejaVuSans.ttf")
        for words, rgb, title in ((lang.DISPLAY_NAME, lang.TITLE_RGB, True), (checking, lang.STATUS_RGB, False)):
            fit, tofu, at = lang.line_fit(shot, words, self.msyh, 0, rgb, title, run=self.render,
                                          boxes_font=bundled)
            self.assertGreaterEqual(fit, lang.MATCH, f"{words!r} does not fit the screenshot ({fit:.2f} at {at})")
            self.assertLess(tofu, lang.TOFU, f"the screenshot fits {words!r} drawn as boxes ({tofu:.2f})")
        self.assertIn("msyh.ttc (face 0)", "\n".join(splash_lines(self.root)))
        self.close_and_check_the_app_started(proc, window)


@unittest.skipIf(WHY, WHY)
class WindowsHeadlessTest(HeldUpdate):
    """No X display in the run's Wine session: the splash cannot open, one
    log line says so, and the installed version starts when check_seconds
    ends the held check."""
    check_seconds = 2

    def test_no_display_starts_the_app(self):
        env = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}
        r = self.root.run(f"--report={winpath(self.report)}", "--exit=3", env=env, timeout=120)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertTrue(self.held())  # the update at launch did wait on the server
        self.assertEqual(parse_report(self.report)["version"], "1.0.0")
        lines = splash_lines(self.root)
        self.assertEqual(len(lines), 1, self.root.log())
        self.assertIn("continuing without a splash", lines[0])


if __name__ == "__main__":
    unittest.main()
