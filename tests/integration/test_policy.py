# SPDX-License-Identifier: Apache-2.0
"""The machine policy (/etc/bomiot/policy.json) read by the real launcher:
each run happens in a private mount namespace whose /etc is the machine's
with the test's bomiot/policy.json laid over it (overlayfs), so the test
never writes the machine's /etc and runs beside other tests. Needs root, as
the whole suite does on its machine (scripts/test.sh, .ci/run)."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from blrepo import APP, Publisher, seed_install  # noqa: E402
from blroot import Root, parse_report  # noqa: E402
from server import TestServer  # noqa: E402

POLICY = "/etc/bomiot/policy.json"
# $1 the overlay's upper folder, $2 its work folder, then the command.
IN_NAMESPACE = ('mount --make-rprivate / && '
                'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc && '
                'shift 2 && exec "$@"')


class PolicyCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bl-policy-")
        self.upper = os.path.join(self.tmp, "upper")
        os.makedirs(os.path.join(self.upper, "bomiot"))
        os.makedirs(os.path.join(self.tmp, "work"))
        self.pub = Publisher()
        self.pub.init()
        self.pub.add("1.0.0")
        self.root = Root()
        seed_install(self.root, self.pub, "1.0.0")
        self.report = self.root.p("report.txt")
        self.requests = os.path.join(self.pub.dir, "requests.log")
        self.server = TestServer(self.pub.repo, log=self.requests)

    def tearDown(self):
        self.server.stop()
        self.root.cleanup()
        self.pub.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def set_policy(self, text):
        with open(os.path.join(self.upper, "bomiot", "policy.json"), "w") as f:
            f.write(text)

    def run_launcher(self, *args, env=None):
        """The root's launcher with the test's policy in /etc; the
        environment without the caller's BOMIOT_* variables, plus env."""
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("BOMIOT_")}
        full_env.update(env or {})
        return subprocess.run(["unshare", "-m", "sh", "-c", IN_NAMESPACE, "sh", self.upper,
                               os.path.join(self.tmp, "work"), self.root.launcher, *args],
                              env=full_env, cwd=self.root.path, capture_output=True, text=True, timeout=120)

    def start(self, **config):
        self.root.write_config({"update_url": self.server.url, "healthy_seconds": 2, "check_seconds": 30, **config})
        if os.path.exists(self.report):
            os.remove(self.report)
        r = self.run_launcher(f"--report={self.report}")
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def started(self):
        return [line[len("version="):] for line in parse_report(self.report)["lines"]
                if line.startswith("version=")]

    def fetched(self):
        if not os.path.exists(self.requests):
            return []
        with open(self.requests) as f:
            return [os.path.basename(line.split()[1]) for line in f if "/targets/" in line.split()[1]]


