/* SPDX-License-Identifier: Apache-2.0 */
/* The TUF client (The Update Framework 1.0, "Detailed client workflow",
 * section 5): pure functions over metadata buffers and a clock passed in.
 * Nothing here touches the network or files; a thin driver does, in this
 * order (section numbers of the spec):
 *
 *   5.1  now = the fixed update start time (UTC seconds).
 *   5.2  bl_trust_new(cache/metadata/root.json, or the root shipped with the
 *        app when there is none in the cache, now) -> t
 *   5.3  for (i = 0; i < BL_TRUST_MAX_ROOT_ROTATIONS; i++):
 *            fetch <N+1>.root.json (N = bl_trust_root_version(t)), at most
 *            BL_TRUST_ROOT_MAX bytes; 404/403 ends the loop;
 *            bl_trust_update_root(t, buf) -> on success write buf atomically
 *            to cache/metadata/root.json (5.3.8); on failure stop the cycle.
 *        bl_trust_finish_root(t)  (5.3.10 expiry, 5.3.11, 5.3.12)
 *        for timestamp, snapshot, targets in that order, when cached:
 *            bl_trust_load_cached(t, type, cache/metadata/<role>.json);
 *            on failure delete that cached file and go on (5.3.11: a copy
 *            signed by rotated-away keys no longer loads).
 *   5.4  fetch timestamp.json (at most BL_TRUST_TIMESTAMP_MAX),
 *        bl_trust_update_timestamp(t, buf, &unchanged); persist unless
 *        unchanged. BL_EEXPIRED here is the common "no update now" case.
 *   5.5  if bl_trust_needs(t, BL_TRUST_SNAPSHOT): bl_trust_next_file(t,
 *        "snapshot", name, &max) gives the file name (N.snapshot.json when
 *        the root asks for consistent snapshots) and the byte cap; fetch it,
 *        bl_trust_update_snapshot(t, buf), persist.
 *   5.6  the same for "targets" with bl_trust_update_targets, then
 *        bl_trust_targets(t) lists the releases (tufup keeps them all in the
 *        top-level targets), or bl_trust_find_target(t, path) follows
 *        delegations: while it answers BL_TRUST_NEED_ROLE, fetch that role
 *        (bl_trust_next_file) and bl_trust_update_delegated(t, delegator,
 *        role, buf); delegated roles are not cached between runs.
 *   5.7  download a target at most target->file.length bytes (the name from
 *        bl_trust_target_file_name), hash it while writing, and
 *        bl_trust_check_file() before anything uses it.
 *
 * Every failure returns a code (BL_ESIGNATURE, BL_EEXPIRED, BL_EROLLBACK,
 * BL_ELENGTH, BL_EHASH, BL_ECORRUPT, ...) and a message naming the role, the
 * check and the values. Trusted state changes only when every check of a
 * step passed; a failed step leaves t as it was. Key ids are opaque labels
 * (tufup computes them over a legacy key form): looked up, never recomputed.
 * Keys of schemes we do not verify (signature.h lists those we do) parse,
 * but their signatures never count. */
#ifndef BL_TRUST_H
#define BL_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "base/error.h"
#include "signature.h"

#define BL_TRUST_MAX_KEYS 64           /* per root, or per delegations object */
#define BL_TRUST_MAX_SIGNATURES 256    /* per metadata file */
#define BL_TRUST_KEYID_MAX 128         /* hex of a SHA-512 */
#define BL_TRUST_NAME_MAX 128          /* delegated role names */
#define BL_TRUST_MAX_ROOT_ROTATIONS 32 /* N+1.root.json fetched at most this often per cycle */
#define BL_TRUST_MAX_VISITS 32         /* delegated roles visited per target lookup (5.6.7.1) */

/* Byte caps for metadata whose length no trusted metadata gives (the reference client's). */
#define BL_TRUST_ROOT_MAX (512u * 1024)
#define BL_TRUST_TIMESTAMP_MAX (16u * 1024)
#define BL_TRUST_SNAPSHOT_MAX (2u * 1024 * 1024)
#define BL_TRUST_TARGETS_MAX (5u * 1024 * 1024)

