# SPDX-License-Identifier: Apache-2.0
"""The nginx configuration in docs/deploy.md, served for real: the block is
taken from the document (only its certificate paths, root and ports are
replaced), nginx runs it on 127.0.0.1 with a certificate from a throwaway CA
made by the document's own private CA commands, and curl checks what a
client and a CDN get: TLS verified against that CA, metadata never cached
(404s included), targets immutable and never re-encoded, single byte ranges
answered with 206 and a resumed download."""
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

SOURCE = os.environ.get("BL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
DOC = os.path.join(SOURCE, "docs", "deploy.md")
HOST = "updates.example.com"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
MISSING = [tool for tool, path in (("nginx", NGINX), ("openssl", shutil.which("openssl")),
                                   ("curl", shutil.which("curl"))) if not path]


def doc_config():
    """The first ```nginx block of docs/deploy.md."""
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"```nginx\n(.*?)```", text, re.S)
    assert m, "docs/deploy.md has no ```nginx block"
    return m.group(1)


def doc_script(first_line):
    """The ```sh block of docs/deploy.md whose first line is first_line."""
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    for m in re.finditer(r"```sh\n(.*?)```", text, re.S):
        if m.group(1).startswith(first_line):
            return m.group(1)
    raise AssertionError(f"docs/deploy.md has no ```sh block starting {first_line!r}")


def replace_in_doc(text, pattern, replacement):
    new, n = re.subn(pattern, replacement, text, flags=re.M)
    assert n >= 1, f"docs/deploy.md's block no longer has {pattern!r}"
    return new


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, **kw)
    assert r.returncode == 0, f"{cmd[0]} failed: {r.stderr!r}"
    return r


def make_certificates(folder):
    """A CA and a server certificate for HOST and 127.0.0.1 signed by it, made
    by the commands of docs/deploy.md ("A private CA"), run as they stand
    there with its two names set. Returns (ca.pem, fullchain.pem,
    privkey.pem); ca.key is left in folder too."""
    script = doc_script("# private CA:")
    script = replace_in_doc(script, r"^host=\S+", f"host={HOST}")
    script = replace_in_doc(script, r"^ip=\S+", "ip=127.0.0.1")
    os.makedirs(folder, exist_ok=True)
    r = run("sh", "-eu", "-c", script, cwd=folder, text=True)
    assert "fullchain.pem: OK" in r.stdout, r.stdout
    return tuple(os.path.join(folder, name) for name in ("ca.pem", "fullchain.pem", "privkey.pem"))


def certificate_extensions(path):
    """`openssl x509 -text`'s extensions section of a PEM certificate."""
    text = run("openssl", "x509", "-in", path, "-noout", "-text", text=True).stdout
    return text[text.index("X509v3 extensions:"):text.index("Signature Algorithm:", text.index("X509v3"))]


