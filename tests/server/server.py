# SPDX-License-Identifier: Apache-2.0
"""Starts tests/server/testserver.py on 127.0.0.1 for a test and stops it."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


class TestServer:
    def __init__(self, root, log=None, connections=None):
        cmd = [sys.executable, os.path.join(HERE, "testserver.py"), root]
        if log:
            cmd += ["--log", log]
        if connections:
            cmd += ["--connections", connections]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
        self.port = int(self.proc.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
