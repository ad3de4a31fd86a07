# SPDX-License-Identifier: Apache-2.0
"""The splash in the user's language under Xvfb (issue 28), driven by
bl-splash-driver through every stage (checking, downloading, applying,
verifying, installing, starting), a rollback and an error sentence, in
three setups: English; Simplified Chinese with a Chinese font installed
(Debian's fonts-wqy-microhei, which scripts/deps.sh installs); and Simplified
Chinese on a machine without any Chinese font (fontconfig pointed by
FONTCONFIG_FILE at a configuration that knows only DejaVu's folder, so no
package is removed), where every line must fall back to English; and a
publisher's font in resources/, which draws both languages on that machine.

How a line is checked: bl-splash-text renders the expected words with
SDL2_ttf in the expected font file, face and size (what the splash does), and
its ink (pixels more than half covered) is laid over the screenshot's ink
(pixels more than half way from the band's colour to the line's) where it
fits best near the line's place; the overlap over the union (intersection
over union) must be high. The control is the same words rendered with
DejaVu Sans, which has no Chinese: a line of boxes. It must fit the
screenshot badly: a splash that drew boxes would fit it, not the words.
The expected words come from the driver's state file, made by start/'s
sentence functions (bl_splash_status_text ...) in the language and in
English, which test_splash.c checks against the catalog. Screenshots are
kept in <build>/tests/artifacts/splash/language-*.png."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_splash_xvfb as sx  # noqa: E402  (helpers; its tests do not run here)
from blroot import BUILD  # noqa: E402

TEXT_RENDER = os.path.join(BUILD, "tests", "bl-splash-text")
BUNDLED = os.path.join(sx.RESOURCES, "DejaVuSans.ttf")
WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
DEJAVU_DIR = "/usr/share/fonts/truetype/dejavu"
DISPLAY_NAME = "Bomiot 仓储管理"
# splash_draw.c's sizes and colours at scale 1
TITLE_PX, TEXT_PX, WIDTH, HEIGHT = 19, 14, 560, 340
WRAP = WIDTH - 2 * sx.PAD
TITLE_RGB, STATUS_RGB, ERROR_RGB = (255, 255, 255), sx.STATUS_RGB, sx.ERROR_RGB
MATCH, TOFU = 0.75, 0.45  # intersection over union: the words fit above MATCH, boxes below TOFU


def luminance(rgb):
    return (299 * rgb[0] + 587 * rgb[1] + 114 * rgb[2]) // 1000


def has_chinese(text):
    return any(0x4E00 <= ord(c) <= 0x9FFF for c in text)


class Ink:
    """A mask of ink: one Python int per row, bit x set where there is ink."""

    def __init__(self, width, rows):
        self.width, self.rows = width, rows

    @classmethod
    def rendered(cls, font, face, px, bold, text, wrap=None, run=None):
        """The words as SDL2_ttf renders them (bl-splash-text), pixels at
        least half covered. run(args, out_path, wrap) runs it elsewhere (Wine)."""
        fd, path = tempfile.mkstemp(suffix=".pgm")
        os.close(fd)
        args = [font, str(face), str(px), "bold" if bold else "regular", text]
        try:
            if run:
                run(args, path, wrap)
            else:
                subprocess.run([TEXT_RENDER, *args, path] + ([str(wrap)] if wrap else []), check=True,
                               capture_output=True, timeout=30)
            with open(path, "rb") as f:
                return cls.from_pgm(f.read())
        finally:
            os.unlink(path)

    @classmethod
    def from_pgm(cls, data):
        head = data.split(b"\n", 3)
        w, h = (int(v) for v in head[1].split())
        pixels = head[3]
        rows = []
        for y in range(h):
            line = pixels[y * w:(y + 1) * w]
            rows.append(sum(1 << x for x in range(w) if line[x] >= 128))
        return cls(w, rows)

    @classmethod
    def on_screen(cls, image, y0, y1, rgb):
        """Pixels of rows y0..y1 of a window's screenshot more than half way
        from the band's colour (its median) to the line's colour rgb."""
        band = sorted(luminance(image.pixel(x, y)) for y in range(y0, y1) for x in range(0, image.width, 5))
        threshold = (band[len(band) // 2] + luminance(rgb)) / 2
        rows = []
        for y in range(y0, y1):
            line = image.row(0, y, image.width)
            rows.append(sum(1 << x for x in range(image.width)
                            if luminance(line[3 * x:3 * x + 3]) > threshold))
        return cls(image.width, rows)

    def ink(self):
        return sum(r.bit_count() for r in self.rows)

    def best_fit(self, ref, xs, ys):
        """(intersection over union, x, y): ref laid on this mask at the
        offsets where it fits best."""
        mask = (1 << ref.width) - 1
        best = (0.0, None, None)
        for y in ys:
            if y < 0 or y + len(ref.rows) > len(self.rows):
                continue
            for x in xs:
                inter = union = 0
                for r, want in enumerate(ref.rows):
                    got = (self.rows[y + r] >> x) & mask
                    inter += (got & want).bit_count()
                    union += (got | want).bit_count()
                # ink of the screen's row band outside ref's width is not looked at:
                # the title's row holds the version and percent too
                if union and inter / union > best[0]:
                    best = (inter / union, x, y)
        return best


def line_fit(shot, words, font, face, rgb, title=False, wrap=None, run=None, boxes_font=BUNDLED):
    """How well the band of a window's screenshot (560x340 at scale 1)
    shows words drawn in font (file, face) at the title's size (bold) or the
    text's, on the title's row or the message's below it: (fit, tofu, where),
    fit the intersection over union at the best place, tofu the same for the
    words drawn with boxes_font (DejaVu: boxes for Chinese), None when the
    words have no Chinese. run: bl-splash-text elsewhere (Ink.rendered)."""
    top = HEIGHT - 110
    px = TITLE_PX if title else TEXT_PX
    screen = Ink.on_screen(shot, top, HEIGHT, rgb)
    ref = Ink.rendered(font, face, px, title, words, wrap, run)
    if ref.ink() <= 20:
        raise AssertionError(f"{words!r} renders to nothing in {font}")
    xs, ys = range(sx.PAD - 2, sx.PAD + 3), range(0, HEIGHT - top)
    fit, x, y = screen.best_fit(ref, xs, ys)
    tofu = None
    if has_chinese(words):
        tofu = screen.best_fit(Ink.rendered(boxes_font, 0, px, title, words, wrap, run), xs, ys)[0]
    return fit, tofu, (x, y)


def no_cjk_fontconfig(folder):
    """A fontconfig configuration that knows DejaVu's fonts only (the
    system's rules kept: sans-serif is still an alias)."""
    path = os.path.join(folder, "fonts.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                f'  <dir>{DEJAVU_DIR}</dir>\n  <cachedir>{folder}/cache</cachedir>\n'
                '  <include ignore_missing="yes">/etc/fonts/conf.d</include>\n</fontconfig>\n')
    return path


