# SPDX-License-Identifier: Apache-2.0
"""launcher/update/fetch.c against a real HTTP server on 127.0.0.1 with faults."""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from server import TestServer  # noqa: E402

BUILD = os.environ.get("BL_BUILD_DIR", "build")
FETCH = os.path.join(BUILD, "tests", "bl-fetch")
ENOTFOUND, ELENGTH, ENETWORK = 5, 10, 12  # enum bl_code


class FetchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="bl-fetch-")
        cls.data = os.urandom(300_000)
        with open(os.path.join(cls.dir, "blob.bin"), "wb") as f:
            f.write(cls.data)
        cls.server = TestServer(cls.dir)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.dir)

    def fetch(self, *args, env=None, timeout=60):
        e = dict(os.environ, **(env or {}))
        return subprocess.run([FETCH, *map(str, args)], capture_output=True, timeout=timeout, env=e)

    def url(self, path):
        return f"{self.server.url}/{path}"

    def test_fetches_into_memory_exactly(self):
        r = self.fetch("memory", self.url("blob.bin"), 1_000_000)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.decode().split(), [str(len(self.data)), hashlib.sha256(self.data).hexdigest()])

    def test_file_urls_work(self):
        r = self.fetch("memory", "file://" + os.path.join(self.dir, "blob.bin"), 1_000_000)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_missing_is_not_found(self):
        for url in (self.url("nope.json"), self.url("_fault/404/x"), "file://" + self.dir + "/nope"):
            r = self.fetch("memory", url, 1000)
            self.assertEqual(r.returncode, ENOTFOUND, (url, r.stderr))

    def test_never_reads_past_the_cap(self):
        r = self.fetch("memory", self.url("blob.bin"), 1000)
        self.assertEqual(r.returncode, ELENGTH)
        self.assertIn(b"longer than the 1000 bytes allowed", r.stderr)

    def test_endless_data_stops_at_the_cap_quickly(self):
        start = time.time()
        r = self.fetch("memory", self.url("_fault/endless/x"), 5_000_000)
        self.assertEqual(r.returncode, ELENGTH, r.stderr)
        self.assertLess(time.time() - start, 10)

    def test_transient_errors_are_retried(self):
        r = self.fetch("memory", self.url("_fault/flaky/2/blob.bin"), 1_000_000)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_429_waits_for_retry_after(self):
        start = time.time()
        r = self.fetch("memory", self.url("_fault/429/blob.bin"), 1_000_000)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertGreaterEqual(time.time() - start, 0.9)

    def test_a_dead_server_fails_after_the_retries(self):
        r = self.fetch("memory", self.url("_fault/500/x"), 1000, env={"BL_FETCH_RETRIES": "2"})
        self.assertEqual(r.returncode, ENETWORK)
        self.assertIn(b"HTTP 500", r.stderr)

    def test_connection_refused(self):
        r = self.fetch("memory", "http://127.0.0.1:9/x", 1000, env={"BL_FETCH_RETRIES": "0"})
        self.assertEqual(r.returncode, ENETWORK)

    def test_redirect_loop_is_cut(self):
        r = self.fetch("memory", self.url("_fault/redirect-loop/x"), 1000)
        self.assertEqual(r.returncode, ENETWORK)
        self.assertIn(b"redirect", r.stderr.lower())

    def test_slow_retrieval_is_abandoned(self):
        start = time.time()
        r = self.fetch("memory", self.url("_fault/slow/200/blob.bin"), 1_000_000,
                       env={"BL_FETCH_MIN_RATE": "1000", "BL_FETCH_RATE_WINDOW": "2", "BL_FETCH_RETRIES": "0"})
        self.assertEqual(r.returncode, ENETWORK)
        self.assertLess(time.time() - start, 10)

    def test_deadline_bounds_a_server_that_holds_the_connection(self):
        start = time.time()
        r = self.fetch("memory", self.url("_fault/hold/x"), 1000, 1500)
        self.assertEqual(r.returncode, ENETWORK)
        self.assertIn(b"the time box ran out", r.stderr)
        self.assertLess(time.time() - start, 5)

    def test_file_download_resumes_with_range(self):
        out = os.path.join(self.dir, "resume.part")
        with open(out, "wb") as f:
            f.write(self.data[:100_000])  # what an interrupted download left
        log = os.path.join(self.dir, "requests.log")
        with TestServer(self.dir, log=log) as srv:
            r = self.fetch("file", f"{srv.url}/blob.bin", out, len(self.data))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), self.data)
        with open(log) as f:
            self.assertEqual(f.read().split(), ["GET", "/blob.bin", "bytes=100000-"])

    def test_reset_mid_body_is_resumed(self):
        out = os.path.join(self.dir, "reset.part")
        r = self.fetch("file", self.url("_fault/reset/50000/blob.bin"), out, len(self.data))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), self.data)

    def test_wrong_content_length_is_an_error_not_a_file(self):
        out = os.path.join(self.dir, "liar.part")
        r = self.fetch("file", self.url("_fault/liar/blob.bin"), out, len(self.data) + 1,
                       env={"BL_FETCH_RETRIES": "1"})
        self.assertNotEqual(r.returncode, 0)

    def test_error_pages_never_land_in_the_file(self):
        out = os.path.join(self.dir, "err.part")
        with open(out, "wb") as f:
            f.write(self.data[:1000])
        r = self.fetch("file", self.url("_fault/500/blob.bin"), out, len(self.data), env={"BL_FETCH_RETRIES": "0"})
        self.assertEqual(r.returncode, ENETWORK)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), self.data[:1000])


if __name__ == "__main__":
    unittest.main()
