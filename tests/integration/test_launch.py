# SPDX-License-Identifier: Apache-2.0
"""The launcher as a user meets it: real processes in a real install root."""
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from blroot import Root, parse_report  # noqa: E402

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def config_table_variables():
    """The BOMIOT_* variables launcher/start/config.c's table names."""
    with open(os.path.join(SOURCE, "launcher", "start", "config.c")) as f:
        return re.findall(r'"(BOMIOT_[A-Z0-9_]+)"', f.read())


def help_variables(text):
    """--help's environment variables, {name: (key, default)}: an entry starts
    with two spaces, the name and "key, default value" on its line; what the
    key does follows on lines indented further."""
    entries = {}
    for line in text.splitlines():
        m = re.match(r"  (BOMIOT_[A-Z0-9_]+)\s+(.*)$", line)
        if m:
            setting = re.match(r"(\w+), default (.*)$", m.group(2))
            entries[m.group(1)] = (setting.group(1), setting.group(2)) if setting else None
    return entries


class LaunchTest(unittest.TestCase):
    def setUp(self):
        self.root = Root()
        self.report = self.root.p("report.txt")

    def tearDown(self):
        self.root.cleanup()

    def start(self, *args, **kw):
        return self.root.run(f"--report={self.report}", *args, **kw)

    def app_report(self):
        return parse_report(self.report)

    # --- arguments, exit code, cwd, environment -------------------------

    def check_passthrough(self, mode):
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})
        self.root.write_config({"mode": mode})
        workdir = tempfile.mkdtemp(prefix="bl-cwd-")
        args = ["plain", "with space", "", "ünïcødé 中文", "--help", "--version", "a\"quote'", "$HOME"]
        r = self.start(*args, "--exit=7", env={"TESTAPP_MARK": "kept", "BOMIOT_UPDATE_INTERVAL": "5"},
                       cwd=workdir)
        self.assertEqual(r.returncode, 7, r.stderr)
        rep = self.app_report()
        self.assertEqual(rep["version"], "1.0.0")
        self.assertEqual(rep["args"][1:], [f"--report={self.report}", *args, "--exit=7"])
        self.assertEqual(rep["args"][0], self.root.p("versions", "1.0.0", "bomiot"))
        self.assertEqual(rep["cwd"], os.path.realpath(workdir))
        self.assertEqual(rep["env"]["TESTAPP_MARK"], "kept")
        self.assertEqual(rep["env"]["BOMIOT_UPDATE_INTERVAL"], "5")
        self.assertIn(b"testapp 1.0.0", r.stdout)
        os.rmdir(workdir)

    def test_supervise_mode_passes_args_cwd_env_and_exit_code(self):
        self.check_passthrough("supervise")

    def test_exec_mode_passes_args_cwd_env_and_exit_code(self):
        self.check_passthrough("exec")

    def test_exec_mode_replaces_the_launcher_process(self):
        self.root.add_version("1.0.0")
        self.root.write_config({"mode": "exec"})
        proc = subprocess.Popen([self.root.launcher, "--wait-signal", f"--report={self.report}"])
        self.wait_for_line("ready")
        exe = os.readlink(f"/proc/{proc.pid}/exe")
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=10), 42)
        self.assertTrue(exe.endswith("versions/1.0.0/bomiot"), exe)

    def test_double_dash_passes_launcher_options_to_the_app(self):
        self.root.add_version("1.0.0")
        r = self.root.run("--", "--help", f"--report={self.report}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.app_report()["args"][1:], ["--help", f"--report={self.report}"])

    def test_under_a_command_name_every_argument_is_the_apps(self):
        # install.sh --command links ~/.local/bin/NAME to the launcher: `bomiot
        # --help` is the app's help, and so are --status, --check and "--"
        self.root.add_version("1.0.0")
        bin_dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, bin_dir)
        link = os.path.join(bin_dir, "mytool")
        os.symlink(self.root.launcher, link)
        args = ["--help", "--version", "--status", "--check", "--print-config", "--", "x"]
        r = subprocess.run([link, *args, f"--report={self.report}"], capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"Usage: bomiot-launcher", r.stdout)
        self.assertEqual(self.app_report()["args"][1:], [*args, f"--report={self.report}"])
        # under its own name, through the same link's target, the options are the launcher's
        r = subprocess.run([self.root.launcher, "--version"], capture_output=True, timeout=30)
        self.assertIn(b"bomiot-launcher ", r.stdout)

    def test_app_killed_by_a_signal_kills_the_launcher_the_same_way(self):
        self.root.add_version("1.0.0")
        r = self.start("--crash=abort")
        self.assertEqual(r.returncode, -signal.SIGABRT)
        self.assertIn("killed by signal 6", self.root.log())

    def test_supervised_app_starts_with_default_signals_like_a_fresh_process(self):
        # The launcher started with SIGHUP ignored and SIGUSR1 blocked (as a
        # parent may leave them): the app it supervises starts with every
        # signal at its default and none blocked, whatever the launcher
        # itself set up to forward and survive signals.
        def ignore_and_block():
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        self.root.add_version("1.0.0")
        r = self.start("--exit=3", preexec_fn=ignore_and_block)
        self.assertEqual(r.returncode, 3, r.stderr)
        rep = self.app_report()
        ignored, blocked = int(rep["SigIgn"], 16), int(rep["SigBlk"], 16)
        # valid_signals() leaves out glibc's own two (32, 33), which glibc's
        # posix_spawn starts ignored and glibc sets up again when it uses them.
        for sig in signal.valid_signals():
            self.assertFalse(ignored & (1 << (sig - 1)), f"signal {sig} ignored: {rep['lines']}")
            self.assertFalse(blocked & (1 << (sig - 1)), f"signal {sig} blocked: {rep['lines']}")

    def test_a_missing_app_is_reported_and_the_launcher_fails(self):
        self.root.add_version("1.0.0")
        os.unlink(self.root.p("versions", "1.0.0", "bomiot"))
        r = self.start()
        self.assertNotEqual(r.returncode, 0)
        self.assertFalse(os.path.exists(self.report))
        self.assertIn("bomiot", self.root.log())

    def wait_for_line(self, text, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if os.path.exists(self.report):
                with open(self.report) as f:
                    if text in f.read():
                        return
            time.sleep(0.02)
        self.fail(f"the app never wrote {text!r}")

    def test_sigterm_to_the_launcher_reaches_the_app(self):
        self.root.add_version("1.0.0")
        proc = subprocess.Popen([self.root.launcher, "--wait-signal", f"--report={self.report}"],
                                stdout=subprocess.DEVNULL)
        self.wait_for_line("ready")
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=10), 42)
        self.assertIn("got=SIGTERM", self.app_report()["lines"])

    # --- choosing the version ----------------------------------------------

    def test_starts_the_state_current_version_not_the_newest(self):
        self.root.add_version("1.0.0")
        self.root.add_version("1.1.0")
        self.root.write_state({"current": "1.0.0", "previous": None, "trial": False})
        self.assertEqual(self.start().returncode, 0)
        self.assertEqual(self.app_report()["version"], "1.0.0")

    def test_missing_state_recovers_the_newest_complete_version(self):
        for v in ("1.2.0", "1.10.0", "1.9.0"):
            self.root.add_version(v)
        r = self.start()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.app_report()["version"], "1.10.0")
        self.assertEqual(self.root.read_state()["current"], "1.10.0")
        self.assertIn("state.json was missing or unreadable; chose the newest complete version 1.10.0",
                      self.root.log())

    def test_each_installation_gets_a_persistent_random_id(self):
        self.root.add_version("1.0.0")
        self.start()
        first = self.root.read_state()["install_id"]
        self.assertRegex(first, r"^[0-9a-f]{32}$")
        self.start()
        self.assertEqual(self.root.read_state()["install_id"], first)
        other = Root()
        try:
            other.add_version("1.0.0")
            other.run()
            self.assertNotEqual(other.read_state()["install_id"], first)
        finally:
            other.cleanup()

    def test_corrupt_state_is_recovered_and_rewritten(self):
        self.root.add_version("1.0.0")
        self.root.add_version("1.1.0")
        self.root.write_state('{"current": "1.0.0", "trial": tr')
        r = self.start()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.app_report()["version"], "1.1.0")
        self.assertEqual(self.root.read_state()["current"], "1.1.0")
        self.assertIn("state.json: not a JSON object; recovering", self.root.log())

    def test_incomplete_version_is_never_launched_and_is_removed(self):
        self.root.add_version("1.0.0")
        self.root.add_version("2.0.0", complete=False)
        self.root.add_version("2.1.0.partial", complete=False)
        self.root.write_state({"current": "2.0.0", "previous": "1.0.0"})
        r = self.start()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.app_report()["version"], "1.0.0")
        self.assertFalse(os.path.exists(self.root.p("versions", "2.0.0")))
        self.assertFalse(os.path.exists(self.root.p("versions", "2.1.0.partial")))
        self.assertTrue(os.path.exists(self.root.p("versions", "1.0.0", "bomiot")))
        self.assertIn("removed incomplete install", self.root.log())
        state = self.root.read_state()
        self.assertEqual((state["current"], state["previous"]), ("1.0.0", "2.0.0"))

    def test_nothing_installed_exits_127_with_a_clear_message(self):
        r = self.start()
        self.assertEqual(r.returncode, 127)
        self.assertIn(b"no complete version is installed", r.stderr)
        self.assertIn(b"reinstall Bomiot", r.stderr)

    def test_missing_app_executable_exits_126_naming_the_file(self):
        self.root.add_version("1.0.0", exe="other")
        r = self.start()
        self.assertEqual(r.returncode, 126)
        self.assertIn(b"version 1.0.0 has no app executable", r.stderr)

    def test_app_executable_from_config(self):
        self.root.add_version("1.0.0", exe="bomiot-gui")
        self.root.write_config({"app_executable": "bomiot-gui"})
        self.assertEqual(self.start().returncode, 0)

    # --- config ---------------------------------------------------------------

    def test_broken_config_is_reported_and_the_app_still_starts(self):
        self.root.add_version("1.0.0")
        for text, fragment in [
            ('{"keep_versions": "two"', b"launcher.json: not valid JSON"),
            ('{"keep_versions": "two"}', b"'keep_versions' must be an integer from 1 to 100, got \"two\"; using 2"),
            ('{"mode": 3}', b"'mode' must be supervise or exec, got 3; using supervise"),
            ('\x00\xff', b"not valid JSON"),
        ]:
            self.root.write_config(text)
            r = self.start("--exit=3")
            self.assertEqual(r.returncode, 3, r.stderr)
            self.assertIn(fragment, r.stderr)
            self.assertIn(self.root.p("launcher.json").encode(), r.stderr)
            self.assertIn(fragment.decode(), self.root.log())

    def test_bad_environment_value_is_reported_and_the_app_still_starts(self):
        self.root.add_version("1.0.0")
        r = self.start(env={"BOMIOT_AUTO_UPDATE": "perhaps"})
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"BOMIOT_AUTO_UPDATE must be true or false, got \"perhaps\"; using true", r.stderr)

    def test_print_config_shows_values_and_where_they_came_from(self):
        self.root.write_config({"update_interval": 600})
        r = self.root.run("--print-config", env={"BOMIOT_UPDATE_URL": "https://example.org/u"})
        self.assertEqual(r.returncode, 0)
        out = r.stdout.decode()
        self.assertRegex(out, r"update_url\s+\"https://example.org/u\"\s+\(environment BOMIOT_UPDATE_URL\)")
        self.assertRegex(out, r"update_interval\s+600\s+\(" + self.root.p("launcher.json") + r"\)")
        self.assertRegex(out, r"auto_update\s+true\s+\(default\)")
        self.assertIn(f"install root         {self.root.path}", out)

    def test_print_config_shows_the_splash_language_and_where_it_came_from(self):
        # issue 28: POSIX's order, LC_ALL, LC_MESSAGES, LANG, the first set and not empty
        out = self.root.run("--print-config", env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"})
        self.assertIn("splash language      zh_CN (LANG: zh_CN.UTF-8)", out.stdout.decode())
        out = self.root.run("--print-config", env={"LC_ALL": "zh_TW.UTF-8", "LANG": "zh_CN.UTF-8"})
        self.assertIn("splash language      en (LC_ALL: zh_TW.UTF-8)", out.stdout.decode())
        out = self.root.run("--print-config", env={"LC_ALL": "", "LC_MESSAGES": "zh_SG", "LANG": "C"})
        self.assertIn("splash language      zh_CN (LC_MESSAGES: zh_SG)", out.stdout.decode())
        self.root.write_config({"language": "en", "display_name": "Bomiot 仓储管理"})
        out = self.root.run("--print-config", env={"LC_ALL": "zh_CN.UTF-8"}).stdout.decode()
        self.assertIn("splash language      en (the config's language key)", out)
        self.assertRegex(out, r"language\s+\"en\"\s+\(" + re.escape(self.root.p("launcher.json")) + r"\)")
        self.assertRegex(out, r"display_name\s+\"Bomiot 仓储管理\"\s+\(")

    def test_display_name_prints_the_name_the_splash_shows(self):
        r = self.root.run("--display-name")
        self.assertEqual((r.returncode, r.stdout.decode()), (0, "Bomiot\n"))
        self.root.write_config({"display_name": "Bomiot 仓储管理"})
        r = self.root.run("--display-name")
        self.assertEqual((r.returncode, r.stdout.decode("utf-8")), (0, "Bomiot 仓储管理\n"))
        self.root.write_config({"app_name": "acme", "display_name": "two\nlines"})
        r = self.root.run("--display-name")
        self.assertEqual((r.returncode, r.stdout.decode()), (0, "Acme\n"))
        self.assertIn(b"'display_name' must be UTF-8 text", r.stderr)
        self.assertFalse(os.path.exists(self.root.p("cache")))  # it only reads

    def test_help_and_version(self):
        r = self.root.run("--help")
        self.assertEqual(r.returncode, 0)
        for word in (b"--print-config", b"--unblock VERSION", b"BOMIOT_UPDATE_URL", b"cache/update.log",
                     b"Exit status"):
            self.assertIn(word, r.stdout)
        r = self.root.run("--version")
        self.assertRegex(r.stdout.decode(), r"^bomiot-launcher \d+\.\d+\.\d+\n$")

    def test_help_lists_every_environment_variable_of_the_config_table(self):
        table = config_table_variables()
        self.assertTrue(table)
        r = self.root.run("--help")
        self.assertEqual(r.returncode, 0)
        text = r.stdout.decode()
        for line in text.splitlines():
            self.assertLess(len(line), 80, line)
        self.assertEqual([name for name in table if name not in text], [])
        listed = help_variables(text)
        self.assertEqual(sorted(listed), sorted(table))
        # each entry names its key and default: set every variable to that
        # default and the launcher must say the key came from that variable
        env, keys = {}, {}
        for name, setting in listed.items():
            self.assertTrue(setting, name)
            keys[name], env[name] = setting[0], "" if setting[1] == "none" else setting[1]
        out = self.root.run("--print-config", env=env).stdout.decode()
        for name, key in keys.items():
            self.assertRegex(out, rf"(?m)^{key}\s+\"?{re.escape(env[name])}\"?\s+\(environment {name}\)$")

    def test_readme_configuration_table_agrees_with_the_program(self):
        with open(os.path.join(SOURCE, "README.md")) as f:
            readme = f.read()
        section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
        rows = {}  # key: (variable, default), from "| `key` | `VAR` | `default` ... | meaning |"
        for m in re.finditer(r"(?m)^\| `(\w+)` \|(.*?)\|(.*?)\|.*\|$", section):
            rows[m.group(1)] = (m.group(2).strip().strip("`"), m.group(3).strip())
        variables = {}
        for name, (key, _) in help_variables(self.root.run("--help").stdout.decode()).items():
            variables[key] = name
        defaults = re.findall(r"(?m)^(\w+)\s+\"?(.*?)\"?\s+\(default\)$",
                              self.root.run("--print-config").stdout.decode())
        self.assertTrue(defaults)
        self.assertEqual(sorted(rows), sorted(key for key, _ in defaults))
        for key, value in defaults:
            variable, default = rows[key]
            self.assertEqual(variable, variables.get(key, ""), key)
            if value:
                self.assertTrue(default.startswith(f"`{value}`"), f"{key}: README {default}, launcher {value}")
            else:
                self.assertIn(default, ("", "(none)"), key)

    # --- lock and log -------------------------------------------------------

    def test_second_launcher_starts_the_app_but_does_no_maintenance(self):
        self.root.add_version("1.0.0")
        self.root.add_version("2.0.0.partial", complete=False)
        os.makedirs(self.root.p("cache"), exist_ok=True)
        with open(self.root.p("cache", "launcher.lock"), "w") as held:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
            r = self.start()
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("held by another launcher; starting the installed version without maintenance",
                          self.root.log())
            self.assertTrue(os.path.exists(self.root.p("versions", "2.0.0.partial")))
        r = self.start()
        self.assertFalse(os.path.exists(self.root.p("versions", "2.0.0.partial")))

    def test_two_launchers_at_once_both_start_the_app(self):
        self.root.add_version("1.0.0")
        procs = [subprocess.Popen([self.root.launcher, f"--report={self.report}", "--sleep=300"],
                                  stdout=subprocess.DEVNULL) for _ in range(2)]
        self.assertEqual([p.wait(timeout=10) for p in procs], [0, 0])
        self.assertEqual(self.app_report()["lines"].count("version=1.0.0"), 2)

    def test_log_records_the_start_with_time_level_and_module(self):
        self.root.add_version("1.0.0")
        self.start()
        self.assertRegex(self.root.log(),
                         r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  launch: starting version 1\.0\.0")

    def test_read_only_install_still_starts_the_app(self):
        """A system-wide install that the user cannot write to: no log file, no
        lock, no state written, and the app starts all the same."""
        self.root.add_version("1.0.0")
        prefix = []
        if os.geteuid() == 0:  # root ignores permissions: run as nobody instead
            if not shutil.which("setpriv"):
                self.skipTest("needs setpriv (util-linux) to drop root")
            prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        outdir = tempfile.mkdtemp(prefix="bl-out-")
        os.chmod(outdir, 0o777)
        report = os.path.join(outdir, "report.txt")
        for dirpath, dirnames, filenames in os.walk(self.root.path):
            os.chmod(dirpath, 0o555)
        try:
            r = subprocess.run([*prefix, self.root.launcher, f"--report={report}", "--exit=4"],
                               capture_output=True, timeout=30, cwd=outdir)
            self.assertEqual(r.returncode, 4, r.stderr)
            self.assertEqual(parse_report(report)["version"], "1.0.0")
            self.assertIn(b"logging to stderr only", r.stderr)
            self.assertFalse(os.path.exists(self.root.p("cache")))
        finally:
            for dirpath, dirnames, filenames in os.walk(self.root.path):
                os.chmod(dirpath, 0o755)
            shutil.rmtree(outdir, ignore_errors=True)

    # --- a fifo where a file belongs (issue 20) -------------------------------
    # Before, opening one waited for a writer for ever: the app never started.

    def start_with_fifo(self, *parts, said=True):
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})
        path = self.root.p(*parts)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path):
            os.remove(path)
        os.mkfifo(path)
        r = self.start("--exit=5", timeout=20)
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertEqual(self.app_report()["version"], "1.0.0")
        if said:
            self.assertIn(b"is a fifo, not a regular file", r.stderr)
        return r

    def test_a_fifo_at_state_json_is_treated_as_corrupt_and_replaced(self):
        r = self.start_with_fifo("state.json")
        self.assertIn(b"state.json is a fifo, not a regular file; recovering", r.stderr)
        self.assertEqual(self.root.read_state()["current"], "1.0.0")  # a regular file again

    def test_a_fifo_at_launcher_json_means_the_defaults(self):
        r = self.start_with_fifo("launcher.json")
        self.assertIn(b"launcher.json is a fifo, not a regular file; using defaults", r.stderr)

    def test_a_fifo_at_the_failure_count_is_replaced(self):
        # The update at launch fails here (no trusted root) and is counted.
        self.start_with_fifo("cache", "update-failures", said=False)
        with open(self.root.p("cache", "update-failures")) as f:
            self.assertEqual(f.read(), "1\n")

    def test_a_fifo_at_the_log_means_logging_to_stderr_only(self):
        r = self.start_with_fifo("cache", "update.log")
        self.assertIn(b"update.log is a fifo, not a regular file; logging to stderr only", r.stderr)


if __name__ == "__main__":
    unittest.main()
