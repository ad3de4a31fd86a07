"""Attacks on the update repository (issue 4, "Tests"): repositories made by
bomiot-release, served over HTTP on 127.0.0.1 by tests/server/testserver.py,
altered the way an attacker who holds the server, a mirror or the network
can alter them, and the launcher's TUF client (bomiot-tuf) asked to refresh
and download. Each test asserts the exact outcome: exit status, the reason
on stderr (which role, which check), the trusted metadata left as it was,
no target file where none may be, and the requests made."""
import datetime
import hashlib
import json
import os
import shutil
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from blrepo import APP, Publisher, seed_install  # noqa: E402
from blroot import Root, parse_report  # noqa: E402
from server import TestServer  # noqa: E402
from tufkit import Client, Editor, Key, delegated_role, dump, sign, target_entry  # noqa: E402

DAY = 86400
ARCHIVE = f"{APP}-1.0.0.tar.gz"


def days_ago(n):
    return {"BOMIOT_RELEASE_NOW": str(int(time.time()) - int(n * DAY))}


def in_days(n):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=n)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class TufCase(unittest.TestCase):
    """A published repository (1.0.0), a server over it that logs requests,
    and a client initialised with the repository's 1.root.json."""
    init_args = ()
    first = True  # publish 1.0.0 and refresh once in setUp

    def setUp(self):
        self.pub = Publisher()
        self.pub.init(*self.init_args)
        self.requests = os.path.join(self.pub.dir, "requests.log")
        self.server = TestServer(self.pub.repo, log=self.requests)
        self.client = Client(f"{self.server.url}/metadata", f"{self.server.url}/targets")
        r = self.client.init(self.pub.trusted_root())
        self.assertEqual(r.returncode, 0, r.stderr)
        if self.first:
            self.pub.add("1.0.0", data_size=16 * 1024)
            self.refresh_ok()
        self.edit = Editor(self.pub)

    def tearDown(self):
        self.server.stop()
        self.client.cleanup()
        self.pub.cleanup()

    # -- driving the client --

    def refresh_ok(self):
        r = self.client.refresh()
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def refused(self, result, *reason):
        """The client failed with exit 1 and a stderr line naming reason."""
        self.assertEqual(result.returncode, 1, f"stdout: {result.stdout}\nstderr: {result.stderr}")
        for part in reason:
            self.assertIn(part, result.stderr)
        return result

    def refresh_refused(self, *reason, updated=(), **kw):
        """A refresh that fails for reason and leaves the trusted metadata
        exactly as it was, but for the roles in updated: those verified
        before the failure, now the published file (TUF persists each role
        as soon as it is verified)."""
        before = self.client.trusted()
        r = self.refused(self.client.refresh(**kw), *reason)
        after = self.client.trusted()
        self.assertEqual(sorted(after), sorted(set(before) | {f"{u}.json" for u in updated}))
        for name in after:
            if name[:-5] in updated:
                self.assertEqual(after[name], self.edit.raw(name), f"{name} is not the verified new one")
                self.assertNotEqual(after[name], before.get(name), f"{name} was not updated")
            else:
                self.assertEqual(after[name], before[name], f"the trusted {name} changed")
        return r

    def clear_log(self):
        open(self.requests, "w").close()

    def log(self):
        with open(self.requests) as f:
            return [line.split()[1] for line in f]

    def metadata_requests(self):
        return [p.rsplit("/", 1)[1] for p in self.log() if "/metadata/" in p]

    # -- publishing --

    def sign_roles(self, *roles, env=None):
        self.pub.run("sign", *roles, env=env)

    def tamper(self, name, change):
        """change(doc) alters the parsed file; written back without re-signing."""
        doc = json.loads(self.edit.raw(name))
        change(doc)
        self.edit.write(name, doc)


class TamperedMetadata(TufCase):
    def test_tampered_root_is_refused(self):
        self.pub.run("keys", "rotate", "root")
        self.tamper("2.root.json", lambda d: d["signed"].update(expires=in_days(3000)))
        self.refresh_refused("bomiot-tuf refresh: root v2: 0 of 1 required signatures by root keys of v1")
        self.assertEqual(self.client.trusted_version("root"), 1)

    def test_tampered_timestamp_is_refused(self):
        self.sign_roles("timestamp")
        self.tamper("timestamp.json", lambda d: d["signed"].update(expires=in_days(30)))
        self.refresh_refused("bomiot-tuf refresh: timestamp v3: 0 of 1 required signatures by timestamp keys of root v1")

    def test_tampered_snapshot_is_caught_by_the_timestamp_s_hash(self):
        self.pub.add("1.1.0", data_size=16 * 1024)
        # one byte of the version changed in place: same length, other hash
        data = self.edit.raw("snapshot.json").replace(b'"version":\t3', b'"version":\t4', 1)
        self.assertNotEqual(data, self.edit.raw("snapshot.json"))
        self.edit.write("snapshot.json", data)
        self.refresh_refused("bomiot-tuf refresh: snapshot: sha256 does not match trusted metadata",
                             updated=["timestamp"])

    def test_a_longer_snapshot_than_the_timestamp_lists_is_cut_off(self):
        self.pub.add("1.1.0", data_size=16 * 1024)
        size = len(self.edit.raw("snapshot.json"))
        self.tamper("snapshot.json", lambda d: d["signed"].update(padding="x" * 100000))
        self.refresh_refused(f"bomiot-tuf refresh: {self.server.url}/metadata/snapshot.json is longer than the "
                             f"{size} bytes allowed", updated=["timestamp"])

    def test_tampered_snapshot_with_a_matching_timestamp_fails_its_signature(self):
        self.pub.add("1.1.0", data_size=16 * 1024)
        snapshot = self.edit.load("snapshot")
        snapshot["signed"]["expires"] = in_days(30)
        data = dump(snapshot)  # the old signature kept: the content no longer matches it
        self.edit.write("snapshot.json", data)
        timestamp = self.edit.load("timestamp")
        timestamp["signed"]["meta"]["snapshot.json"].update(
            length=len(data), hashes={"sha256": hashlib.sha256(data).hexdigest()})
        self.edit.save("timestamp", timestamp)
        self.refresh_refused("bomiot-tuf refresh: snapshot v3: 0 of 1 required signatures by snapshot keys of root v1",
                             updated=["timestamp"])

    def test_tampered_targets_is_refused(self):
        self.pub.add("1.1.0", data_size=16 * 1024)
        name = f"{APP}-1.1.0.tar.gz"
        self.tamper("targets.json", lambda d: d["signed"]["targets"][name].update(length=1))
        self.refresh_refused("bomiot-tuf refresh: targets v3: 0 of 1 required signatures by targets keys of root v1",
                             updated=["timestamp", "snapshot"])


if __name__ == "__main__":
    unittest.main()
