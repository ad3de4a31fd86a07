#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs tufup's own client against a repository that bomiot-release makes:
three releases, the second required, each with add's default patches (both
formats: {app}-V.patch in BSDIFF40 and {app}-V.zpatch in the zstd format);
a tufup Client at 1.0.0 must take 2.0.0 (not 3.0.0) by its .patch, and from
2.0.0 take 3.0.0 by its .patch, each unpacked folder equal to the one
published, and never ask for a .zpatch (its target-name rule does not read
that suffix).

Not part of the test suite: tufup, python-tuf 4.0 and bsdiff4 are not Debian
packages. docs/release.md ("Checked against tufup's client") says how it was
run. Usage: tufup-client-check.py PATH/TO/bomiot-release
Exit 0 when every step held, 1 with the step that did not."""
import filecmp
import functools
import gzip
import http.server
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading

from tufup.client import Client

APP = "myapp"


def app_folder(parent, version):
    """A release folder: 256 KiB that changes a little per version (so a patch
    is far below tufup's 80% of the archive) and a version file."""
    folder = os.path.join(parent, f"app-{version}")
    os.makedirs(os.path.join(folder, "data"))
    data = bytearray(random.Random(1).randbytes(256 * 1024))
    edit = random.Random(version)
    for _ in range(8):
        at = edit.randrange(len(data) - 16)
        data[at:at + 16] = edit.randbytes(16)
    with open(os.path.join(folder, "data", "blob.bin"), "wb") as f:
        f.write(data)
    with open(os.path.join(folder, "version.txt"), "w") as f:
        f.write(version + "\n")
    return folder


def same_tree(a, b):
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(os.path.join(a, d), os.path.join(b, d))
                                               for d in cmp.common_dirs)


def update_once(work, url, current, installed):
    """One tufup client run from `current`; returns (version taken, the kinds
    of targets it downloaded), the new version's files left in `installed`."""
    client_dir = os.path.join(work, f"client-{current}")
    meta_dir, target_dir = os.path.join(client_dir, "metadata"), os.path.join(client_dir, "targets")
    extract_dir = os.path.join(client_dir, "extract")
    for d in (meta_dir, target_dir, extract_dir):
        os.makedirs(d)
    shutil.copy(os.path.join(work, "repository", "metadata", "1.root.json"), os.path.join(meta_dir, "root.json"))
    # tufup patches the archive of the version it runs, kept in its target dir
    shutil.copy(os.path.join(work, "repository", "targets", f"{APP}-{current}.tar.gz"), target_dir)
    client = Client(app_name=APP, app_install_dir=installed, current_version=current,
                    metadata_dir=meta_dir, metadata_base_url=url + "metadata/",
                    target_dir=target_dir, target_base_url=url + "targets/", extract_dir=extract_dir)
    new = client.check_for_updates()
    if new is None:
        raise SystemExit(f"FAIL from {current}: tufup found no update")
    kinds = sorted({"patch" if t.is_patch else "archive" for t in client.new_targets})

    def install(src_dir, dst_dir, **_):
        shutil.rmtree(dst_dir, ignore_errors=True)
        shutil.copytree(src_dir, dst_dir, symlinks=True)

    client.download_and_apply_update(skip_confirmation=True, install=install)
    built = os.path.join(target_dir, f"{APP}-{new.version}.tar.gz")
    if not os.path.exists(built) or not os.path.isdir(installed):
        raise SystemExit(f"FAIL from {current}: tufup did not apply the update to {new.version} (see its log above)")
    published = os.path.join(work, "repository", "targets", f"{APP}-{new.version}.tar.gz")
    with gzip.open(built) as a, gzip.open(published) as b:
        if a.read() != b.read():
            raise SystemExit(f"FAIL from {current}: the tar tufup built differs from the one published")
    return str(new.version), kinds


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    release = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="tufup-check-")
    repo, keys = os.path.join(work, "repository"), os.path.join(work, "keystore")

    def publish(*args):
        r = subprocess.run([release, "--repo", repo, "--keys", keys, *args], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"FAIL: bomiot-release {' '.join(args)}: {r.stderr}")

    publish("init", "--app", APP)
    folders = {}
    for version, flags in (("1.0.0", ()), ("2.0.0", ("--required",)), ("3.0.0", ())):
        folders[version] = app_folder(os.path.join(work, "apps"), version)
        publish("add", folders[version], version, *flags)
    zpatches = sorted(n for n in os.listdir(os.path.join(repo, "targets")) if n.endswith(".zpatch"))
    print(f"repository: {len(zpatches)} .zpatch targets beside the .patch ones ({', '.join(zpatches)})")
    if len(zpatches) != 2:
        raise SystemExit("FAIL: add did not write a .zpatch beside each .patch (is this bomiot-release older "
                         "than the zstd format?)")
    requested = []

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            requested.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=repo))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        installed = os.path.join(work, "installed")
        for current, expected in (("1.0.0", "2.0.0"), ("2.0.0", "3.0.0")):
            taken, kinds = update_once(work, url, current, installed)
            print(f"tufup client at {current}: took {taken} by {', '.join(kinds)}")
            if taken != expected:
                raise SystemExit(f"FAIL from {current}: took {taken}, expected {expected} (the required release)")
            if kinds != ["patch"]:
                raise SystemExit(f"FAIL from {current}: downloaded {kinds}, expected patches only")
            if not same_tree(installed, folders[taken]):
                raise SystemExit(f"FAIL from {current}: the installed folder differs from the published {taken}")
        asked = [p for p in requested if p.endswith(".zpatch")]
        if asked:
            raise SystemExit(f"FAIL: tufup's client asked for {asked}")
        print(f"requests: {len([p for p in requested if p.endswith('.patch')])} .patch, "
              f"{len([p for p in requested if p.endswith('.tar.gz')])} .tar.gz, 0 .zpatch")
        print("ok: tufup's client honoured the required release and applied both patches")
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
