# SPDX-License-Identifier: Apache-2.0
"""The Linux installer as a user meets it: a bundle built by make-bundle.sh
with the real launcher and the stand-in app, installed by install.sh into a
temporary HOME (whose path holds a space and a '$', to exercise the menu
entry's quoting), started through its menu entry and its command link, and
removed by uninstall.sh."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from blrepo import Publisher  # noqa: E402
from blroot import LAUNCHER, MARKER, TESTAPP, end_processes, parse_report  # noqa: E402

SOURCE = os.environ.get("BL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
INSTALLER = os.path.join(SOURCE, "installer", "linux")
VERSION = "1.0.0"


def unescape_string(value):
    """Desktop Entry spec, "Possible value types": \\s \\n \\t \\r \\\\ in a string value."""
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            out.append({"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}.get(value[i + 1], value[i:i + 2]))
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def split_exec(value, urls):
    """Desktop Entry spec, "The Exec key": the (string-unescaped) value split into
    arguments, double quotes grouping and \\" \\` \\$ \\\\ escaped inside them; %U and
    the other list codes become `urls`, %% a percent sign."""
    args, cur, quoted, i = [], None, False, 0
    while i < len(value):
        c = value[i]
        if quoted:
            if c == "\\" and i + 1 < len(value) and value[i + 1] in '"`$\\':
                cur += value[i + 1]
                i += 1
            elif c == '"':
                quoted = False
            else:
                cur += c
        elif c == " ":
            if cur is not None:
                args.append(cur)
            cur = None
        elif c == '"':
            quoted, cur = True, cur or ""
        else:
            cur = (cur or "") + c
        i += 1
    if quoted:
        raise ValueError(f"unterminated quote in Exec={value!r}")
    if cur is not None:
        args.append(cur)
    out = []
    for a in args:
        if a in ("%U", "%F", "%u", "%f"):
            out.extend(urls)
        else:
            out.append(a.replace("%%", "%"))
    return out


def read_entry(path):
    entry = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert lines[0] == "[Desktop Entry]", lines[0]
    for line in lines[1:]:
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            entry[key] = value
    return entry


def tree(top):
    """Every path under top (relative), folders marked with a trailing /."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(top):
        rel = os.path.relpath(dirpath, top)
        for d in dirnames:
            found.add(os.path.normpath(os.path.join(rel, d)) + "/")
        for f in filenames:
            found.add(os.path.normpath(os.path.join(rel, f)))
    return found


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOMIOT_", "XDG_"))}
    env.update(extra)
    return env


class LinuxInstallerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="bl-bundle-")
        app = os.path.join(cls.work, "app")
        os.makedirs(app)
        shutil.copy2(TESTAPP, os.path.join(app, "bomiot"))
        with open(os.path.join(app, "version.txt"), "w") as f:
            f.write(VERSION + "\n")
        cls.tarball = os.path.join(cls.work, f"bomiot-{VERSION}-linux.tar.gz")
        cls.pub = Publisher(cls.work)  # the repository whose trusted root the bundle ships
        cls.pub.init()
        r = subprocess.run([os.path.join(INSTALLER, "make-bundle.sh"), "--wm-class", "Bomiot",
                            "--root", cls.pub.trusted_root(), LAUNCHER, app, VERSION, cls.tarball],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        with tarfile.open(cls.tarball) as t:
            cls.members = t.getnames()
            t.extractall(cls.work)
        cls.bundle = os.path.join(cls.work, f"bomiot-{VERSION}-linux")
        with open(LAUNCHER, "rb") as f:
            cls.launcher_bytes = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bl inst $HOME ")
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home)
        self.data = os.path.join(self.home, ".local", "share")
        self.root = os.path.join(self.data, "bomiot")
        self.entry = os.path.join(self.data, "applications", "bomiot.desktop")
        self.link = os.path.join(self.home, ".local", "bin", "bomiot")
        self.report = os.path.join(self.tmp, "report.txt")
        self.procs = []

    def tearDown(self):
        end_processes(self.procs)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self, **extra):
        return clean_env(HOME=self.home, XDG_DATA_HOME=self.data, **extra)

    def install(self, *args, env=None, ok=True):
        r = subprocess.run(["sh", os.path.join(self.bundle, "install.sh"), *args], env=env or self.env(),
                           capture_output=True, text=True, timeout=60)
        if ok:
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def uninstall(self, root=None, *args, ok=True):
        r = subprocess.run(["sh", os.path.join(root or self.root, "uninstall.sh"), *args], env=self.env(),
                           capture_output=True, text=True, timeout=60)
        if ok:
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def p(self, *parts):
        return os.path.join(self.root, *parts)

    def read(self, path, mode="r"):
        with open(path, mode) as f:
            return f.read()

    def run_exec_line(self, entry_path, *urls):
        argv = split_exec(unescape_string(read_entry(entry_path)["Exec"]), list(urls))
        return argv, subprocess.run(argv, env=clean_env(HOME=self.home), cwd=self.tmp, capture_output=True,
                                    timeout=30)

    def add_release(self, version):
        """A version as the updater would leave it: files, then the marker."""
        folder = self.p("versions", version)
        os.makedirs(folder)
        shutil.copy2(TESTAPP, os.path.join(folder, "bomiot"))
        with open(os.path.join(folder, "version.txt"), "w") as f:
            f.write(version + "\n")
        with open(os.path.join(folder, MARKER), "w") as f:
            json.dump({"version": version}, f)

    # --- the bundle --------------------------------------------------------

    def test_bundle_holds_installer_launcher_app_version_and_icons(self):
        top = f"bomiot-{VERSION}-linux/"
        for name in ("install.sh", "uninstall.sh", "bomiot-launcher", "VERSION", "app/bomiot", "app/version.txt",
                     "icons/256x256/apps/bomiot.png", "icons/scalable/apps/bomiot.svg", "install-names"):
            self.assertIn(top + name, self.members)
        self.assertEqual(self.read(os.path.join(self.bundle, "install-names")), "wm_class=Bomiot\n")
        self.assertEqual(self.read(os.path.join(self.bundle, "VERSION")), VERSION + "\n")
        self.assertTrue(os.access(os.path.join(self.bundle, "install.sh"), os.X_OK))

    def test_bundle_ships_the_trusted_root_and_the_splash_resources(self):
        top = f"bomiot-{VERSION}-linux/resources/"
        self.assertIn(top + "root.json", self.members)
        for name in os.listdir(os.path.join(os.path.dirname(LAUNCHER), "resources")):
            self.assertIn(top + name, self.members)  # the splash image and font beside the build's launcher
        r = subprocess.run([os.path.join(INSTALLER, "make-bundle.sh"), LAUNCHER, os.path.join(self.bundle, "app"),
                            VERSION, os.path.join(self.tmp, "noroot.tar.gz")], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("cannot check for updates", r.stderr)  # a bundle without --root is said to be one

    def test_installed_launcher_trusts_the_shipped_root_and_checks(self):
        self.install()
        with open(self.pub.trusted_root(), "rb") as f:
            self.assertEqual(self.read(self.p("resources", "root.json"), "rb"), f.read())
        manifest = self.read(self.p("installed-files")).splitlines()
        self.assertIn(f"file {self.p('resources', 'root.json')}", manifest)
        r = subprocess.run([self.link], capture_output=True, text=True, timeout=60,
                           env=clean_env(HOME=self.home, BOMIOT_UPDATE_URL="file://" + self.pub.repo))
        self.assertEqual(r.returncode, 0, r.stderr)
        log = self.read(self.p("cache", "update.log"))
        self.assertNotIn("no trusted root", log)
        # The signed metadata was read and trusted: the repository, new, lists
        # no release yet (issue 20: said so, not "already up to date").
        self.assertIn("update: the repository lists no releases yet", log)

    def make_bundle(self, out, *options, env=None):
        r = subprocess.run([os.path.join(INSTALLER, "make-bundle.sh"), *options, "--root", self.pub.trusted_root(),
                            LAUNCHER, os.path.join(self.bundle, "app"), VERSION, out],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return self.read(out, "rb")

    def test_same_inputs_give_the_same_bundle_byte_for_byte(self):
        os.makedirs(os.path.join(self.tmp, "a"))  # the same file name: the bundle's folder is named after it
        first = self.make_bundle(os.path.join(self.tmp, "a", "b.tar.gz"), "--wm-class", "Bomiot")
        time.sleep(1.1)  # copies made a second later carry another time
        second = self.make_bundle(os.path.join(self.tmp, "b.tar.gz"), "--wm-class", "Bomiot")
        self.assertEqual(first, second)
        with tarfile.open(os.path.join(self.tmp, "b.tar.gz")) as t:
            members = t.getmembers()
        self.assertEqual([m.name for m in members], sorted(m.name for m in members))
        self.assertEqual({(m.uid, m.gid) for m in members}, {(0, 0)})
        self.assertEqual(len({m.mtime for m in members}), 1)  # one time: the newest input's
        newest = max(os.stat(os.path.join(d, f)).st_mtime for d, _, fs in os.walk(os.path.join(self.bundle, "app"))
                     for f in fs)
        self.assertGreaterEqual(members[0].mtime, int(newest))
        self.assertLess(members[0].mtime, time.time() - 1)  # not the time of the copy

    def test_source_date_epoch_sets_every_entry_time(self):
        out = os.path.join(self.tmp, "b.tar.gz")
        self.make_bundle(out, env=dict(os.environ, SOURCE_DATE_EPOCH="1700000000"))
        with tarfile.open(out) as t:
            self.assertEqual({m.mtime for m in t.getmembers()}, {1700000000})
        r = subprocess.run([os.path.join(INSTALLER, "make-bundle.sh"), LAUNCHER, os.path.join(self.bundle, "app"),
                            VERSION, out], capture_output=True, text=True,
                           env=dict(os.environ, SOURCE_DATE_EPOCH="yesterday"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("SOURCE_DATE_EPOCH must be a number", r.stderr)

    def test_bundle_builder_rejects_a_bad_version_name(self):
        r = subprocess.run([os.path.join(INSTALLER, "make-bundle.sh"), LAUNCHER, os.path.join(self.bundle, "app"),
                            "../1.0", os.path.join(self.tmp, "x.tar.gz")], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not a version folder name", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "x.tar.gz")))

    # --- another app's names (issue 21, item 9) --------------------------------

    def other_app_bundle(self, *names):
        """A bundle made for "Acme Notes" with its own icon, a CA file and its own splash."""
        icons = os.path.join(self.tmp, "icons")
        for size, ext in (("48x48", "png"), ("scalable", "svg")):
            os.makedirs(os.path.join(icons, size, "apps"))
            src = os.path.join(SOURCE, "resources", "icons", "hicolor", size, "apps", f"bomiot.{ext}")
            shutil.copy2(src, os.path.join(icons, size, "apps", f"acme-notes.{ext}"))
        self.ca = os.path.join(self.tmp, "acme-ca.pem")
        with open(self.ca, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n")
        self.splash = os.path.join(self.tmp, "splash.png")
        shutil.copy2(os.path.join(icons, "48x48", "apps", "acme-notes.png"), self.splash)
        out = os.path.join(self.tmp, "acme-notes-1.0.0-linux.tar.gz")
        r = subprocess.run([os.path.join(INSTALLER, "make-bundle.sh"), "--icons", icons, *names,
                            "--resource", self.ca, "--resource", self.splash, "--root", self.pub.trusted_root(),
                            LAUNCHER, os.path.join(self.bundle, "app"), VERSION, out],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with tarfile.open(out) as t:
            t.extractall(self.tmp)
        return os.path.join(self.tmp, "acme-notes-1.0.0-linux")

    ACME = ("--id", "org.acme.Notes", "--command", "acme-notes", "--name", "Acme Notes", "--comment",
            "Take notes, kept up to date", "--categories", "Utility;TextEditor", "--icon", "acme-notes",
            "--wm-class", "AcmeNotes")

    def test_a_bundle_made_under_other_names_installs_and_runs_under_them(self):
        before = tree(self.home)
        bundle = self.other_app_bundle(*self.ACME)
        r = self.install_from(bundle)
        self.assertIn(f"Acme Notes {VERSION} is installed in", r.stdout)
        root = os.path.join(self.data, "org.acme.Notes")
        entry_path = os.path.join(self.data, "applications", "org.acme.Notes.desktop")
        link = os.path.join(self.home, ".local", "bin", "acme-notes")
        entry = read_entry(entry_path)
        self.assertEqual((entry["Name"], entry["Comment"], entry["Categories"], entry["Icon"], entry["StartupWMClass"]),
                         ("Acme Notes", "Take notes, kept up to date", "Utility;TextEditor;", "acme-notes", "AcmeNotes"))
        self.assertEqual(unescape_string(entry["TryExec"]), os.path.join(root, "bomiot-launcher"))
        v = subprocess.run(["desktop-file-validate", entry_path], capture_output=True, text=True)
        self.assertEqual((v.returncode, v.stdout + v.stderr), (0, ""))
        for icon in ("48x48/apps/acme-notes.png", "scalable/apps/acme-notes.svg"):
            self.assertTrue(os.path.isfile(os.path.join(self.data, "icons", "hicolor", icon)), icon)
        self.assertEqual(self.read(os.path.join(root, "resources", "acme-ca.pem")), self.read(self.ca))
        self.assertEqual(self.read(os.path.join(root, "resources", "splash.png"), "rb"), self.read(self.splash, "rb"))
        self.assertTrue(os.path.isfile(os.path.join(root, "resources", "DejaVuSans.ttf")))  # the launcher's stay
        # Nothing under Bomiot's names.
        self.assertFalse(os.path.lexists(self.link) or os.path.exists(self.entry) or os.path.exists(self.root))
        self.assertFalse(os.path.exists(os.path.join(self.data, "icons", "hicolor", "48x48", "apps", "bomiot.png")))
        r = subprocess.run([link, f"--report={self.report}", "x"], env=clean_env(HOME=self.home), cwd=self.tmp,
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse_report(self.report)["args"][0], os.path.join(root, "versions", VERSION, "bomiot"))
        argv, r = self.run_exec_line(entry_path)
        self.assertEqual((argv[0], r.returncode), (os.path.join(root, "bomiot-launcher"), 0))
        r = self.uninstall(root)
        self.assertIn("Acme Notes is uninstalled", r.stdout)
        self.assertEqual(tree(self.home), before)

    def test_install_options_override_the_bundles_names_and_add_resources(self):
        bundle = self.other_app_bundle(*self.ACME)
        extra = os.path.join(self.tmp, "site-ca.pem")
        with open(extra, "w") as f:
            f.write("site CA\n")
        self.install_from(bundle, "--id", "acme-beta", "--command", "acme-beta", "--name", "Acme Notes (beta)",
                          "--resource", extra)
        root = os.path.join(self.data, "acme-beta")
        entry = read_entry(os.path.join(self.data, "applications", "acme-beta.desktop"))
        self.assertEqual((entry["Name"], entry["Icon"]), ("Acme Notes (beta)", "acme-notes"))  # the bundle's icon
        self.assertEqual(self.read(os.path.join(root, "resources", "site-ca.pem")), "site CA\n")
        self.assertTrue(os.path.islink(os.path.join(self.home, ".local", "bin", "acme-beta")))
        self.uninstall(root)
        self.assertFalse(os.path.exists(root))
        self.assertFalse(os.path.exists(os.path.join(self.data, "applications", "acme-beta.desktop")))
        self.assertFalse(os.path.exists(os.path.join(self.data, "icons", "hicolor", "48x48", "apps", "acme-notes.png")))

    def test_names_that_would_not_install_stop_the_bundle(self):
        for names, why in ((("--id", "../evil"), "the id (--id) must be letters, digits"),
                           (("--command", "a b"), "the command (--command) must be letters"),
                           (("--categories", "Office Utility"), "the categories must be a list"),
                           (("--name", "two\nlines"), "--name must be one line"),
                           (("--categories", "NotACategory;"), "does not validate")):
            out = os.path.join(self.tmp, "bad.tar.gz")
            r = subprocess.run([os.path.join(INSTALLER, "make-bundle.sh"), *names, LAUNCHER,
                                os.path.join(self.bundle, "app"), VERSION, out], capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0, names)
            self.assertIn(why, r.stderr, names)
            self.assertFalse(os.path.exists(out), names)

    # --- per-user install ----------------------------------------------------

    def test_per_user_install_lays_out_root_version_link_entry_and_icons(self):
        self.install()
        self.assertEqual(self.read(self.p("bomiot-launcher"), "rb"), self.launcher_bytes)
        self.assertTrue(os.access(self.p("bomiot-launcher"), os.X_OK))
        self.assertEqual(json.loads(self.read(self.p("versions", VERSION, MARKER))), {"version": VERSION})
        self.assertEqual(self.read(self.p("versions", VERSION, "version.txt")), VERSION + "\n")
        self.assertEqual([n for n in os.listdir(self.p("versions"))], [VERSION])  # no .partial left
        self.assertFalse(os.path.exists(self.p("state.json")))  # the launcher's first start writes it
        self.assertTrue(os.access(self.p("uninstall.sh"), os.X_OK))
        self.assertEqual(os.readlink(self.link), os.path.realpath(self.p("bomiot-launcher")))
        self.assertTrue(os.path.isfile(self.entry))
        for icon in ("16x16/apps/bomiot.png", "48x48/apps/bomiot.png", "256x256/apps/bomiot.png",
                     "scalable/apps/bomiot.svg"):
            self.assertTrue(os.path.isfile(os.path.join(self.data, "icons", "hicolor", icon)), icon)
        manifest = self.read(self.p("installed-files")).splitlines()
        self.assertIn(f"file {self.entry}", manifest)
        self.assertIn(f"link {self.link}", manifest)
        self.assertIn(f"file {self.p('bomiot-launcher')}", manifest)
        self.assertIn(f"dir {self.root}", manifest)

    def test_default_data_folder_is_home_local_share(self):
        env = clean_env(HOME=self.home)  # no XDG_DATA_HOME at all
        self.install(env=env)
        self.assertTrue(os.path.isfile(os.path.join(self.home, ".local/share/bomiot/bomiot-launcher")))
        self.assertTrue(os.path.isfile(os.path.join(self.home, ".local/share/applications/bomiot.desktop")))

    def test_desktop_entry_has_the_keys_and_validates(self):
        self.install()
        entry = read_entry(self.entry)
        self.assertEqual(entry["Type"], "Application")
        self.assertEqual(entry["Name"], "Bomiot")
        self.assertEqual(entry["Icon"], "bomiot")
        self.assertEqual(entry["Terminal"], "false")
        self.assertEqual(entry["StartupWMClass"], "Bomiot")
        self.assertIn("Office", entry["Categories"].split(";"))
        self.assertEqual(unescape_string(entry["TryExec"]), self.p("bomiot-launcher"))
        # The temp HOME holds a space and a '$': the launcher's path must be quoted.
        self.assertTrue(entry["Exec"].startswith('"'), entry["Exec"])
        if not shutil.which("desktop-file-validate"):
            self.skipTest("desktop-file-validate is not installed (apt-get install desktop-file-utils); "
                          "every other check of the entry passed")
        r = subprocess.run(["desktop-file-validate", self.entry], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout + r.stderr, "")  # not even a hint

    def test_exec_line_starts_the_launcher_which_starts_the_app(self):
        self.install()
        argv, r = self.run_exec_line(self.entry, f"--report={self.report}", "file:///a b.txt")
        self.assertEqual(argv[0], self.p("bomiot-launcher"))
        self.assertEqual(r.returncode, 0, r.stderr)
        rep = parse_report(self.report)
        self.assertEqual(rep["version"], VERSION)
        self.assertEqual(rep["args"][0], self.p("versions", VERSION, "bomiot"))
        self.assertEqual(rep["args"][1:], [f"--report={self.report}", "file:///a b.txt"])
        self.assertEqual(json.loads(self.read(self.p("state.json")))["current"], VERSION)

    def test_command_link_starts_the_app_from_the_same_install(self):
        self.install()
        r = subprocess.run([self.link, f"--report={self.report}", "x"], env=clean_env(HOME=self.home),
                           cwd=self.tmp, capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        rep = parse_report(self.report)
        self.assertEqual(rep["args"][0], self.p("versions", VERSION, "bomiot"))
        self.assertEqual(rep["args"][1:], [f"--report={self.report}", "x"])
        self.assertTrue(os.path.isfile(self.p("cache", "update.log")))

    # --- installing again ------------------------------------------------

    def test_reinstall_keeps_state_versions_and_cache_and_replaces_the_launcher(self):
        self.install()
        subprocess.run([self.link], env=clean_env(HOME=self.home), capture_output=True, timeout=30)
        self.add_release("2.0.0")  # an update installed since
        state = json.dumps({"current": "2.0.0", "previous": VERSION, "trial": False})
        with open(self.p("state.json"), "w") as f:
            f.write(state)
        with open(self.p("bomiot-launcher"), "ab") as f:  # a launcher that is not the bundle's
            f.write(b"\0older launcher\0")
        marker_mtime = os.stat(self.p("versions", VERSION, MARKER)).st_mtime_ns
        log = self.read(self.p("cache", "update.log"))

        r = self.install()
        self.assertIn(f"version {VERSION} is already installed", r.stdout)
        self.assertEqual(self.read(self.p("state.json")), state)
        self.assertEqual(sorted(os.listdir(self.p("versions"))), [VERSION, "2.0.0"])
        self.assertEqual(os.stat(self.p("versions", VERSION, MARKER)).st_mtime_ns, marker_mtime)
        self.assertTrue(self.read(self.p("cache", "update.log")).startswith(log))
        self.assertEqual(self.read(self.p("bomiot-launcher"), "rb"), self.launcher_bytes)
        r = subprocess.run([self.link, f"--report={self.report}"], env=clean_env(HOME=self.home),
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse_report(self.report)["version"], "2.0.0")  # the newer one stays current

    def test_reinstall_over_an_updated_installation_adds_no_older_version(self):
        self.install()
        self.add_release("2.0.0")
        shutil.rmtree(self.p("versions", VERSION))  # pruned after the update
        with open(self.p("state.json"), "w") as f:
            json.dump({"current": "2.0.0"}, f)
        r = self.install()
        self.assertEqual(os.listdir(self.p("versions")), ["2.0.0"])  # nothing would ever remove a 1.0.0
        self.assertIn(f"version {VERSION} is older than the installed 2.0.0; not added", r.stdout)
        self.assertIn(f"Bomiot 2.0.0 is installed in {self.root} and stays the current version", r.stdout)
        self.assertNotIn(f"Bomiot {VERSION} is installed", r.stdout)
        self.assertEqual(json.loads(self.read(self.p("state.json"))), {"current": "2.0.0"})

    def test_reinstall_adds_no_second_spelling_of_the_current_version(self):
        self.install()
        os.rename(self.p("versions", VERSION), self.p("versions", "1.0"))  # the same release, PEP 440
        with open(self.p("versions", "1.0", MARKER), "w") as f:
            json.dump({"version": "1.0"}, f)
        r = self.install()
        self.assertEqual(os.listdir(self.p("versions")), ["1.0"])
        self.assertIn(f"version {VERSION} is the installed 1.0; not added again", r.stdout)

    def install_as_current(self, version):
        """An installation of the bundle whose version is relabelled VERSION
        and current: one a newer bundle is installed over."""
        self.install()
        os.rename(self.p("versions", VERSION), self.p("versions", version))
        with open(self.p("versions", version, MARKER), "w") as f:
            json.dump({"version": version}, f)
        with open(self.p("state.json"), "w") as f:
            json.dump({"current": version}, f)

    def test_reinstall_adds_a_newer_bundle_version_beside_the_current_one(self):
        self.install_as_current("0.9.0")
        r = self.install()
        self.assertEqual(sorted(os.listdir(self.p("versions"))), ["0.9.0", VERSION])
        self.assertIn(f"installed version {VERSION}", r.stdout)
        # whoever runs a newer installer gets the newer app: the launcher
        # (which owns state.json) made it current, on trial, 0.9.0 to go back to
        self.assertIn(f"Bomiot {VERSION} is installed in {self.root}\n", r.stdout)
        state = json.loads(self.read(self.p("state.json")))
        self.assertEqual((state["current"], state["previous"], state["trial"]), (VERSION, "0.9.0", True))
        self.assertIn(f"version {VERSION} made current by --switch-to, on trial", self.read(self.p("cache", "update.log")))
        r = subprocess.run([self.link, f"--report={self.report}"], env=clean_env(HOME=self.home),
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse_report(self.report)["version"], VERSION)

    def test_a_newer_bundle_while_the_app_runs_stays_beside_and_says_so(self):
        self.install_as_current("0.9.0")
        holder = subprocess.Popen(["flock", self.p("cache", "launcher.lock"), "sleep", "30"])  # a running launcher
        self.procs.append(holder)
        time.sleep(0.3)
        r = self.install()
        holder.kill()
        self.assertIn(f"version {VERSION} is installed beside 0.9.0 and becomes the current one when this "
                      "installer runs again", r.stdout)
        self.assertEqual(json.loads(self.read(self.p("state.json"))), {"current": "0.9.0"})

    def test_switch_to_refuses_what_it_cannot_do(self):
        self.install()
        launcher = self.p("bomiot-launcher")
        r = subprocess.run([launcher, "--switch-to", "9.9.9"], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 127)
        self.assertIn("version 9.9.9 is not installed here", r.stderr)
        self.add_release("2.0.0")
        with open(self.p("state.json"), "w") as f:
            json.dump({"current": VERSION, "blocked": ["2.0.0"]}, f)
        r = subprocess.run([launcher, "--switch-to", "2.0.0"], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 125)
        self.assertIn("version 2.0.0 failed its trial here and is blocked; --unblock it first", r.stderr)
        r = subprocess.run([launcher, "--switch-to", "../x"], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 2)

    def test_the_launcher_orders_versions_for_the_installer_by_pep_440(self):
        for a, b, order in (("0.28.0", "0.29", "older"), ("1.0", "1.0.0", "same"), ("1.10", "1.9", "newer"),
                            ("1.0rc1", "1.0", "older"), ("1.0.post1", "1.0", "newer"), ("v1.0", "1.0", "same")):
            r = subprocess.run([LAUNCHER, "--compare-versions", a, b], capture_output=True, text=True, timeout=10)
            self.assertEqual((r.returncode, r.stdout), (0, order + "\n"), (a, b))
        r = subprocess.run([LAUNCHER, "--compare-versions", "latest", "1.0"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("'latest' is not a PEP 440 version", r.stderr)
        self.install()
        r = subprocess.run([self.p("bomiot-launcher"), "--installed-version"], capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stdout), (0, VERSION + "\n"))
        self.assertFalse(os.path.exists(self.p("cache", "update.log")))  # it only reads
        shutil.rmtree(self.p("versions", VERSION))
        r = subprocess.run([self.p("bomiot-launcher"), "--installed-version"], capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stdout), (127, ""))

    def test_debris_of_an_interrupted_install_is_replaced(self):
        os.makedirs(self.p("versions", VERSION + ".partial"))
        os.makedirs(self.p("versions", VERSION))  # no marker: never counted
        with open(self.p("versions", VERSION, "junk"), "w") as f:
            f.write("half copied")
        self.install()
        self.assertEqual(os.listdir(self.p("versions")), [VERSION])
        self.assertEqual(sorted(os.listdir(self.p("versions", VERSION))), [MARKER, "bomiot", "version.txt"])

    def bundle_with_config(self, config):
        bundle = os.path.join(self.tmp, "bundle")
        shutil.rmtree(bundle, ignore_errors=True)
        shutil.copytree(self.bundle, bundle)
        with open(os.path.join(bundle, "launcher.json"), "w") as f:
            json.dump(config, f)
        return bundle

    def install_from(self, bundle, *args):
        r = subprocess.run(["sh", os.path.join(bundle, "install.sh"), *args], env=self.env(), capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def print_config(self):
        r = subprocess.run([self.p("bomiot-launcher"), "--print-config"], env=clean_env(HOME=self.home), capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return {line.split()[0]: line for line in r.stdout.splitlines() if line.strip()}

    def test_the_menu_entry_is_named_by_launcher_json_display_name(self):
        # issue 28: the name in any script, as the splash shows it
        r = self.install_from(self.bundle_with_config({"app_name": "bomiot", "display_name": "Bomiot 仓储管理"}))
        self.assertIn(f"Bomiot 仓储管理 {VERSION} is installed in", r.stdout)
        entry = read_entry(self.entry)
        self.assertEqual((entry["Name"], entry["Comment"]),
                         ("Bomiot 仓储管理", "Start Bomiot 仓储管理, kept up to date by its launcher"))
        v = subprocess.run(["desktop-file-validate", self.entry], capture_output=True, text=True)
        self.assertEqual((v.returncode, v.stdout + v.stderr), (0, ""))
        self.assertIn("Bomiot 仓储管理 is uninstalled", self.uninstall().stdout)
        # --name still wins (json.dump wrote the name as \u escapes: the launcher reads JSON)
        self.install_from(self.bundle_with_config({"display_name": "Bomiot 仓储管理"}), "--name", "Acme")
        self.assertEqual(read_entry(self.entry)["Name"], "Acme")
        self.uninstall()
        # no display_name: app_name capitalised, as the splash says it
        self.install_from(self.bundle_with_config({"app_name": "acme"}))
        self.assertEqual(read_entry(self.entry)["Name"], "Acme")

    def test_launcher_json_is_the_bundles_and_the_users_settings_are_never_touched(self):
        self.install_from(self.bundle_with_config({"mode": "exec", "keep_versions": 3}))
        with open(self.p("launcher.user.json"), "w") as f:
            f.write('{"channel": "beta"}')
        r = self.install_from(self.bundle_with_config({"mode": "supervise", "keep_versions": 3}))
        self.assertIn("replaced", r.stdout)  # the publisher's file is the new bundle's
        self.assertEqual(json.loads(self.read(self.p("launcher.json"))), {"mode": "supervise", "keep_versions": 3})
        self.assertEqual(self.read(self.p("launcher.user.json")), '{"channel": "beta"}')
        manifest = self.read(self.p("installed-files")).splitlines()
        self.assertIn(f"file {self.p('launcher.json')}", manifest)
        self.assertNotIn(f"file {self.p('launcher.user.json')}", manifest)
        config = self.print_config()
        self.assertRegex(config["channel"], r'"beta"\s+\(.*launcher\.user\.json\)$')
        self.assertRegex(config["mode"], r'supervise\s+\(.*launcher\.json\)$')

    def test_a_beta_channel_survives_uninstall_keep_data_and_a_reinstall(self):
        bundle = self.bundle_with_config({"channel": "stable", "app_name": "bomiot"})
        self.install_from(bundle)
        with open(self.p("launcher.user.json"), "w") as f:
            json.dump({"channel": "beta"}, f)
        self.assertRegex(self.print_config()["channel"], r'"beta"\s+\(.*launcher\.user\.json\)$')
        self.uninstall(None, "--keep-data")
        self.assertEqual(sorted(os.listdir(self.root)), ["cache", "launcher.user.json", "versions"])
        self.install_from(bundle)
        self.assertRegex(self.print_config()["channel"], r'"beta"\s+\(.*launcher\.user\.json\)$')
        self.uninstall()  # without --keep-data the settings go with the rest, and the root kept before
        self.assertFalse(os.path.exists(self.root))

    def test_publishers_keys_in_the_users_file_are_said_and_ignored(self):
        self.install_from(self.bundle_with_config({"update_url": "https://updates.example.com/app"}))
        with open(self.p("launcher.user.json"), "w") as f:
            json.dump({"update_url": "https://elsewhere.example.net/", "channel": "beta"}, f)
        r = subprocess.run([self.p("bomiot-launcher"), "--print-config"], env=clean_env(HOME=self.home), capture_output=True,
                           text=True, timeout=30)
        self.assertIn("'update_url' is the publisher's setting (launcher.json), not the user's; ignored", r.stderr)
        self.assertIn("https://updates.example.com/app", r.stdout)
        self.assertNotIn("elsewhere", r.stdout)

    # --- uninstall -----------------------------------------------------------

    def user_files(self):
        """Files a user has next to where Bomiot goes; none may be touched."""
        for rel, text in (("notes.txt", "mine"), (".local/share/applications/other.desktop", "[Desktop Entry]\n"),
                          (".local/share/icons/hicolor/48x48/apps/other.png", "png"),
                          (".local/bin/othertool", "#!/bin/sh\n")):
            path = os.path.join(self.home, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)

    def test_uninstall_removes_exactly_what_was_installed_and_run(self):
        before_empty = tree(self.home)
        self.install()
        subprocess.run([self.p("bomiot-launcher"), "--print-config"], capture_output=True, env=clean_env(HOME=self.home))
        self.run_exec_line(self.entry)
        self.add_release("2.0.0")
        with open(self.p("bomiot-launcher.old"), "w") as f:  # a self-update's backup
            f.write("old")
        self.uninstall()
        self.assertEqual(tree(self.home), before_empty)  # even the .local folders it made are gone

    def test_uninstall_leaves_the_users_files_beside_and_inside_the_root(self):
        self.user_files()
        before = tree(self.home)
        self.install()
        self.run_exec_line(self.entry)
        with open(self.p("my-notes.txt"), "w") as f:  # a user's file in the install folder
            f.write("mine")
        r = self.uninstall()
        self.assertIn("holds files Bomiot did not install", r.stdout)
        self.assertEqual(tree(self.home), before | {".local/share/bomiot/", ".local/share/bomiot/my-notes.txt"})
        self.assertEqual(self.read(self.p("my-notes.txt")), "mine")

    def test_uninstall_leaves_a_command_link_the_user_replaced(self):
        self.install()
        os.remove(self.link)
        os.symlink("/bin/true", self.link)
        self.uninstall()
        self.assertEqual(os.readlink(self.link), "/bin/true")
        self.assertFalse(os.path.exists(self.entry))

    def test_uninstall_touches_nothing_outside_the_root_but_its_own_kinds_of_file(self):
        self.install()
        notes = os.path.join(self.home, "notes.txt")
        folder = os.path.join(self.home, "Documents")
        os.makedirs(folder)
        with open(notes, "w") as f:
            f.write("mine")
        with open(self.p("installed-files"), "a") as f:  # a tampered or corrupted manifest
            f.write(f"file {notes}\nfile {self.root}/../../../notes.txt\ndir {folder}\ndir {self.home}\n")
        with open(os.path.join(folder, "letter.txt"), "w") as f:
            f.write("mine")
        self.uninstall()
        self.assertEqual(self.read(notes), "mine")
        self.assertEqual(self.read(os.path.join(folder, "letter.txt")), "mine")
        self.assertFalse(os.path.exists(self.root))

    def test_uninstall_keep_data_keeps_versions_and_state_for_a_later_install(self):
        self.install()
        self.add_release("2.0.0")
        with open(self.p("state.json"), "w") as f:
            json.dump({"current": "2.0.0", "previous": VERSION}, f)
        r = self.uninstall(None, "--keep-data")
        self.assertIn("--keep-data", r.stdout)
        self.assertEqual(sorted(os.listdir(self.root)), ["cache", "state.json", "versions"])
        self.assertFalse(os.path.exists(self.entry) or os.path.lexists(self.link))
        self.install()
        r = subprocess.run([self.link, f"--report={self.report}"], env=clean_env(HOME=self.home),
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse_report(self.report)["version"], "2.0.0")

    @unittest.skipUnless(shutil.which("flock"), "flock (util-linux) is not installed")
    def test_uninstall_refuses_while_the_app_runs(self):
        self.install()
        proc = subprocess.Popen([self.link, "--wait-signal", f"--report={self.report}"],
                                env=clean_env(HOME=self.home), stdout=subprocess.DEVNULL)
        self.procs.append(proc)
        deadline = time.time() + 10
        while not (os.path.exists(self.report) and "ready" in self.read(self.report)):
            self.assertLess(time.time(), deadline, "the app never started")
            time.sleep(0.02)
        r = self.uninstall(ok=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Bomiot is running", r.stderr)
        self.assertTrue(os.path.isfile(self.p("versions", VERSION, "bomiot")))
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=10), 42)
        self.uninstall()
        self.assertFalse(os.path.exists(self.root))

    def test_uninstaller_refuses_a_folder_that_is_not_its_installation(self):
        stray = os.path.join(self.tmp, "stray")
        os.makedirs(stray)
        shutil.copy2(os.path.join(self.bundle, "uninstall.sh"), stray)
        with open(os.path.join(stray, "keep.txt"), "w") as f:
            f.write("mine")
        r = self.uninstall(stray, ok=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not an installation made by install.sh", r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(stray, "keep.txt")))

    # --- system-wide ---------------------------------------------------------

    def test_system_install_into_a_prefix_works_and_uninstalls(self):
        prefix = os.path.join(self.tmp, "sys root")
        os.makedirs(os.path.join(prefix, "usr", "share", "applications"))
        before = tree(prefix)
        self.install("--prefix", prefix)
        root = os.path.join(prefix, "opt", "bomiot")
        entry = os.path.join(prefix, "usr", "share", "applications", "bomiot.desktop")
        link = os.path.join(prefix, "usr", "local", "bin", "bomiot")
        self.assertTrue(os.path.isfile(os.path.join(root, "versions", VERSION, MARKER)))
        self.assertTrue(os.path.isfile(os.path.join(prefix, "usr/share/icons/hicolor/256x256/apps/bomiot.png")))
        self.assertEqual(os.readlink(link), os.path.join(os.path.realpath(root), "bomiot-launcher"))
        self.assertEqual(os.stat(os.path.join(root, "versions", VERSION, "bomiot")).st_mode & 0o755, 0o755)
        self.assertFalse(os.path.exists(os.path.join(self.home, ".local")))  # nothing per user
        argv, r = self.run_exec_line(entry, f"--report={self.report}")
        self.assertEqual(argv[0], os.path.join(root, "bomiot-launcher"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse_report(self.report)["version"], VERSION)
        if shutil.which("desktop-file-validate"):
            v = subprocess.run(["desktop-file-validate", entry], capture_output=True, text=True)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.uninstall(root)
        self.assertEqual(tree(prefix), before)  # applications/ was there before: it stays

    @unittest.skipUnless(shutil.which("shellcheck"), "shellcheck is not installed")
    def test_scripts_are_shellcheck_clean(self):
        scripts = [os.path.join(INSTALLER, n) for n in ("install.sh", "uninstall.sh", "make-bundle.sh")]
        r = subprocess.run(["shellcheck", "-s", "sh", *scripts], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout)


if __name__ == "__main__":
    unittest.main()
