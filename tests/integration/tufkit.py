# SPDX-License-Identifier: Apache-2.0
"""Helpers for the TUF tests: bomiot-tuf (the launcher's TUF client behind the
conformance CLI) in a throwaway metadata folder, and a metadata editor that
re-signs a bomiot-release repository with the keys of its keystore (or with
keys made here), so a test can hand-craft what bomiot-release never writes:
delegations, unsafe target names, tampered or replayed files.

Signing goes through libsodium with ctypes (the library the build already
needs) and, for ECDSA keys, the openssl command (scripts/deps.sh installs
it); canonical JSON is securesystemslib's form written out here, so the
tests need nothing beyond python3."""
import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from blrepo import Publisher  # noqa: E402
from blroot import BUILD  # noqa: E402
from server import TestServer  # noqa: E402

TUF = os.path.join(BUILD, "tools", "bomiot-tuf")
ROLES = ("root", "timestamp", "snapshot", "targets")

_sodium = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
if _sodium.sodium_init() < 0:
    raise RuntimeError("libsodium could not be initialised")


def canonical(obj):
    """OLPC canonical JSON as securesystemslib.formats.encode_canonical writes
    it: sorted keys, no spaces, strings escaping only backslash and quote."""
    if obj is True:
        return b"true"
    if obj is False:
        return b"false"
    if obj is None:
        return b"null"
    if isinstance(obj, int):
        return str(obj).encode()
    if isinstance(obj, str):
        return b'"' + obj.replace("\\", "\\\\").replace('"', '\\"').encode() + b'"'
    if isinstance(obj, (list, tuple)):
        return b"[" + b",".join(canonical(x) for x in obj) + b"]"
    if isinstance(obj, dict):
        return b"{" + b",".join(canonical(k) + b":" + canonical(obj[k]) for k in sorted(obj)) + b"}"
    raise TypeError(f"no canonical form for {type(obj).__name__}")


class Key:
    """An ed25519 key: seed (32 bytes) and public key, with its TUF key id."""

    def __init__(self, seed=None):
        self.seed = seed or os.urandom(32)
        pk, sk = ctypes.create_string_buffer(32), ctypes.create_string_buffer(64)
        if _sodium.crypto_sign_seed_keypair(pk, sk, self.seed) != 0:
            raise RuntimeError("crypto_sign_seed_keypair failed")
        self.public, self._secret = pk.raw, sk.raw
        self.keyid = hashlib.sha256(canonical(self.metadata())).hexdigest()

    @classmethod
    def from_file(cls, path):
        with open(path) as f:
            return cls(bytes.fromhex(json.load(f)["keyval"]["private"]))

    def metadata(self):
        return {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": self.public.hex()}}

    def sign(self, message):
        sig = ctypes.create_string_buffer(64)
        if _sodium.crypto_sign_detached(sig, None, message, ctypes.c_ulonglong(len(message)), self._secret) != 0:
            raise RuntimeError("crypto_sign_detached failed")
        return sig.raw.hex()


class EcdsaKey:
    """An ECDSA P-256 key (scheme ecdsa-sha2-nistp256) in PEM, signing
    through the openssl command: DER over SHA-256, as securesystemslib does."""

    def __init__(self, private_pem=None, public_pem=None):
        self.private_pem = private_pem or openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
                                                  "ec_paramgen_curve:P-256")
        self.public = public_pem or openssl("pkey", "-pubout", stdin=self.private_pem).decode()
        self.keyid = hashlib.sha256(canonical(self.metadata())).hexdigest()

    @classmethod
    def from_file(cls, path):
        with open(path) as f:
            keyval = json.load(f)["keyval"]
        return cls(keyval["private"].encode(), keyval["public"])

    def metadata(self):
        return {"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256", "keyval": {"public": self.public}}

    def sign(self, message):
        with tempfile.NamedTemporaryFile(suffix=".pem") as key:
            key.write(self.private_pem)
            key.flush()
            return openssl("dgst", "-sha256", "-sign", key.name, stdin=message).hex()


def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], input=stdin, capture_output=True, check=True).stdout


def key_from_file(path):
    """The keystore key in path (a bomiot-release key file), of its type."""
    with open(path) as f:
        keytype = json.load(f)["keytype"]
    return (EcdsaKey if keytype == "ecdsa" else Key).from_file(path)


def sign(doc, keys):
    """Replaces doc's signatures by those of keys over canonical(doc["signed"])."""
    message = canonical(doc["signed"])
    doc["signatures"] = [{"keyid": k.keyid, "sig": k.sign(message)} for k in keys]
    return doc


def dump(doc):
    return (json.dumps(doc, indent=1) + "\n").encode()


def meta_entry(data, version):
    return {"version": version, "length": len(data), "hashes": {"sha256": hashlib.sha256(data).hexdigest()}}