class NginxProcess:
    """An nginx of the test's own (cls.tmp, cls.https) in the foreground."""

    @classmethod
    def write_conf(cls, servers, http_extra=""):
        """The whole nginx.conf around server blocks, every path in cls.tmp."""
        temp = "".join(f"    {kind}_temp_path {cls.tmp}/{kind};\n"
                       for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        cls.conf = os.path.join(cls.tmp, "nginx.conf")
        with open(cls.conf, "w") as f:
            f.write(f"daemon off;\nworker_processes 1;\npid {cls.tmp}/nginx.pid;\n"
                    f"error_log {cls.tmp}/error.log;\nevents {{ worker_connections 64; }}\n"
                    f"http {{\n    access_log {cls.tmp}/access.log;\n{http_extra}{temp}{servers}}}\n")

    @classmethod
    def nginx_cmd(cls, *extra):
        return [NGINX, "-p", cls.tmp, "-e", os.path.join(cls.tmp, "error.log"), "-c", cls.conf, *extra]

    @classmethod
    def error_log(cls):
        try:
            with open(os.path.join(cls.tmp, "error.log")) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    @classmethod
    def start_nginx(cls):
        """Starts nginx in the foreground (its master is our child); True once it
        accepts connections, False if it exited (a port clash: try other ports)."""
        cls.proc = subprocess.Popen(cls.nginx_cmd(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
        deadline = time.time() + 15
        while time.time() < deadline:
            if cls.proc.poll() is not None:
                cls.proc = None
                return False
            try:
                with socket.create_connection(("127.0.0.1", cls.https), timeout=0.2):
                    return True
            except OSError:
                time.sleep(0.05)
        cls.stop_nginx()
        raise AssertionError("nginx did not listen within 15 s: " + cls.error_log())

    @classmethod
    def stop_nginx(cls):
        """SIGTERM: nginx's fast shutdown, the master stops its workers. If it
        hangs, its whole process group (the session we started it in) is killed."""
        proc, cls.proc = cls.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()



@unittest.skipIf(MISSING, f"{', '.join(MISSING)} not installed (scripts/deps.sh installs them)")
class NginxConfigTest(NginxProcess, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc = None
        cls.tmp = tempfile.mkdtemp(prefix="bl-nginx-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.addClassCleanup(cls.stop_nginx)
        os.chmod(cls.tmp, 0o755)  # nginx's workers run as nobody when the tests run as root
        cls.ca, crt, key = make_certificates(cls.tmp)

        www = os.path.join(cls.tmp, "www")
        cls.files = {}
        for rel, data in (("updates/metadata/1.root.json", b'{"signed": {"_type": "root", "version": 1}}'),
                          ("updates/metadata/root.json", b'{"signed": {"_type": "root", "version": 1}}'),
                          ("updates/metadata/timestamp.json", b'{"signed": {"_type": "timestamp"}}'),
                          ("updates/metadata/targets.json", b'{"signed": {"targets": {%s}}}' % b", ".join(
                              b'"bomiot-1.%d.0.tar.gz": {"length": 1}' % i for i in range(100))),
                          ("updates/targets/bomiot-1.0.0.tar.gz", os.urandom(200_000)),
                          ("updates/targets/bomiot-1.1.0.patch", os.urandom(30_000)),
                          ("updates/targets/bomiot-1.1.0.zpatch", os.urandom(20_000))):
            path = os.path.join(www, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            cls.files[rel] = data
        subprocess.run(["chmod", "-R", "a+rX", www], check=True)

        server = doc_config()
        for attempt in range(3):  # a free port may be taken between the check and nginx's bind
            cls.https, cls.http = free_port(), free_port()
            conf = server
            conf = replace_in_doc(conf, r"^\s*listen \[::\]:\d+.*;\n", "")
            conf = replace_in_doc(conf, r"listen 443 ssl", f"listen 127.0.0.1:{cls.https} ssl")
            conf = replace_in_doc(conf, r"listen 80;", f"listen 127.0.0.1:{cls.http};")
            conf = replace_in_doc(conf, r"ssl_certificate\s+\S+;", f"ssl_certificate {crt};")
            conf = replace_in_doc(conf, r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};")
            conf = replace_in_doc(conf, r"root /srv/bomiot;", f"root {www};")
            conf = replace_in_doc(conf, r"shared:bomiot_tls:", f"shared:bomiot_tls_{cls.https}:")
            cls.write_conf(conf)
            if cls.start_nginx():
                return
        raise AssertionError("nginx did not start: " + cls.error_log())

    def curl(self, path, *args, scheme="https", out=None):
        """Returns (status, headers dict in lower case, body bytes, verbose stderr)."""
        port = self.https if scheme == "https" else self.http
        head = os.path.join(self.tmp, "headers.txt")
        body = out or os.path.join(self.tmp, "body.bin")
        cmd = ["curl", "-sS", "-v", "--cacert", self.ca, "--resolve", f"{HOST}:{port}:127.0.0.1",
               "-D", head, "-o", body, *args, f"{scheme}://{HOST}:{port}{path}"]
        r = subprocess.run(cmd, capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        with open(head, "rb") as f:
            blocks = f.read().decode("latin-1").strip().split("\r\n\r\n")
        lines = blocks[-1].split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        data = b""
        if os.path.exists(body):  # curl writes no file for an empty body (304)
            with open(body, "rb") as f:
                data = f.read()
            if out is None:
                os.remove(body)
        return status, headers, data, r.stderr.decode(errors="replace")

    # --- the configuration -----------------------------------------------

    def test_configuration_passes_nginx_t(self):
        r = subprocess.run(self.nginx_cmd("-t"), capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("syntax is ok", r.stderr)
        self.assertIn("test is successful", r.stderr)

    # --- TLS -------------------------------------------------------------------

    def test_the_private_ca_recipe_makes_a_ca_and_a_server_certificate(self):
        ca = certificate_extensions(self.ca)
        self.assertRegex(ca, r"Basic Constraints: critical\s+CA:TRUE, pathlen:0")
        self.assertRegex(ca, r"Key Usage: critical\s+Certificate Sign, CRL Sign")
        server = certificate_extensions(os.path.join(self.tmp, "fullchain.pem"))
        self.assertRegex(server, r"Basic Constraints: critical\s+CA:FALSE")
        self.assertRegex(server, r"Extended Key Usage:\s+TLS Web Server Authentication")
        self.assertRegex(server, rf"Subject Alternative Name:\s+DNS:{re.escape(HOST)}, IP Address:127.0.0.1")
        for key in ("ca.key", "privkey.pem"):
            self.assertEqual(os.stat(os.path.join(self.tmp, key)).st_mode & 0o077, 0, key)

    def test_tls_is_verified_against_the_private_ca_and_uses_tls_1_3(self):
        status, _, _, verbose = self.curl("/updates/metadata/timestamp.json")
        self.assertEqual(status, 200)
        self.assertIn("SSL connection using TLSv1.3", verbose)
        self.assertIn("SSL certificate verify ok", verbose)

    def test_tls_1_2_is_accepted_and_older_protocols_are_not(self):
        status, _, _, verbose = self.curl("/updates/metadata/timestamp.json", "--tlsv1.2", "--tls-max", "1.2")
        self.assertEqual(status, 200)
        self.assertIn("SSL connection using TLSv1.2", verbose)
        # (Debian's OpenSSL refuses TLS 1.0/1.1 on its own side too: this checks the
        # combination a client meets, not ssl_protocols alone.)
        r = subprocess.run(["curl", "-sS", "--cacert", self.ca, "--resolve", f"{HOST}:{self.https}:127.0.0.1",
                            "--tlsv1.0", "--tls-max", "1.1", "-o", os.devnull,
                            f"https://{HOST}:{self.https}/updates/metadata/timestamp.json"],
                           capture_output=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)

    def test_plain_http_redirects_to_https(self):
        status, headers, _, _ = self.curl("/updates/metadata/timestamp.json", scheme="http")
        self.assertEqual(status, 301)
        self.assertEqual(headers["location"], f"https://{HOST}/updates/metadata/timestamp.json")

    # --- metadata -------------------------------------------------------------

    def test_metadata_is_json_and_never_served_from_a_cache(self):
        for name in ("timestamp.json", "root.json", "1.root.json"):
            status, headers, body, _ = self.curl(f"/updates/metadata/{name}")
            self.assertEqual(status, 200, name)
            self.assertEqual(body, self.files[f"updates/metadata/{name}"])
            self.assertEqual(headers["cache-control"], "no-cache, no-transform")
            self.assertEqual(headers["content-type"], "application/json")
            self.assertEqual(headers["x-content-type-options"], "nosniff")
            self.assertIn("etag", headers)  # what a cache revalidates with

    def test_a_missing_root_version_404_is_not_cacheable(self):
        status, headers, _, _ = self.curl("/updates/metadata/2.root.json")
        self.assertEqual(status, 404)
        self.assertEqual(headers["cache-control"], "no-cache, no-transform")

    def test_metadata_revalidates_with_304(self):
        _, headers, _, _ = self.curl("/updates/metadata/timestamp.json")
        status, _, body, _ = self.curl("/updates/metadata/timestamp.json", "-H", f"If-None-Match: {headers['etag']}")
        self.assertEqual(status, 304)
        self.assertEqual(body, b"")

    def test_large_metadata_may_be_gzipped_for_clients_that_ask(self):
        status, headers, body, _ = self.curl("/updates/metadata/targets.json", "--compressed")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-encoding"), "gzip")
        self.assertIn("Accept-Encoding", headers.get("vary", ""))
        self.assertEqual(body, self.files["updates/metadata/targets.json"])  # curl decoded it
        status, headers, body, _ = self.curl("/updates/metadata/targets.json")
        self.assertNotIn("content-encoding", headers)  # not asked: not compressed
        self.assertEqual(body, self.files["updates/metadata/targets.json"])

    # --- targets --------------------------------------------------------------

    def test_targets_are_immutable_and_never_re_encoded(self):
        for name, ctype in (("bomiot-1.0.0.tar.gz", "application/gzip"),
                            ("bomiot-1.1.0.patch", "application/octet-stream"),
                            ("bomiot-1.1.0.zpatch", "application/octet-stream")):
            status, headers, body, _ = self.curl(f"/updates/targets/{name}", "-H", "Accept-Encoding: gzip, br")
            self.assertEqual(status, 200)
            self.assertEqual(headers["cache-control"], "public, max-age=31536000, immutable, no-transform")
            self.assertEqual(headers["content-type"], ctype)
            self.assertNotIn("content-encoding", headers)
            self.assertEqual(headers["accept-ranges"], "bytes")
            self.assertEqual(int(headers["content-length"]), len(self.files[f"updates/targets/{name}"]))
            self.assertEqual(hashlib.sha256(body).digest(),
                             hashlib.sha256(self.files[f"updates/targets/{name}"]).digest())

    def test_a_missing_target_404_is_not_marked_immutable(self):
        status, headers, _, _ = self.curl("/updates/targets/bomiot-9.9.9.tar.gz")
        self.assertEqual(status, 404)
        self.assertNotIn("immutable", headers.get("cache-control", ""))

    def test_a_byte_range_is_answered_with_206(self):
        data = self.files["updates/targets/bomiot-1.0.0.tar.gz"]
        status, headers, body, _ = self.curl("/updates/targets/bomiot-1.0.0.tar.gz", "-r", "1000-")
        self.assertEqual(status, 206)
        self.assertEqual(headers["content-range"], f"bytes 1000-{len(data) - 1}/{len(data)}")
        self.assertEqual(body, data[1000:])
        self.assertEqual(headers["cache-control"], "public, max-age=31536000, immutable, no-transform")

    def test_several_ranges_get_the_whole_file(self):
        data = self.files["updates/targets/bomiot-1.0.0.tar.gz"]
        status, _, body, _ = self.curl("/updates/targets/bomiot-1.0.0.tar.gz", "-r", "0-9,100-109")
        self.assertEqual(status, 200)  # max_ranges 1
        self.assertEqual(body, data)

    def test_an_interrupted_download_resumes_to_the_exact_file(self):
        data = self.files["updates/targets/bomiot-1.0.0.tar.gz"]
        partial = os.path.join(self.tmp, "resumed.tar.gz")
        with open(partial, "wb") as f:
            f.write(data[:77_777])
        status, headers, body, _ = self.curl("/updates/targets/bomiot-1.0.0.tar.gz", "-C", "-", out=partial)
        os.remove(partial)
        self.assertEqual(status, 206)
        self.assertTrue(headers["content-range"].startswith("bytes 77777-"), headers["content-range"])
        self.assertEqual(body, data)

    # --- nothing else -------------------------------------------------------

    def test_no_listing_and_nothing_outside_updates(self):
        for path in ("/updates/targets/", "/updates/metadata/", "/", "/other.txt"):
            status, headers, body, _ = self.curl(path)
            self.assertIn(status, (403, 404), path)
            self.assertNotIn(b"bomiot-1.0.0", body)
        _, headers, _, _ = self.curl("/updates/metadata/timestamp.json")
        self.assertNotRegex(headers.get("server", ""), r"\d")  # server_tokens off


if __name__ == "__main__":
    unittest.main()
