/* SPDX-License-Identifier: Apache-2.0 */
/* The signature schemes the TUF client verifies, one table in signature.c:
 *
 *   keytype  scheme               public key (keyval.public)     signature
 *   ed25519  ed25519              64 hex digits                  64 bytes (libsodium)
 *   ecdsa    ecdsa-sha2-nistp256  PEM SubjectPublicKeyInfo, P-256 DER ECDSA-Sig-Value over SHA-256 (libcrypto)
 *   rsa      rsassa-pss-sha256    PEM SubjectPublicKeyInfo,      RSASSA-PSS, SHA-256, MGF1-SHA-256,
 *                                 2048 to 8192 bits              any salt length (libcrypto)
 *
 * A key of any other keytype or scheme, or one that does not decode into
 * what its scheme says (a P-384 key declared nistp256, an RSA key of 1024
 * bits), parses as not usable: metadata listing it stays valid, its
 * signatures never count. */
#ifndef BL_TUF_SIGNATURE_H
#define BL_TUF_SIGNATURE_H

#include <stddef.h>

/* The largest public key kept: DER SubjectPublicKeyInfo of an 8192-bit RSA key is 1062 bytes. */
#define BL_SIG_PUBLIC_MAX 1100
/* The largest signature: an 8192-bit RSA signature. */
#define BL_SIG_MAX 1024
/* RSA moduli accepted: below 2048 bits is below NIST SP 800-131A's floor;
 * above 8192 only costs verification time an attacker chooses. */
#define BL_SIG_RSA_MIN_BITS 2048
#define BL_SIG_RSA_MAX_BITS 8192

enum bl_sig_scheme { BL_SIG_NONE = 0, BL_SIG_ED25519, BL_SIG_ECDSA_P256, BL_SIG_RSA_PSS_SHA256 };

typedef struct {
    int scheme;          /* enum bl_sig_scheme; BL_SIG_NONE: its signatures never count */
    size_t len;          /* bytes of public_key */
    unsigned char public_key[BL_SIG_PUBLIC_MAX]; /* ed25519: 32 raw bytes; else DER SubjectPublicKeyInfo */
} bl_sig_key;

/* Decodes a key as metadata lists it (keyval.public as text). Never fails:
 * out->scheme is BL_SIG_NONE when the key is not one the table verifies. */
void bl_sig_key_parse(const char *keytype, const char *scheme, const char *public_text, bl_sig_key *out);

/* 1 when sig is key's valid signature over msg, else 0 (a scheme we do not
 * verify, a malformed signature, a wrong one). */
int bl_sig_verify(const bl_sig_key *key, const unsigned char *sig, size_t sig_len, const void *msg,
                  size_t msg_len);

/* Whether two parsed keys are the same key (scheme and bytes). */
int bl_sig_key_equal(const bl_sig_key *a, const bl_sig_key *b);

#endif