/* The publisher's ed25519 keys (bl_trust_keyid, bl_trust_sign). */
#define BL_TRUST_PUBLIC_KEY_BYTES 32
#define BL_TRUST_SECRET_KEY_BYTES 64

enum bl_trust_type { BL_TRUST_ROOT = 0, BL_TRUST_TIMESTAMP, BL_TRUST_SNAPSHOT, BL_TRUST_TARGETS };

typedef struct {
    char keyid[BL_TRUST_KEYID_MAX + 1]; /* as the metadata spells it */
    bl_sig_key key; /* scheme BL_SIG_NONE: a key whose signatures never count */
} bl_trust_key;

typedef struct {
    int count;
    bl_trust_key key[BL_TRUST_MAX_KEYS];
} bl_trust_keyring;

/* A role's keys as indices into the keyring that defines them, each at most
 * once; key ids the keyring lacks are left out (they can never sign). */
typedef struct {
    int count;
    int key[BL_TRUST_MAX_KEYS];
    uint64_t threshold; /* >= 1 */
} bl_trust_role;

/* What trusted metadata says about a file: length and hashes, each optional
 * for metadata files (snapshot/timestamp "meta"), required for targets. */
typedef struct {
    int has_length;
    uint64_t length;
    int has_hashes; /* any hash listed, including algorithms we do not know */
    int has_sha256;
    unsigned char sha256[32];
    int has_sha512;
    unsigned char sha512[64];
} bl_trust_file;

typedef struct {
    char *name; /* "snapshot.json", "targets.json", "<role>.json" */
    uint64_t version;
    bl_trust_file file;
} bl_trust_meta;

typedef struct {
    char *path;    /* as listed; see bl_trust_target_path_is_safe before using it as a file name */
    bl_trust_file file; /* length and at least one hash */
    cJSON *custom; /* owned; NULL when absent */
} bl_trust_target;

typedef struct {
    char *name;
    bl_trust_role role; /* indices into the delegating metadata's keys */
    int terminating;
    char **paths; /* shell patterns, '/' matched only by '/' */
    size_t path_count;
    char **hash_prefixes; /* hex prefixes of sha256(path) */
    size_t hash_prefix_count;
} bl_trust_delegation;

typedef struct {
    char keyid[BL_TRUST_KEYID_MAX + 1];
    size_t len; /* 0: sig was not hex, or longer than any scheme's signature */
    unsigned char sig[BL_SIG_MAX];
} bl_trust_signature;

/* One parsed metadata file. Fields beyond the common ones are filled by type. */
typedef struct {
    int type; /* enum bl_trust_type */
    uint64_t version;
    int64_t expires; /* UTC seconds */
    char spec_version[32];
    /* root */
    int consistent_snapshot;
    bl_trust_role roles[4]; /* by enum bl_trust_type */
    /* root keys, or a targets role's delegation keys (NULL when it has none) */
    bl_trust_keyring *keys;
    /* timestamp ("snapshot.json") and snapshot (targets metadata files) */
    bl_trust_meta *meta;
    size_t meta_count;
    /* targets */
    bl_trust_target *targets;
    size_t target_count;
    bl_trust_delegation *delegations;
    size_t delegation_count;
    /* what the signatures are over: the canonical JSON of "signed" */
    char *signed_canonical;
    size_t signed_len;
    bl_trust_signature *signatures;
    size_t signature_count;
} bl_trust_metadata;

/* Initialises libsodium; idempotent, and every function here that needs it
 * calls it, so calling it first only moves the failure earlier. */
int bl_trust_init(bl_error *err);

/* Parses one metadata file of the expected type (strict JSON, at most
 * max_len bytes). No signature is checked here. Free with
 * bl_trust_metadata_free. what names the file in messages ("timestamp"). */
int bl_trust_parse(const char *buf, size_t len, size_t max_len, int type, const char *what,
                   bl_trust_metadata **out, bl_error *err);
void bl_trust_metadata_free(bl_trust_metadata *md);