class PolicyConfigTest(PolicyCase):
    def test_print_config_names_the_policy_which_wins_over_file_user_file_and_environment(self):
        self.set_policy('{"auto_update": false, "channel": "stable", "update_interval": 86400}')
        self.root.write_config({"auto_update": True, "update_interval": 60})
        with open(self.root.p("launcher.user.json"), "w") as f:
            f.write('{"channel": "beta"}')
        r = self.run_launcher("--print-config", env={"BOMIOT_AUTO_UPDATE": "true", "BOMIOT_CHANNEL": "beta"})
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = {line.split()[0]: line for line in r.stdout.splitlines() if line.strip()}
        self.assertRegex(lines["auto_update"], r"^auto_update\s+false\s+\(machine policy /etc/bomiot/policy.json\)$")
        self.assertRegex(lines["channel"], r'^channel\s+"stable"\s+\(machine policy /etc/bomiot/policy.json\)$')
        self.assertRegex(lines["update_interval"], r"^update_interval\s+86400\s+\(machine policy ")
        self.assertRegex(lines["keep_versions"], r"\(default\)$")
        self.assertEqual(r.stderr, "")

    def test_keys_the_policy_may_not_set_are_reported_and_ignored(self):
        self.set_policy('{"keep_versions": 9, "auto_update": false}')
        r = self.run_launcher("--print-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"{POLICY}: 'keep_versions' is not a machine policy setting", r.stderr)
        self.assertRegex(r.stdout, r"(?m)^keep_versions\s+2\s+\(default\)$")
        self.assertRegex(r.stdout, r"(?m)^auto_update\s+false\s+\(machine policy ")

    def test_a_pin_in_launcher_json_is_refused(self):
        self.root.write_config({"target_version_prefix": "1"})
        r = self.run_launcher("--print-config")
        self.assertIn("launcher.json: 'target_version_prefix' is the machine policy's setting "
                      f"({POLICY}), not this file's; ignored", r.stderr)


class PolicyUpdateTest(PolicyCase):
    def test_without_a_policy_the_same_start_updates(self):
        """The control for the tests below: this set-up does update."""
        self.pub.add("1.1.0")
        self.start()
        self.assertEqual(self.started(), ["1.1.0"])

    def test_updates_off_by_policy_keep_the_installed_version_whatever_the_user_sets(self):
        self.pub.add("1.1.0")
        self.set_policy('{"auto_update": false}')
        with open(self.root.p("launcher.user.json"), "w") as f:
            f.write('{"auto_update": true}')
        self.start()
        self.assertEqual(self.started(), ["1.0.0"])
        self.assertEqual(self.root.read_state()["current"], "1.0.0")
        self.assertFalse(os.path.exists(self.root.p("versions", "1.1.0")))
        self.assertEqual([n for n in self.fetched() if n.endswith((".patch", ".tar.gz"))], [])

    def test_the_policy_s_update_url_wins_over_the_publisher_s(self):
        self.pub.add("1.1.0")
        self.set_policy('{"update_url": "%s"}' % self.server.url)
        self.root.write_config({"update_url": "http://127.0.0.1:9/nowhere", "healthy_seconds": 2, "check_seconds": 30})
        r = self.run_launcher(f"--report={self.report}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.started(), ["1.1.0"])
        self.assertEqual(self.fetched(), [f"{APP}-1.1.0.zpatch"])  # add writes both formats; the zstd one is taken

    def test_a_malformed_policy_is_reported_once_and_the_app_starts(self):
        self.pub.add("1.1.0")
        self.set_policy('{"auto_update": false,')
        r = self.start()
        self.assertEqual(r.stderr.count(POLICY), 1, r.stderr)
        self.assertIn(f"{POLICY}: not valid JSON (error near byte", r.stderr)
        self.assertIn("ignoring the policy", r.stderr)
        self.assertIn(f"{POLICY}: not valid JSON", self.root.log())
        self.assertEqual(self.started(), ["1.1.0"])  # nothing of it applied: updates stay on

    def test_a_pin_installs_the_newest_release_inside_it(self):
        for v in ("1.1.0", "1.1.1", "1.2.0"):
            self.pub.add(v)
        self.set_policy('{"target_version_prefix": "1.1"}')
        self.start()
        self.assertEqual(self.started(), ["1.1.1"])
        self.root.interval_passed()
        self.start()
        self.assertEqual(self.started(), ["1.1.1"])
        self.assertIn("already up to date at 1.1.1 within the machine policy's target_version_prefix 1.1",
                      self.root.log())

    def test_the_machines_updater_follows_the_policy(self):
        """--update-only, the machine's updater on a machine-wide install
        (issue 26): updates off stop it, a pin holds it."""
        for v in ("1.1.0", "1.1.1", "1.2.0"):
            self.pub.add(v)
        self.root.write_config({"update_url": self.server.url})
        self.set_policy('{"auto_update": false}')
        r = self.run_launcher("--update-only")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(self.root.p("versions", "1.1.0")))
        self.assertEqual(self.fetched(), [])
        self.assertIn("not checking: auto_update is false", self.root.log())
        self.set_policy('{"target_version_prefix": "1.1"}')
        r = self.run_launcher("--update-only")
        self.assertEqual(r.returncode, 10, r.stderr)
        self.assertEqual(self.root.read_state()["current"], "1.1.1")
        self.assertFalse(os.path.exists(self.root.p("versions", "1.2.0")))

    def test_a_pin_goes_back_from_a_newer_release_by_its_archive(self):
        for v in ("1.1.0", "1.2.0"):
            self.pub.add(v)
        self.start()
        self.assertEqual(self.started(), ["1.2.0"])
        self.set_policy('{"target_version_prefix": "1.1"}')
        self.root.interval_passed()
        os.remove(self.requests)
        self.start()
        self.assertEqual(self.started(), ["1.1.0"])
        self.assertEqual(self.root.read_state()["current"], "1.1.0")
        self.assertEqual([n for n in self.fetched() if n.endswith((".patch", ".zpatch", ".tar.gz"))],
                         [f"{APP}-1.1.0.tar.gz"])
        self.assertIn("installing 1.1.0: full archive (going back from 1.2.0: patches only go forward)",
                      self.root.log())


if __name__ == "__main__":
    unittest.main()
