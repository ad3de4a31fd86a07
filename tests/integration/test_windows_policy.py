# SPDX-License-Identifier: Apache-2.0
"""The machine policy on Windows, under Wine: values of the registry key
HKLM\\Software\\Policies\\Bomiot (REG_DWORD and REG_SZ, as Group Policy
writes them) win over launcher.json and the environment, and --print-config
names the key. The Windows tests run one at a time in the run's own Wine
prefix; each test removes the key it wrote."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "windows"))
from wineroot import WinRoot, missing, wine  # noqa: E402

WHY = missing()
KEY = r"HKLM\Software\Policies\Bomiot"


@unittest.skipIf(WHY, WHY)
class WindowsPolicyTest(unittest.TestCase):
    def setUp(self):
        self.root = WinRoot()
        self.root.add_version("1.0.0")
        self.root.write_state({"current": "1.0.0"})

    def tearDown(self):
        wine("reg", "delete", KEY, "/f")
        self.root.cleanup()

    def reg_add(self, name, kind, data):
        r = wine("reg", "add", KEY, "/v", name, "/t", kind, "/d", data, "/f")
        self.assertEqual(r.returncode, 0, r.stderr)

    def print_config(self, env=None):
        r = self.root.run("--print-config", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.decode("utf-8"), r.stderr.decode("utf-8")

    def test_registry_values_win_and_print_config_names_the_key(self):
        self.reg_add("auto_update", "REG_DWORD", "0")
        self.reg_add("update_interval", "REG_DWORD", "86400")
        self.reg_add("update_url", "REG_SZ", "https://mirror.corp.example/bomiot")
        self.reg_add("target_version_prefix", "REG_SZ", "1")
        self.root.write_config({"update_url": "http://127.0.0.1:9/publisher", "update_interval": 60})
        out, err = self.print_config(env={"BOMIOT_AUTO_UPDATE": "true"})
        self.assertEqual(err.strip(), "")
        source = r"\(machine policy HKLM\\Software\\Policies\\Bomiot\)"
        self.assertRegex(out, r"(?m)^auto_update\s+false\s+" + source + r"\r?$")
        self.assertRegex(out, r"(?m)^update_interval\s+86400\s+" + source + r"\r?$")
        self.assertRegex(out, r'(?m)^update_url\s+"https://mirror.corp.example/bomiot"\s+' + source + r"\r?$")
        self.assertRegex(out, r'(?m)^target_version_prefix\s+"1"\s+' + source + r"\r?$")

    def test_values_it_may_not_hold_are_reported_and_the_app_starts(self):
        self.reg_add("keep_versions", "REG_DWORD", "5")
        self.reg_add("channel", "REG_BINARY", "00ff")
        self.reg_add("auto_update", "REG_SZ", "sometimes")
        out, err = self.print_config()
        self.assertIn(r"HKLM\Software\Policies\Bomiot: 'keep_versions' is not a machine policy setting", err)
        self.assertIn("'channel' must be stable or beta, got \"(a registry value that is neither REG_SZ nor "
                      "REG_DWORD)\"", err)
        self.assertIn("'auto_update' must be true or false, got \"sometimes\"", err)
        self.assertRegex(out, r"(?m)^keep_versions\s+2\s+\(default\)\r?$")
        self.assertRegex(out, r"(?m)^auto_update\s+true\s+\(default\)\r?$")
        r = self.root.run("--exit=0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"testapp 1.0.0", r.stdout)

    def test_no_key_no_policy(self):
        out, err = self.print_config()
        self.assertNotIn("machine policy", out)
        self.assertEqual(err.strip(), "")


if __name__ == "__main__":
    unittest.main()
