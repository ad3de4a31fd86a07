# SPDX-License-Identifier: Apache-2.0
"""The round trip of issue 4: bomiot-release publishes three versions one
after the other, and after each step the launcher's TUF client (bomiot-tuf)
refreshes over HTTP on 127.0.0.1 and downloads every new target, each
compared byte for byte with the repository's file."""
import hashlib
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from blrepo import APP  # noqa: E402
from tufkit import Editor, ServedRepositoryCase  # noqa: E402

VERSIONS = ("1.0.0", "1.1.0", "1.2.0")


class RoundTrip(ServedRepositoryCase):
    def published(self):
        with open(os.path.join(self.pub.repo, "metadata", "targets.json")) as f:
            return set(json.load(f)["signed"]["targets"])

    def test_three_versions_published_and_fetched(self):
        seen = set()
        for i, version in enumerate(VERSIONS):
            with self.subTest(version=version):
                self.pub.add(version, data_size=64 * 1024)
                r = self.client.refresh()
                self.assertEqual(r.returncode, 0, r.stderr)
                trusted = self.client.trusted()
                for role in ("timestamp", "snapshot", "targets"):
                    with open(os.path.join(self.pub.repo, "metadata", f"{role}.json"), "rb") as f:
                        self.assertEqual(trusted[f"{role}.json"], f.read(), role)
                new = self.published() - seen
                patches = {f"{APP}-{version}.patch", f"{APP}-{version}.zpatch"}  # add's default: both formats
                expected = {f"{APP}-{version}.tar.gz"} | (patches if i else set())
                self.assertEqual(new, expected)
                for name in sorted(new):
                    r = self.client.download(name)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    with open(self.pub.target(name), "rb") as a, \
                            open(os.path.join(self.client.targets, name), "rb") as b:
                        self.assertEqual(a.read(), b.read(), name)
                seen |= new
        self.assertEqual(sorted(os.listdir(self.client.targets)), sorted(seen))
        # every target was fetched exactly once: a matching file is not fetched again
        with open(self.requests) as f:
            fetched = [line.split()[1] for line in f if "/targets/" in line]
        self.assertEqual(sorted(fetched), sorted(f"/targets/{self.url_name(n)}" for n in seen))

    def url_name(self, name):
        if "--consistent-snapshot" not in self.init_args:
            return name
        with open(self.pub.target(name), "rb") as f:  # TUF 5.7.3: the hash-prefixed name
            return f"{hashlib.sha256(f.read()).hexdigest()}.{name}"


class LargeIntegers(ServedRepositoryCase):
    def test_a_build_time_in_nanoseconds_in_custom_metadata(self):
        """tufup (Python) reads and signs any integer exactly; the client must
        too, not refuse the whole targets.json past 2^53."""
        self.pub.add("1.0.0", data_size=16 * 1024)
        edit = Editor(self.pub)
        targets = edit.load("targets")
        archive = targets["signed"]["targets"][f"{APP}-1.0.0.tar.gz"]
        archive.setdefault("custom", {})["user"] = {"built_ns": 1733350000123456789, "big": -(10 ** 70)}
        edit.republish(targets)
        r = self.client.refresh()
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.pub.repo, "metadata", "targets.json"), "rb") as f:
            self.assertEqual(self.client.trusted()["targets.json"], f.read())
        r = self.client.download(f"{APP}-1.0.0.tar.gz")
        self.assertEqual(r.returncode, 0, r.stderr)


class RoundTripConsistentSnapshots(RoundTrip):
    init_args = ("--consistent-snapshot",)


if __name__ == "__main__":
    unittest.main()
