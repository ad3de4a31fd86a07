# SPDX-License-Identifier: Apache-2.0
"""An update through a real nginx with TLS, configured as docs/deploy.md says:
the repository made by bomiot-release and published with the document's
publish-cp.sh (and publish-rsync.sh, compared), the server certificate from
its private CA commands, that CA given to the launcher as ca_file. The update
by patch; a download interrupted by killing the launcher and resumed with a
Range request on the next start; and certificates the launcher must refuse
(another CA, expired, another name), each leaving the installed version
starting."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from blrepo import Publisher, seed_install  # noqa: E402
from blroot import Root, parse_report  # noqa: E402
from test_nginx_config import (MISSING, NginxProcess, doc_config, doc_script, free_port,  # noqa: E402
                               make_certificates, replace_in_doc, run)

RSYNC = shutil.which("rsync")


def expired_certificate(folder, ca_crt, ca_key):
    """A server certificate for 127.0.0.1 by the test CA that expired yesterday."""
    key, csr, crt = (os.path.join(folder, n) for n in ("old.key", "old.csr", "old.pem"))
    ext = os.path.join(folder, "old.ext")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    # `openssl x509 -req` cannot set a start date in the past; `openssl ca` can.
    conf = os.path.join(folder, "ca.cnf")
    db = os.path.join(folder, "index.txt")
    open(db, "w").close()
    with open(conf, "w") as f:
        f.write("[ca]\ndefault_ca=test\n[test]\n"
                f"database={db}\nnew_certs_dir={folder}\nserial={folder}/serial\n"
                f"certificate={ca_crt}\nprivate_key={ca_key}\ndefault_md=sha256\npolicy=any\n"
                "copy_extensions=copy\n[any]\ncommonName=supplied\n")
    with open(os.path.join(folder, "serial"), "w") as f:
        f.write("1000\n")
    run("openssl", "ca", "-batch", "-config", conf, "-in", csr, "-out", crt, "-extfile", ext,
        "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-notext")
    return crt, key


@unittest.skipIf(MISSING, f"{', '.join(MISSING)} not installed (scripts/deps.sh installs them)")
class NginxUpdateTest(NginxProcess, unittest.TestCase):
    """One nginx per test class, one server block per certificate to try."""

    @classmethod
    def setUpClass(cls):
        cls.proc = None
        cls.tmp = tempfile.mkdtemp(prefix="bl-nginx-up-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.addClassCleanup(cls.stop_nginx)
        os.chmod(cls.tmp, 0o755)  # nginx's workers run as nobody when the tests run as root
        cls.ca, crt, key = make_certificates(cls.tmp)
        other = os.path.join(cls.tmp, "other")
        os.makedirs(other)
        cls.other_ca, other_crt, other_key = make_certificates(other)
        old_crt, old_key = expired_certificate(cls.tmp, cls.ca, os.path.join(cls.tmp, "ca.key"))

        # published with docs/deploy.md's publish-cp.sh, release by release
        # (and with its publish-rsync.sh into a folder of its own)
        cls.pub = Publisher()
        cls.addClassCleanup(cls.pub.cleanup)
        cls.pub.init()
        cls.www = www = os.path.join(cls.tmp, "www")
        cls.rsynced = os.path.join(cls.tmp, "rsynced")
        os.makedirs(cls.rsynced)
        publish_cp = doc_script("#!/bin/sh\n# publish-cp.sh")
        publish_rsync = doc_script("#!/bin/sh\n# publish-rsync.sh")
        for version in ("1.0.0", "1.1.0"):
            cls.pub.add(version, data_size=24 * 1024 * 1024)
            run("sh", "-c", publish_cp, "publish-cp.sh", cls.pub.repo, os.path.join(www, "updates"))
            if RSYNC:
                run("sh", "-c", publish_rsync, "publish-rsync.sh", cls.pub.repo, cls.rsynced)
        subprocess.run(["chmod", "-R", "a+rX", www], check=True)

        block = doc_config()
        for attempt in range(3):
            cls.ports = {name: free_port() for name in ("good", "other_ca", "expired", "http")}
            servers = ""
            for name, (c, k) in (("good", (crt, key)), ("other_ca", (other_crt, other_key)),
                                 ("expired", (old_crt, old_key))):
                conf = replace_in_doc(block, r"^\s*listen \[::\]:\d+.*;\n", "")
                conf = replace_in_doc(conf, r"listen 443 ssl", f"listen 127.0.0.1:{cls.ports[name]} ssl")
                # the plain-http redirect block once, beside the good server
                if name == "good":
                    conf = replace_in_doc(conf, r"listen 80;", f"listen 127.0.0.1:{cls.ports['http']};")
                else:
                    conf = replace_in_doc(conf, r"^server \{\n    listen 80;\n(.*\n)*?\}\n", "")
                conf = replace_in_doc(conf, r"ssl_certificate\s+\S+;", f"ssl_certificate {c};")
                conf = replace_in_doc(conf, r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {k};")
                conf = replace_in_doc(conf, r"root /srv/bomiot;", f"root {www};")
                conf = replace_in_doc(conf, r"shared:bomiot_tls:", f"shared:bomiot_tls_{name}:")
                servers += conf
            cls.https = cls.ports["good"]  # what start_nginx waits for
            # 8 MB/s per connection: a 24 MB archive takes a few seconds, long
            # enough to interrupt it in the middle
            # and a log of which connection served each request (issue 23)
            cls.write_conf(servers, "    limit_rate 8m;\n"
                           "    log_format conn '$connection $connection_requests $server_protocol $request';\n"
                           f"    access_log {cls.tmp}/connections.log conn;\n")
            if cls.start_nginx():
                return
        raise AssertionError("nginx did not start: " + cls.read(os.path.join(cls.tmp, "error.log")))

    @staticmethod
    def read(path):
        try:
            with open(path) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def setUp(self):
        self.root = Root()
        self.addCleanup(self.root.cleanup)
        seed_install(self.root, self.pub, "1.0.0")
        self.report = self.root.p("report.txt")

    def url(self, name="good"):
        return f"https://127.0.0.1:{self.ports[name]}/updates"

    def started(self):
        return [line[len("version="):] for line in parse_report(self.report)["lines"]
                if line.startswith("version=")]

    def access_log(self):
        return self.read(os.path.join(self.tmp, "access.log"))

    def test_an_update_by_patch_over_tls_with_the_private_ca(self):
        self.root.write_config({"update_url": self.url(), "ca_file": self.ca})
        r = self.root.run(f"--report={self.report}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.started(), ["1.1.0"])
        self.assertIn("downloading bomiot-1.1.0.zpatch", self.root.log())
        self.assertIn("GET /updates/targets/bomiot-1.1.0.zpatch", self.access_log())

    def test_a_check_and_its_download_share_one_tls_connection(self):
        """Issue 23: the metadata (the next root's 404, timestamp, snapshot,
        targets) and the patch come over one connection, one TLS handshake,
        HTTP/2 as the documented server offers it."""
        log = os.path.join(self.tmp, "connections.log")
        before = len(self.read(log).splitlines())
        self.root.write_config({"update_url": self.url(), "ca_file": self.ca})
        r = self.root.run(f"--report={self.report}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.started(), ["1.1.0"])
        lines = [line.split(" ", 3) for line in self.read(log).splitlines()[before:]]
        self.assertGreaterEqual(len(lines), 5, lines)
        self.assertTrue(any("/targets/bomiot-1.1.0.zpatch" in line[3] for line in lines), lines)
        self.assertEqual(len({line[0] for line in lines}), 1, lines)
        self.assertEqual({line[2] for line in lines}, {"HTTP/2.0"}, lines)

    def assert_is_the_repository(self, folder):
        def files(top):
            return sorted(os.path.relpath(os.path.join(d, n), top) for d, _, names in os.walk(top) for n in names)
        names = files(folder)
        self.assertEqual(names, files(self.pub.repo))
        for name in names:
            with open(os.path.join(folder, name), "rb") as a, open(os.path.join(self.pub.repo, name), "rb") as b:
                self.assertEqual(a.read(), b.read(), name)

    def test_publish_cp_copies_the_whole_repository_and_leaves_no_part_file(self):
        self.assert_is_the_repository(os.path.join(self.www, "updates"))

    @unittest.skipUnless(RSYNC, "rsync not installed (scripts/deps.sh installs it)")
    def test_publish_rsync_copies_the_whole_repository(self):
        self.assert_is_the_repository(self.rsynced)

    def test_a_killed_download_resumes_with_a_range_on_the_next_start(self):
        self.root.write_config({"update_url": self.url(), "ca_file": self.ca, "incremental_update": False,
                                "check_seconds": 60})
        partial = self.root.p("cache", "downloads", "bomiot-1.1.0.tar.gz")
        proc = subprocess.Popen([self.root.launcher, f"--report={self.report}"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline and not (os.path.exists(partial) and os.path.getsize(partial) > 4 << 20):
            time.sleep(0.02)
        proc.kill()  # the user's machine dies in the middle of the download
        proc.wait()
        got = os.path.getsize(partial)
        total = os.path.getsize(self.pub.archive("1.1.0"))
        self.assertLess(got, total, "the download finished before it could be interrupted")
        self.assertEqual(self.root.read_state()["current"], "1.0.0")
        r = self.root.run(f"--report={self.report}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.started(), ["1.1.0"])
        lines = [line for line in self.access_log().splitlines() if "bomiot-1.1.0.tar.gz" in line]
        self.assertGreaterEqual(len(lines), 2, lines)
        self.assertIn('" 206 ', lines[-1])  # the rest only, answered as a range
        sent = int(lines[-1].split('" 206 ')[1].split()[0])
        self.assertLess(sent, total)
        self.assertFalse(os.path.exists(partial))  # used up and cleaned

    def test_a_relative_ca_file_is_the_install_root_s_whatever_the_working_folder(self):
        # A bundle ships resources/ca.pem and is started from a menu, in
        # another working folder (issue 20: the path was the working folder's).
        os.makedirs(self.root.p("resources"), exist_ok=True)
        shutil.copy(self.ca, self.root.p("resources", "ca.pem"))
        self.root.write_config({"update_url": self.url(), "ca_file": "resources/ca.pem"})
        elsewhere = tempfile.mkdtemp(prefix="bl-cwd-")
        self.addCleanup(shutil.rmtree, elsewhere, True)
        r = self.root.run(f"--report={self.report}", cwd=elsewhere)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.started(), ["1.1.0"], self.root.log())

    def assert_refused(self, name, ca, reason):
        self.root.write_config({"update_url": self.url(name), "ca_file": ca})
        r = self.root.run(f"--report={self.report}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.started(), ["1.0.0"])
        log = self.root.log()
        self.assertIn("starting the installed version 1.0.0", log)
        self.assertRegex(log, reason)
        self.assertEqual(self.root.read_state()["current"], "1.0.0")

    def test_a_certificate_from_another_ca_is_refused(self):
        self.assert_refused("other_ca", self.ca, r"(?i)certificate")

    def test_the_system_store_does_not_trust_a_private_ca(self):
        self.assert_refused("good", "", r"(?i)certificate")

    def test_an_expired_certificate_is_refused(self):
        self.assert_refused("expired", self.ca, r"(?i)certificate|expired")


if __name__ == "__main__":
    unittest.main()
