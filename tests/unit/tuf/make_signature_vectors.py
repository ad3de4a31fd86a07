#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes signature_vectors.h, the vectors of test_signature.c: keys and
signatures made by securesystemslib (Debian's python3-securesystemslib and
python3-cryptography), so the C verifier is checked against the signer TUF
repositories use, not against itself. Run once; the output is committed:

    /usr/bin/python3 tests/unit/tuf/make_signature_vectors.py > tests/unit/tuf/signature_vectors.h

Signatures of ECDSA and RSA-PSS are randomised, so each run writes other
bytes with the same verdicts. Each vector's verdict is checked here with
securesystemslib's own verifier, except where this client refuses a key by
policy (an RSA key under 2048 bits), whatever securesystemslib says; the
verdicts go to stderr."""
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from securesystemslib import formats, keys

MESSAGE = formats.encode_canonical(
    {"_type": "timestamp", "expires": "2030-01-01T00:00:00Z", "spec_version": "1.0.31", "version": 7,
     "meta": {"snapshot.json": {"version": 7}}}).encode()
OTHER_MESSAGE = MESSAGE.replace(b'"version":7}', b'"version":8}')
assert OTHER_MESSAGE != MESSAGE


def pem(public_key):
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def sslib_verifies(key, sig_hex, message):
    try:
        return keys.verify_signature(key, {"keyid": key["keyid"], "sig": sig_hex}, message)
    except Exception:  # securesystemslib raises on a key or signature it cannot read
        return False


vectors = []


def add(name, key, sig_hex, message, valid, policy=False):
    """policy: this client refuses the key whatever securesystemslib says."""
    verdict = sslib_verifies(key, sig_hex, message)
    assert policy or verdict == valid, name
    sys.stderr.write("%-24s securesystemslib: %-5s this client: %s\n" % (name, verdict, valid))
    vectors.append((name, key["keytype"], key["scheme"], key["keyval"]["public"], sig_hex,
                    message is MESSAGE, valid))


def public_only(key):
    return {"keyid": key["keyid"], "keytype": key["keytype"], "scheme": key["scheme"],
            "keyval": {"public": key["keyval"]["public"]}}


ed = keys.generate_ed25519_key()
ed_other = keys.generate_ed25519_key()
ed_sig = keys.create_signature(ed, MESSAGE)["sig"]
add("ed25519_valid", ed, ed_sig, MESSAGE, True)
add("ed25519_wrong_key", public_only(ed_other) | {"keyid": ed["keyid"]}, ed_sig, MESSAGE, False)

ecdsa = keys.generate_ecdsa_key("ecdsa-sha2-nistp256")
ecdsa_other = keys.generate_ecdsa_key("ecdsa-sha2-nistp256")
ecdsa_sig = keys.create_signature(ecdsa, MESSAGE)["sig"]
add("ecdsa_valid", ecdsa, ecdsa_sig, MESSAGE, True)
add("ecdsa_wrong_key", public_only(ecdsa_other) | {"keyid": ecdsa["keyid"]}, ecdsa_sig, MESSAGE, False)
add("ecdsa_wrong_message", ecdsa, ecdsa_sig, OTHER_MESSAGE, False)
add("ecdsa_der_truncated", ecdsa, ecdsa_sig[:-2], MESSAGE, False)
add("ecdsa_der_trailing_byte", ecdsa, ecdsa_sig + "00", MESSAGE, False)
# SEQUENCE length one byte too long: DER that lies about its size
add("ecdsa_der_bad_length", ecdsa, ecdsa_sig[:2] + "%02x" % (int(ecdsa_sig[2:4], 16) + 1) + ecdsa_sig[4:],
    MESSAGE, False)
add("ecdsa_raw_r_s", ecdsa, "00" * 64, MESSAGE, False)

# A P-384 key declared as ecdsa-sha2-nistp256, with a good SHA-256 signature by it.
p384 = ec.generate_private_key(ec.SECP384R1())
p384_key = {"keyid": "p384", "keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256",
            "keyval": {"public": pem(p384.public_key())}}
p384_sig = p384.sign(MESSAGE, ec.ECDSA(hashes.SHA256()))
p384.public_key().verify(p384_sig, MESSAGE, ec.ECDSA(hashes.SHA256()))  # good, but by the wrong curve
add("ecdsa_wrong_curve", p384_key, p384_sig.hex(), MESSAGE, False)

rsa_key = keys.generate_rsa_key(3072, "rsassa-pss-sha256")
rsa_other = keys.generate_rsa_key(3072, "rsassa-pss-sha256")
rsa_sig = keys.create_signature(rsa_key, MESSAGE)["sig"]
add("rsa_valid", rsa_key, rsa_sig, MESSAGE, True)
add("rsa_wrong_key", public_only(rsa_other) | {"keyid": rsa_key["keyid"]}, rsa_sig, MESSAGE, False)
add("rsa_wrong_message", rsa_key, rsa_sig, OTHER_MESSAGE, False)
add("rsa_truncated", rsa_key, rsa_sig[:-2], MESSAGE, False)
rsa_private = serialization.load_pem_private_key(rsa_key["keyval"]["private"].encode(), None)
# securesystemslib verifies PSS with any salt length (PSS.AUTO): so does this client
add("rsa_pss_max_salt", rsa_key,
    rsa_private.sign(MESSAGE, padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.MAX_LENGTH),
                     hashes.SHA256()).hex(), MESSAGE, True)
add("rsa_pkcs1v15_signature", rsa_key, rsa_private.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256()).hex(),
    MESSAGE, False)

short = rsa.generate_private_key(65537, 1024)
short_key = {"keyid": "rsa1024", "keytype": "rsa", "scheme": "rsassa-pss-sha256",
             "keyval": {"public": pem(short.public_key())}}
short_pss = padding.PSS(padding.MGF1(hashes.SHA256()), 32)
short_sig = short.sign(MESSAGE, short_pss, hashes.SHA256())
short.public_key().verify(short_sig, MESSAGE, short_pss, hashes.SHA256())  # good, but by too short a key
add("rsa_1024_bits", short_key, short_sig.hex(), MESSAGE, False, policy=True)


def c_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


out = sys.stdout
out.write("/* SPDX-License-Identifier: Apache-2.0 */\n")
out.write("/* Generated by make_signature_vectors.py (securesystemslib %s): do not edit. */\n"
          % __import__("securesystemslib").__version__)
out.write("static const char signature_message[] = %s;\n" % c_string(MESSAGE.decode()))
out.write("static const char signature_other_message[] = %s;\n\n" % c_string(OTHER_MESSAGE.decode()))
out.write("static const struct signature_vector {\n    const char *name, *keytype, *scheme, *public_key, *sig;\n"
          "    int on_message; /* 1: over signature_message, 0: over signature_other_message */\n"
          "    int valid;\n} signature_vectors[] = {\n")
for name, keytype, scheme, public, sig, on_message, valid in vectors:
    out.write("    {%s, %s, %s,\n     %s,\n     %s,\n     %d, %d},\n"
              % (c_string(name), c_string(keytype), c_string(scheme), c_string(public), c_string(sig),
                 on_message, valid))
out.write("};\n")