/* Counts the distinct keys of role (defined in keys) with a valid signature over md's canonical "signed"; BL_ESIGNATURE unless at least the
 * threshold: "<what>: 1 of 2 required signatures by <signers>". */
int bl_trust_verify(const bl_trust_metadata *md, const bl_trust_keyring *keys, const bl_trust_role *role,
                    const char *what, const char *signers, bl_error *err);

/* The meta entry named name, or NULL. */
const bl_trust_meta *bl_trust_find_meta(const bl_trust_metadata *md, const char *name);

/* "YYYY-MM-DDTHH:MM:SSZ" exactly, to UTC seconds; 0 when malformed. */
int bl_trust_parse_time(const char *text, int64_t *out);
/* The same form back; out holds at least 21 bytes. */
void bl_trust_format_time(int64_t t, char *out, size_t size);

/* For the publisher: the spec's key id, hex SHA-256 of the canonical
 * {"keytype":"ed25519","keyval":{"public":hex},"scheme":"ed25519"}. out: 65 bytes. */
int bl_trust_keyid(const unsigned char public_key[BL_TRUST_PUBLIC_KEY_BYTES], char *out, bl_error *err);

/* For the publisher and tests: signs document["signed"] (canonical form) with
 * secret_key and puts {"keyid", "sig"} into document["signatures"],
 * replacing an earlier signature by the same key id. */
int bl_trust_sign(cJSON *document, const char *keyid, const unsigned char secret_key[BL_TRUST_SECRET_KEY_BYTES],
                  bl_error *err);
/* The same with a signature made elsewhere (the publisher's ECDSA keys): sig_hex as "sig". */
int bl_trust_add_signature(cJSON *document, const char *keyid, const char *sig_hex, bl_error *err);

/* Checks a file against trusted length and hashes (every listed hash we know
 * must match, and at least one must be known). Digests the caller computed
 * while writing; sha512 may be NULL when expected lists none. */
int bl_trust_check_file(const bl_trust_file *expected, const char *what, uint64_t length,
                        const unsigned char sha256[32], const unsigned char sha512[64], bl_error *err);
/* The same over a buffer in memory (metadata files). */
int bl_trust_check_buffer(const bl_trust_file *expected, const char *what, const void *buf, size_t len,
                          bl_error *err);

/* True when path can become a relative file name: non-empty, '/'-separated
 * components none of which is empty, "." or "..", no leading '/', no
 * backslash, no ':' (drive letters, streams), no control characters. */
int bl_trust_target_path_is_safe(const char *path);

/* True when target path matches the delegation's paths or hash prefixes. */
int bl_trust_delegation_matches(const bl_trust_delegation *d, const char *path);

/* tufup's custom field: {"user": ..., "tufup": {...}} (exactly those keys,
 * or "tufup" alone as bomiot-release wrote it before), else, as in older
 * tufup repositories, one flat object for user and tufup fields. A patch
 * (path ending ".patch", or ".zpatch": the zstd format) must give the size
 * and SHA-256 of the tar it produces (an archive may give its tar's size and SHA-256 too, with the
 * same keys: bomiot-release does, so the launcher can check a tar it
 * rebuilds from an installed version that no patch leads to): BL_ENOTFOUND
 * when a patch gives neither (tufup 0.5 and older wrote no
 * custom metadata), BL_ECORRUPT when what it gives is malformed. Messages
 * start with the target's path. */
typedef struct {
    int is_patch;
    uint64_t tar_size;            /* patches; archives that state it, else 0 */
    unsigned char tar_sha256[32]; /* when has_tar_sha256 */
    int has_tar_sha256;           /* patches always; archives that state it */
    int required;                 /* archives: "required": true */
    const cJSON *user;            /* custom.user, a flat custom, or NULL; points into the target */
} bl_trust_tufup;
int bl_trust_tufup_info(const bl_trust_target *target, bl_trust_tufup *out, bl_error *err);

/* ---- The client workflow state: trusted metadata of one repository. ---- */
typedef struct bl_trust bl_trust;

/* 5.1/5.2: trusts root (self-signed by its own threshold; expiry is checked
 * only after the update loop, 5.3.10). now is the fixed update start time. */