class Editor:
    """Reads and writes the metadata of a published repository (pub: a
    blrepo.Publisher) and signs with the keystore's keys."""

    def __init__(self, pub):
        self.pub = pub
        self.dir = os.path.join(pub.repo, "metadata")
        self.keys = {}
        self.load_keys()

    def load_keys(self):
        """The keystore's keys by key id (again after bomiot-release made new ones)."""
        for name in os.listdir(self.pub.keys):
            keyid = name[:-4].rsplit("-", 1)[-1]  # <role>-<keyid>.key
            if name.endswith(".key") and keyid not in self.keys:
                k = key_from_file(os.path.join(self.pub.keys, name))
                assert k.keyid == keyid, "key ids are sha256 of the key's canonical JSON"
                self.keys[k.keyid] = k

    def path(self, name):
        return os.path.join(self.dir, name)

    def raw(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()

    def load(self, role):
        return json.loads(self.raw(f"{role}.json"))

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data if isinstance(data, bytes) else dump(data))

    def consistent(self):
        return self.load("root")["signed"].get("consistent_snapshot", False)

    def role_keys(self, role):
        ids = self.load("root")["signed"]["roles"][role]["keyids"]
        if any(i not in self.keys for i in ids):
            self.load_keys()
        return [self.keys[i] for i in ids]

    def save(self, role, doc, keys=None):
        """Bumps nothing: signs doc with keys (default: the role's keys in the
        root) and writes role.json (and N.role.json with consistent snapshots,
        except for the timestamp)."""
        sign(doc, self.role_keys(role) if keys is None else keys)
        data = dump(doc)
        self.write(f"{role}.json", data)
        if self.consistent() and role != "timestamp":
            self.write(f"{doc['signed']['version']}.{role}.json", data)
        return data

    def republish(self, targets=None, delegated=None, snapshot_meta=None):
        """A new targets (if given, version bumped, signed with the targets
        keys), delegated roles {name: (doc, keys)} written and listed in the
        snapshot, then a new snapshot and timestamp, as a publisher with the
        keys would do it."""
        snapshot, timestamp = self.load("snapshot"), self.load("timestamp")
        meta = snapshot["signed"]["meta"]
        if targets is not None:
            targets["signed"]["version"] += 1
            self.save("targets", targets)
            meta["targets.json"] = {"version": targets["signed"]["version"]}
        for name, (doc, keys) in (delegated or {}).items():
            self.save(name, doc, keys)
            meta[f"{name}.json"] = {"version": doc["signed"]["version"]}
        meta.update(snapshot_meta or {})
        snapshot["signed"]["version"] += 1
        data = self.save("snapshot", snapshot)
        timestamp["signed"]["version"] += 1
        timestamp["signed"]["meta"] = {"snapshot.json": meta_entry(data, snapshot["signed"]["version"])}
        self.save("timestamp", timestamp)


def delegated_role(name, version, expires, targets, delegations=None):
    signed = {"_type": "targets", "spec_version": "1.0.31", "version": version, "expires": expires,
              "targets": targets}
    if delegations:
        signed["delegations"] = delegations
    return {"signed": signed, "signatures": []}


def target_entry(data):
    return {"length": len(data), "hashes": {"sha256": hashlib.sha256(data).hexdigest()}}


class Client:
    """bomiot-tuf with its own metadata and target folders."""

    def __init__(self, metadata_url, targets_url):
        self.dir = tempfile.mkdtemp(prefix="bl-tuf-")
        self.metadata = os.path.join(self.dir, "metadata")
        self.targets = os.path.join(self.dir, "targets")
        self.metadata_url, self.targets_url = metadata_url, targets_url

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run(self, *args, timeout=120):
        return subprocess.run([TUF, "--metadata-dir", self.metadata, *args], capture_output=True, text=True,
                              timeout=timeout)

    def init(self, root_file):
        return self.run("init", root_file)

    def refresh(self, metadata_url=None, timeout=120):
        return self.run("--metadata-url", metadata_url or self.metadata_url, "refresh", timeout=timeout)

    def download(self, name, metadata_url=None, targets_url=None, timeout=120):
        """name: a target path, or a list of them (one --target-name each, in order)."""
        names = [name] if isinstance(name, str) else name
        return self.run("--metadata-url", metadata_url or self.metadata_url,
                        *[arg for n in names for arg in ("--target-name", n)],
                        "--target-base-url", targets_url or self.targets_url, "--target-dir", self.targets,
                        "download", timeout=timeout)

    def trusted(self):
        """{file name: bytes} of the trusted metadata folder."""
        out = {}
        for name in sorted(os.listdir(self.metadata)) if os.path.isdir(self.metadata) else []:
            with open(os.path.join(self.metadata, name), "rb") as f:
                out[name] = f.read()
        return out

    def trusted_version(self, role):
        return json.loads(self.trusted()[f"{role}.json"])["signed"]["version"]

    def local_name(self, target):
        """The file name bomiot-tuf gives a target path (percent-encoded)."""
        keep = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        return "".join(chr(c) if c in keep else "%%%02X" % c for c in target.encode())


class ServedRepositoryCase(unittest.TestCase):
    """A repository made by bomiot-release (init with init_args and keys of
    key_type, nothing published yet), a server over it that logs requests,
    and a client initialised with the repository's 1.root.json."""
    init_args = ()
    key_type = "ed25519"

    def setUp(self):
        self.pub = Publisher()
        self.pub.init("--key-type", self.key_type, *self.init_args)
        self.requests = os.path.join(self.pub.dir, "requests.log")
        self.server = TestServer(self.pub.repo, log=self.requests)
        self.client = Client(f"{self.server.url}/metadata", f"{self.server.url}/targets")
        r = self.client.init(self.pub.trusted_root())
        self.assertEqual(r.returncode, 0, r.stderr)

    def tearDown(self):
        self.server.stop()
        self.client.cleanup()
        self.pub.cleanup()
