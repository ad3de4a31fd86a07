# SPDX-License-Identifier: Apache-2.0
"""The splash's message catalogs (po/, launcher/start/i18n.h) against the code,
with gettext's own tools: xgettext collects every sentence the code passes to
bl_i18n_text and bl_i18n_say (the msgids), and every language in po/LINGUAS
must translate each of them (msgcmp), hold nothing the code no longer says,
leave nothing fuzzy, and pass msgfmt --check (the build compiles it so).
A language that missed a sentence would show it in English on the splash."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SOURCE = os.environ.get("BL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
PO = os.path.join(SOURCE, "po")
# The functions whose argument is a msgid (i18n.h): the argument's place.
KEYWORDS = ("bl_i18n_text:2", "bl_i18n_say:4")
TOOLS = ("xgettext", "msgcmp", "msgfmt", "msgattrib")


def languages():
    """po/LINGUAS: names separated by white space, # comments."""
    with open(os.path.join(PO, "LINGUAS"), encoding="utf-8") as f:
        return [word for line in f for word in line.split("#", 1)[0].split()]


def sources():
    """Every C file of the launcher's object sets (a sentence may be said anywhere)."""
    found = []
    for folder, _, files in os.walk(os.path.join(SOURCE, "launcher")):
        found += [os.path.join(folder, name) for name in files if name.endswith(".c")]
    return sorted(found)


def msgids(po_text):
    """The msgids of a .po or .pot text, the header's "" left out."""
    ids, current, key = [], None, None
    for line in po_text.splitlines():
        m = re.match(r'^(msgid|msgstr|msgctxt|msgid_plural)\s+"(.*)"$', line)
        if m:
            if key == "msgid" and current:
                ids.append(current)
            key, current = m.group(1), m.group(2)
        elif line.startswith('"') and current is not None:
            current += line[1:-1]
    return ids


@unittest.skipIf([t for t in TOOLS if not shutil.which(t)],
                 "gettext's tools are not installed (apt-get install gettext; scripts/deps.sh lists it)")
class CatalogTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="bl-catalogs-")
        cls.pot = os.path.join(cls.tmp, "bomiot-launcher.pot")
        args = ["xgettext", "--from-code=UTF-8", "--language=C", "--keyword",
                "--flag=bl_i18n_say:4:c-format", "-o", cls.pot]
        args += [f"--keyword={k}" for k in KEYWORDS]
        subprocess.run(args + sources(), check=True, capture_output=True)
        with open(cls.pot, encoding="utf-8") as f:
            cls.pot_text = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_the_code_has_sentences_to_translate(self):
        ids = msgids(self.pot_text)
        # the stages, the download, the version line, the error sentences
        for sentence in ("Checking for updates\u2026", "Downloading %1$s of %2$s (%3$s/s)", "Updating to %s\u2026",
                         "Ready", "the update server could not be reached"):
            self.assertIn(sentence, ids)
        self.assertGreater(len(ids), 25)

    def test_po_linguas_names_a_po_file_for_each_language_and_only_those(self):
        names = languages()
        self.assertIn("zh_CN", names)
        on_disk = sorted(name[:-3] for name in os.listdir(PO) if name.endswith(".po"))
        self.assertEqual(sorted(names), on_disk)

    def test_every_sentence_of_the_code_is_translated_in_every_language(self):
        for language in languages():
            with self.subTest(language=language):
                r = subprocess.run(["msgcmp", os.path.join(PO, f"{language}.po"), self.pot],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                r = subprocess.run(["msgattrib", "--only-fuzzy", "--no-obsolete", os.path.join(PO, f"{language}.po")],
                                   capture_output=True, text=True)
                self.assertEqual(msgids(r.stdout), [], "fuzzy entries are left out of the .mo")
                r = subprocess.run(["msgattrib", "--untranslated", os.path.join(PO, f"{language}.po")],
                                   capture_output=True, text=True)
                self.assertEqual(msgids(r.stdout), [])

    def test_no_catalog_holds_a_sentence_the_code_no_longer_says(self):
        code = set(msgids(self.pot_text))
        for language in languages():
            with open(os.path.join(PO, f"{language}.po"), encoding="utf-8") as f:
                stale = [m for m in msgids(f.read()) if m not in code]
            self.assertEqual(stale, [], language)

    def test_every_catalog_passes_msgfmt_check(self):
        # c-format: a translation's %1$s... must match the English's
        for language in languages():
            r = subprocess.run(["msgfmt", "--check", "-o", os.devnull, os.path.join(PO, f"{language}.po")],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr, "", language)

    def test_msgfmt_check_refuses_a_translation_whose_placeholders_differ(self):
        # what the build's msgfmt --check stands guard against
        bad = os.path.join(self.tmp, "bad.po")
        with open(bad, "w", encoding="utf-8") as f:
            f.write('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                    '#, c-format\nmsgid "Downloading %1$s of %2$s"\nmsgstr "正在下载 %1$s"\n')
        r = subprocess.run(["msgfmt", "--check", "-o", os.devnull, bad], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    unittest.main()