int bl_trust_new(const char *root, size_t len, int64_t now, bl_trust **out, bl_error *err);
void bl_trust_free(bl_trust *t);

uint64_t bl_trust_root_version(const bl_trust *t);
int bl_trust_consistent_snapshot(const bl_trust *t);
/* The trusted metadata of a top-level role, or NULL (valid until the next update). */
const bl_trust_metadata *bl_trust_get(const bl_trust *t, int type);

/* 5.3.3-5.3.7: buf is <N+1>.root.json; it must be signed by a threshold of
 * the trusted root keys and of its own, and hold version N+1. */
int bl_trust_update_root(bl_trust *t, const char *buf, size_t len, bl_error *err);

/* 5.3.10-5.3.12: the final root must not be expired; notes whether the
 * timestamp or snapshot keys changed since bl_trust_new, in which case
 * cached timestamp and snapshot are refused (fast-forward recovery). */
int bl_trust_finish_root(bl_trust *t, bl_error *err);

/* Loads a copy persisted by an earlier run as the trusted baseline for the
 * rollback checks: signatures by the current root's keys are required,
 * expiry and version consistency are left to the update steps. */
int bl_trust_load_cached(bl_trust *t, int type, const char *buf, size_t len, bl_error *err);

/* 5.4: *unchanged is set when the repository's timestamp has the trusted
 * version (nothing new; the trusted copy must still be unexpired). */
int bl_trust_update_timestamp(bl_trust *t, const char *buf, size_t len, int *unchanged, bl_error *err);

/* True when the trusted snapshot or targets is missing, expired or not the
 * version its parent lists, so the driver must fetch it. */
int bl_trust_needs(const bl_trust *t, int type);

/* The file name to fetch for role ("snapshot", "targets" or a delegated
 * role; N.<role>.json with consistent snapshots) and the most bytes to read. */
int bl_trust_next_file(const bl_trust *t, const char *role, char *name, size_t size, uint64_t *max_len,
                       bl_error *err);

/* 5.5: snapshot, checked against the timestamp and the trusted snapshot. */
int bl_trust_update_snapshot(bl_trust *t, const char *buf, size_t len, bl_error *err);

/* 5.6.1-5.6.5: top-level targets, checked against the snapshot. */
int bl_trust_update_targets(bl_trust *t, const char *buf, size_t len, bl_error *err);

/* A delegated targets role, verified with the keys delegator delegates to it. */
int bl_trust_update_delegated(bl_trust *t, const char *delegator, const char *role, const char *buf, size_t len,
                              bl_error *err);

/* The top-level targets once timestamp, snapshot and targets are all current
 * and unexpired; BL_EEXPIRED/BL_ECORRUPT/BL_ENOTFOUND otherwise. */
int bl_trust_targets(const bl_trust *t, const bl_trust_metadata **out, bl_error *err);

enum bl_trust_lookup_status { BL_TRUST_FOUND = 0, BL_TRUST_NOT_FOUND, BL_TRUST_NEED_ROLE };

typedef struct {
    int status; /* enum bl_trust_lookup_status */
    const bl_trust_target *target;  /* FOUND: valid until the next update */
    char role[BL_TRUST_NAME_MAX + 1];      /* FOUND: who listed it; NEED_ROLE: what to fetch */
    char delegator[BL_TRUST_NAME_MAX + 1]; /* NEED_ROLE: whose keys verify it */
} bl_trust_lookup;

/* 5.6.7: pre-order depth-first search from the top-level targets through
 * delegations in order, honouring paths, hash prefixes and terminating
 * delegations, visiting each role once and at most BL_TRUST_MAX_VISITS. */
int bl_trust_find_target(const bl_trust *t, const char *path, bl_trust_lookup *out, bl_error *err);

/* The name a target is fetched as: path, or with consistent snapshots the
 * hex of its sha256 (else sha512) before the last path component. */
int bl_trust_target_file_name(const bl_trust *t, const bl_trust_target *target, char *out, size_t size,
                              bl_error *err);

#endif