def missing():
    why = sx.missing()
    if why:
        return why
    if not os.path.isfile(TEXT_RENDER):
        return "this build has no splash (bl-splash-text is built with it)"
    if not os.path.isdir(DEJAVU_DIR):
        return f"no {DEJAVU_DIR} (fonts-dejavu-core, in scripts/deps.sh)"
    return None


@unittest.skipIf(missing(), missing())
class SplashLanguageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.x = sx.Xvfb()
        cls.addClassCleanup(cls.x.stop)
        cls.reference = sx.Image.load(sx.SPLASH_PNG)
        cls.tmp = tempfile.mkdtemp(prefix="bl-splash-lang-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.no_cjk = {"FONTCONFIG_FILE": no_cjk_fontconfig(cls.tmp)}

    def setUp(self):
        self.drivers = []

    def tearDown(self):
        for d in self.drivers:
            d.cleanup()

    def driver(self, *args, **kw):
        d = sx.Driver(self.x, "--log-level", "debug", *args, **kw)  # debug: the fonts used
        self.drivers.append(d)
        return d

    def artifact(self, name):
        return os.path.join(sx.ARTIFACTS, f"language-{self.id().split('.')[-1]}-{name}.png")

    def window(self, name):
        geometry = ((self.x.width - WIDTH) // 2, (self.x.height - HEIGHT) // 2, WIDTH, HEIGHT)
        return self.x.screenshot(self.artifact(name)).crop(*geometry)

    # --- one run through every stage ------------------------------------------

    def stages(self, *args, env=None):
        """{stage: (window image, driver state)} at each gate, then the driver's log."""
        d = self.driver(*args, env=env)
        shots = {}
        for step in sx.STEPS:
            d.at(step)
            want = {"stage": sx.STAGE[step]}
            if step in sx.DONE:
                want["done"] = sx.DONE[step]
            st = d.shown(**want)
            shots[step] = (self.window(step), st)
            d.go(step)
        self.assertEqual(d.finish()["result"], "ok")
        return shots, d.log()

    def rollback(self, *args, env=None):
        d = self.driver("--mode", "rollback", *args, env=env)
        d.at("rolling-back")
        st = d.shown(stage=7, error="yes")
        shot = self.window("rolling-back")
        d.go("rolling-back")
        d.finish()
        return shot, st, d.log()

    def error(self, *args, env=None):
        d = self.driver("--mode", "error", *args, env=env, gate=False)
        st = d.shown(error="yes")
        shot = self.window("error")
        self.assertEqual(d.finish()["work_rc"], 14)  # BL_ENOSPC
        return shot, st, d.log()

    # --- the checks --------------------------------------------------------------

    def assert_line(self, shot, words, font, face, rgb, title=False, wrap=None, where=""):
        """The band shows words drawn in font, on the title's row or the
        message's below it, and not the boxes DejaVu Sans would draw for them
        when it lacks their characters."""
        fit, tofu, at = line_fit(shot, words, font, face, rgb, title, wrap)
        self.assertGreaterEqual(fit, MATCH, f"{where}: {words!r} in {os.path.basename(font)} does not fit "
                                            f"the screenshot ({fit:.2f} at {at})")
        if tofu is not None:
            self.assertLess(tofu, TOFU, f"{where}: the screenshot fits {words!r} drawn as boxes ({tofu:.2f})")

    def assert_layout(self, shot, st, where):
        """The image above the band untouched, the bar where it belongs."""
        self.assertEqual(st["has_font"], "1", where)
        self.assertLessEqual(shot.mismatch(self.reference, self.reference.height * 6 // 10), 0.002, where)
        if st["stage"] == "2":
            self.assertAlmostEqual(shot.bar(), WRAP * int(st["done"]) / sx.TOTAL, delta=2, msg=where)

    def check_stages(self, shots, font, english):
        """Every stage's title and status line in font, in the language (or
        in English when english)."""
        for step, (shot, st) in shots.items():
            self.assert_layout(shot, st, step)
            title, status = (st["title_en"], st["status_en"]) if english else (st["title"], st["status"])
            self.assert_line(shot, title, font, 0, TITLE_RGB, title=True, where=f"{step} title")
            self.assert_line(shot, status, font, 0, STATUS_RGB, where=f"{step} status")

    # --- the tests ------------------------------------------------------------------

    def test_english_at_every_stage(self):
        shots, log = self.stages("--language", "en")
        for step, (_, st) in shots.items():
            self.assertEqual((st["status"], st["title"]), (st["status_en"], "Bomiot"), step)
        self.check_stages(shots, BUNDLED, english=False)
        self.assertIn("Updating to 1.2.0", shots["downloading-1"][1]["version"])
        shot, st, log_rb = self.rollback("--language", "en")
        self.assert_line(shot, st["error_text"], BUNDLED, 0, ERROR_RGB, wrap=WRAP, where="rolling back")
        shot, st, log_err = self.error("--language", "en")
        self.assert_line(shot, st["error_text"], BUNDLED, 0, ERROR_RGB, wrap=WRAP, where="error")
        for text in (log, log_rb, log_err):
            self.assertNotIn("WARN", text)
            self.assertNotIn(WQY, text)  # English never asks fontconfig: the bundled font has it all

    @unittest.skipUnless(os.path.isfile(WQY), f"no {WQY} (fonts-wqy-microhei, in scripts/deps.sh)")
    def test_chinese_with_a_chinese_font_at_every_stage(self):
        shots, log = self.stages("--language", "zh_CN", "--display-name", DISPLAY_NAME)
        for step, (_, st) in shots.items():
            self.assertTrue(has_chinese(st["status"]), f"{step}: {st['status']!r}")
        self.assertEqual(shots["checking"][1]["title"], DISPLAY_NAME)
        self.check_stages(shots, WQY, english=False)
        shot, st, log_rb = self.rollback("--language", "zh_CN", "--display-name", DISPLAY_NAME)
        self.assertTrue(has_chinese(st["error_text"]))
        self.assert_line(shot, st["error_text"], WQY, 0, ERROR_RGB, wrap=WRAP, where="rolling back")
        shot, st, log_err = self.error("--language", "zh_CN", "--display-name", DISPLAY_NAME)
        self.assertTrue(has_chinese(st["error_text"]))
        self.assert_line(shot, st["error_text"], WQY, 0, ERROR_RGB, wrap=WRAP, where="error")
        for text in (log, log_rb, log_err):
            self.assertIn(f"font {WQY} (face 0)", text)
            self.assertNotIn("WARN", text)

    def test_chinese_without_a_chinese_font_falls_back_to_english(self):
        shots, log = self.stages("--language", "zh_CN", "--display-name", DISPLAY_NAME, env=self.no_cjk)
        for step, (_, st) in shots.items():
            self.assertTrue(has_chinese(st["status"]), step)  # what it would have said
        # assert_line's control shows the Chinese would have been boxes
        self.check_stages(shots, BUNDLED, english=True)
        for step, (shot, st) in shots.items():
            screen = Ink.on_screen(shot, HEIGHT - 110, HEIGHT, STATUS_RGB)
            boxes = Ink.rendered(BUNDLED, 0, TEXT_PX, False, st["status"])
            self.assertLess(screen.best_fit(boxes, range(sx.PAD - 2, sx.PAD + 3), range(0, 110))[0], TOFU, step)
        shot, st, log_rb = self.rollback("--language", "zh_CN", "--display-name", DISPLAY_NAME, env=self.no_cjk)
        self.assert_line(shot, st["error_en"], BUNDLED, 0, ERROR_RGB, wrap=WRAP, where="rolling back")
        shot, st, log_err = self.error("--language", "zh_CN", "--display-name", DISPLAY_NAME, env=self.no_cjk)
        self.assert_line(shot, st["error_en"], BUNDLED, 0, ERROR_RGB, wrap=WRAP, where="error")
        for text in (log, log_rb, log_err):
            self.assertIn("showing it in English", text)
            self.assertNotIn(WQY, text)  # the configuration hid it, as on a machine without it

    @unittest.skipUnless(os.path.isfile(WQY), f"no {WQY} (fonts-wqy-microhei, in scripts/deps.sh)")
    def test_the_publishers_font_wins_even_without_system_fonts(self):
        root = tempfile.mkdtemp(prefix="root-", dir=self.tmp)
        os.makedirs(os.path.join(root, "resources"))
        for name in ("DejaVuSans.ttf", "splash.png"):
            shutil.copy2(os.path.join(sx.RESOURCES, name), os.path.join(root, "resources", name))
        font = os.path.join(root, "resources", "splash-font.ttc")
        shutil.copy2(WQY, font)  # shipped by the publisher, found by its name
        for language in ("zh_CN", "en"):
            d = self.driver("--root", root, "--language", language, "--display-name", DISPLAY_NAME,
                            env=self.no_cjk)
            d.at("checking")
            st = d.shown(stage=1)
            shot = self.window(f"publisher-{language}")
            d.go("checking")
            for step in sx.STEPS[1:]:
                d.at(step)
                d.go(step)
            d.finish()
            self.assertEqual(has_chinese(st["status"]), language == "zh_CN")
            self.assert_line(shot, DISPLAY_NAME, font, 0, TITLE_RGB, title=True, where=f"{language} title")
            self.assert_line(shot, st["status"], font, 0, STATUS_RGB, where=f"{language} status")
            # the English status too is drawn with the publisher's font, not DejaVu
            self.assertLess(line_fit(shot, st["status"], BUNDLED, 0, STATUS_RGB)[0], MATCH)
            self.assertIn(f"font {font} (face 0)", d.log())
            self.assertNotIn("WARN", d.log())


if __name__ == "__main__":
    unittest.main()
