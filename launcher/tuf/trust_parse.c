/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing TUF metadata into bl_trust_metadata: the file formats of the spec's
 * section 4, as python-tuf's Metadata.from_dict accepts them, kept strict
 * where leniency could let one document mean two things. */
#include "trust.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canonjson.h"

static const char *const type_names[] = {"root", "timestamp", "snapshot", "targets"};

static const cJSON *field(const cJSON *object, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(object, name);
}

static int hex_exact(const char *hex, unsigned char *out, size_t n)
{
    size_t got = 0;
    const char *end = NULL;
    if (strlen(hex) != 2 * n)
        return 0;
    return sodium_hex2bin(out, n, hex, 2 * n, NULL, &got, &end) == 0 && got == n && end == hex + 2 * n;
}

/* Decodes hex of any even length up to 2 * size; the byte count, 0 when it is not that. */
static size_t hex_bytes(const char *hex, unsigned char *out, size_t size)
{
    size_t n = strlen(hex);
    if (n == 0 || n % 2 != 0 || n / 2 > size)
        return 0;
    return hex_exact(hex, out, n / 2) ? n / 2 : 0;
}

static int get_uint(const cJSON *object, const char *name, uint64_t min, const char *what, uint64_t *out,
                    bl_error *err)
{
    unsigned long long value;
    if (cJSON_IsRaw(field(object, name))) /* the parser keeps integers past 2^53 as digits */
        return bl_error_set(err, BL_ECORRUPT, "%s: '%s' is an integer beyond 2^53", what, name);
    if (!bl_canonjson_get_uint(field(object, name), &value) || value < min)
        return bl_error_set(err, BL_ECORRUPT, "%s: '%s' must be an integer >= %llu", what, name,
                            (unsigned long long)min);
    *out = value;
    return BL_OK;
}

static int get_string(const cJSON *object, const char *name, const char *what, const char **out, bl_error *err)
{
    const cJSON *item = field(object, name);
    if (!cJSON_IsString(item))
        return bl_error_set(err, BL_ECORRUPT, "%s: '%s' must be a string", what, name);
    *out = item->valuestring;
    return BL_OK;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so no timegm() and no TZ. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, int n, unsigned *out)
{
    int i;
    *out = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *out = *out * 10 + (unsigned)(s[i] - '0');
    }
    return 1;
}

int bl_trust_parse_time(const char *text, int64_t *out)
{
    static const unsigned month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned y, mo, d, h, mi, s;
    if (strlen(text) != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
        text[16] != ':' || text[19] != 'Z' || !digits(text, 4, &y) || !digits(text + 5, 2, &mo) ||
        !digits(text + 8, 2, &d) || !digits(text + 11, 2, &h) || !digits(text + 14, 2, &mi) ||
        !digits(text + 17, 2, &s))
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > month_days[mo - 1] || h > 23 || mi > 59 || s > 59)
        return 0;
    if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return 0;
    *out = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + (int64_t)s;
    return 1;
}

void bl_trust_format_time(int64_t t, char *out, size_t size)
{
    /* civil_from_days, the inverse of days_from_civil */
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, secs = t - days * 86400;
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
    snprintf(out, size, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d, (unsigned)(secs / 3600),
             (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

static int parse_keys(const cJSON *object, const char *what, bl_trust_keyring **out, bl_error *err)
{
    const cJSON *entry;
    bl_trust_keyring *ring;

    if (!cJSON_IsObject(object))
        return bl_error_set(err, BL_ECORRUPT, "%s: 'keys' must be an object", what);
    if (cJSON_GetArraySize(object) > BL_TRUST_MAX_KEYS)
        return bl_error_set(err, BL_ECORRUPT, "%s: more than %d keys", what, BL_TRUST_MAX_KEYS);
    if (!(ring = calloc(1, sizeof *ring)))
        return bl_error_set(err, BL_ENOMEM, "%s: out of memory", what);
    cJSON_ArrayForEach(entry, object) {
        bl_trust_key *key = &ring->key[ring->count];
        const cJSON *keytype = field(entry, "keytype"), *scheme = field(entry, "scheme");
        const cJSON *keyval = field(entry, "keyval"), *public_text = field(keyval, "public");
        if (strlen(entry->string) == 0 || strlen(entry->string) > BL_TRUST_KEYID_MAX) {
            free(ring);
            return bl_error_set(err, BL_ECORRUPT, "%s: key id '%.32s' is empty or longer than %d characters",
                                what, entry->string, BL_TRUST_KEYID_MAX);
        }
        if (!cJSON_IsString(keytype) || !cJSON_IsString(scheme) || !cJSON_IsObject(keyval)) {
            free(ring);
            return bl_error_set(err, BL_ECORRUPT, "%s: key %.16s needs 'keytype', 'scheme' and 'keyval'", what,
                                entry->string);
        }
        strcpy(key->keyid, entry->string);
        /* Other schemes, and keys malformed for theirs, are legal metadata; their signatures never count. */
        bl_sig_key_parse(keytype->valuestring, scheme->valuestring,
                         cJSON_IsString(public_text) ? public_text->valuestring : NULL, &key->key);
        ring->count++;
    }
    *out = ring;
    return BL_OK;
}

static int find_key(const bl_trust_keyring *ring, const char *keyid)
{
    int i;
    for (i = 0; ring && i < ring->count; i++) {
        if (strcmp(ring->key[i].keyid, keyid) == 0)
            return i;
    }
    return -1;
}

static int parse_role(const cJSON *object, const bl_trust_keyring *ring, const char *what, const char *role_name,
                      bl_trust_role *out, bl_error *err)
{
    const cJSON *keyids = field(object, "keyids"), *entry;
    char context[160];
    int rc, i;

    snprintf(context, sizeof context, "%s: role %s", what, role_name);
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(object))
        return bl_error_set(err, BL_ECORRUPT, "%s must be an object", context);
    if ((rc = get_uint(object, "threshold", 1, context, &out->threshold, err)) != BL_OK)
        return rc;
    if (!cJSON_IsArray(keyids))
        return bl_error_set(err, BL_ECORRUPT, "%s: 'keyids' must be a list", context);
    cJSON_ArrayForEach(entry, keyids) {
        int index;
        if (!cJSON_IsString(entry))
            return bl_error_set(err, BL_ECORRUPT, "%s: 'keyids' must be a list of strings", context);
        if ((index = find_key(ring, entry->valuestring)) < 0)
            continue; /* a key id without a key can never sign */
        for (i = 0; i < out->count && out->key[i] != index; i++)
            ;
        if (i == out->count)
            out->key[out->count++] = index; /* a key listed twice counts once */
    }
    return BL_OK;
}

static int parse_file(const cJSON *object, const char *what, const char *name, int required, bl_trust_file *out,
                      bl_error *err)
{
    const cJSON *length = field(object, "length"), *hashes = field(object, "hashes"), *hash;
    char context[256];
    int rc;

    snprintf(context, sizeof context, "%s: %.160s", what, name);
    memset(out, 0, sizeof *out);
    if (length || required) {
        if ((rc = get_uint(object, "length", 0, context, &out->length, err)) != BL_OK)
            return rc;
        out->has_length = 1;
    }
    if (!hashes && !required)
        return BL_OK;
    if (!cJSON_IsObject(hashes) || !hashes->child)
        return bl_error_set(err, BL_ECORRUPT, "%s: 'hashes' must be a non-empty object", context);
    out->has_hashes = 1;
    cJSON_ArrayForEach(hash, hashes) {
        if (!cJSON_IsString(hash))
            return bl_error_set(err, BL_ECORRUPT, "%s: hash '%.16s' must be a hex string", context, hash->string);
        if (strcmp(hash->string, "sha256") == 0)
            out->has_sha256 = hex_exact(hash->valuestring, out->sha256, sizeof out->sha256);
        else if (strcmp(hash->string, "sha512") == 0)
            out->has_sha512 = hex_exact(hash->valuestring, out->sha512, sizeof out->sha512);
        else
            continue; /* an algorithm we do not know: checked as "none known" later */
        if (!(strcmp(hash->string, "sha256") == 0 ? out->has_sha256 : out->has_sha512))
            return bl_error_set(err, BL_ECORRUPT, "%s: %s hash is not %d hex digits", context, hash->string,
                                strcmp(hash->string, "sha256") == 0 ? 64 : 128);
    }
    return BL_OK;
}

static int parse_meta(const cJSON *signed_part, bl_trust_metadata *md, const char *what, bl_error *err)
{
    const cJSON *meta = field(signed_part, "meta"), *entry;
    size_t n = 0;
    int rc;

    if (!cJSON_IsObject(meta))
        return bl_error_set(err, BL_ECORRUPT, "%s: 'meta' must be an object", what);
    if (md->type == BL_TRUST_TIMESTAMP && !field(meta, "snapshot.json"))
        return bl_error_set(err, BL_ECORRUPT, "%s: 'meta' lacks snapshot.json", what);
    md->meta_count = (size_t)cJSON_GetArraySize(meta);
    if (md->meta_count && !(md->meta = calloc(md->meta_count, sizeof *md->meta)))
        return bl_error_set(err, BL_ENOMEM, "%s: out of memory", what);
    cJSON_ArrayForEach(entry, meta) {
        bl_trust_meta *m = &md->meta[n++];
        char context[256];
        snprintf(context, sizeof context, "%s: %.160s", what, entry->string);
        if (!(m->name = strdup(entry->string)))
            return bl_error_set(err, BL_ENOMEM, "%s: out of memory", what);
        if (!cJSON_IsObject(entry))
            return bl_error_set(err, BL_ECORRUPT, "%s must be an object", context);
        if ((rc = get_uint(entry, "version", 1, context, &m->version, err)) != BL_OK ||
            (rc = parse_file(entry, what, entry->string, 0, &m->file, err)) != BL_OK)
            return rc;
    }
    return BL_OK;
}

/* The spec allows any name unique among the delegations, "../x" included.
 * Names become file names and URLs only URL-encoded (repo.c: "../x" is
 * "..%2Fx.json", one file in the metadata folder), so a leading '.' is as
 * good as any. */
static int role_name_ok(const char *name)
{
    size_t n = strlen(name), i;
    if (n == 0 || n > BL_TRUST_NAME_MAX)
        return 0;
    for (i = 0; i < 4; i++) {
        if (strcmp(name, type_names[i]) == 0)
            return 0;
    }
    /* any other name is valid TUF: repo.c URL-encodes it for the request
     * and the file name, so only control characters are refused */
    for (i = 0; i < n; i++) {
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return 0;
    }
    return 1;
}

static int parse_strings(const cJSON *list, const char *context, const char *name, int hex, char ***out,
                         size_t *count, bl_error *err)
{
    const cJSON *entry;
    size_t n = 0;
    if (!cJSON_IsArray(list))
        return bl_error_set(err, BL_ECORRUPT, "%s: '%s' must be a list of strings", context, name);
    *count = (size_t)cJSON_GetArraySize(list);
    if (*count && !(*out = calloc(*count, sizeof **out)))
        return bl_error_set(err, BL_ENOMEM, "%s: out of memory", context);
    cJSON_ArrayForEach(entry, list) {
        if (!cJSON_IsString(entry) ||
            (hex && strspn(entry->valuestring, "0123456789abcdef") != strlen(entry->valuestring)))
            return bl_error_set(err, BL_ECORRUPT, "%s: '%s' must be a list of %sstrings", context, name,
                                hex ? "lower-case hex " : "");
        if (!((*out)[n++] = strdup(entry->valuestring)))
            return bl_error_set(err, BL_ENOMEM, "%s: out of memory", context);
    }
    return BL_OK;
}

static int parse_delegations(const cJSON *delegations, bl_trust_metadata *md, const char *what, bl_error *err)
{
    const cJSON *roles = field(delegations, "roles"), *entry;
    size_t n = 0, i;
    int rc;

    if (!cJSON_IsObject(delegations))
        return bl_error_set(err, BL_ECORRUPT, "%s: 'delegations' must be an object", what);
    if (field(delegations, "succinct_roles"))
        return bl_error_set(err, BL_EUNSUPPORTED, "%s: succinct_roles delegations are not supported", what);
    if ((rc = parse_keys(field(delegations, "keys"), what, &md->keys, err)) != BL_OK)
        return rc;
    if (!cJSON_IsArray(roles))
        return bl_error_set(err, BL_ECORRUPT, "%s: delegations need a 'roles' list", what);
    md->delegation_count = (size_t)cJSON_GetArraySize(roles);
    if (md->delegation_count && !(md->delegations = calloc(md->delegation_count, sizeof *md->delegations)))
        return bl_error_set(err, BL_ENOMEM, "%s: out of memory", what);
    cJSON_ArrayForEach(entry, roles) {
        bl_trust_delegation *d = &md->delegations[n];
        const cJSON *name = field(entry, "name"), *terminating = field(entry, "terminating");
        const cJSON *paths = field(entry, "paths"), *prefixes = field(entry, "path_hash_prefixes");
        char context[256];
        if (!cJSON_IsString(name) || !role_name_ok(name->valuestring))
            return bl_error_set(err, BL_ECORRUPT,
                                "%s: delegated role names must be 1-%d bytes without control characters, "
                                "not a top-level role",
                                what, BL_TRUST_NAME_MAX);
        for (i = 0; i < n; i++) {
            if (strcmp(md->delegations[i].name, name->valuestring) == 0)
                return bl_error_set(err, BL_ECORRUPT, "%s: role %s is delegated twice", what, name->valuestring);
        }
        snprintf(context, sizeof context, "%s: delegation %s", what, name->valuestring);
        if (!(d->name = strdup(name->valuestring)))
            return bl_error_set(err, BL_ENOMEM, "%s: out of memory", what);
        n++;
        if ((rc = parse_role(entry, md->keys, what, d->name, &d->role, err)) != BL_OK)
            return rc;
        if (!cJSON_IsBool(terminating))
            return bl_error_set(err, BL_ECORRUPT, "%s: 'terminating' must be true or false", context);
        d->terminating = cJSON_IsTrue(terminating);
        if (paths && prefixes)
            return bl_error_set(err, BL_ECORRUPT, "%s: has both 'paths' and 'path_hash_prefixes'", context);
        if (paths && (rc = parse_strings(paths, context, "paths", 0, &d->paths, &d->path_count, err)) != BL_OK)
            return rc;
        if (prefixes && (rc = parse_strings(prefixes, context, "path_hash_prefixes", 1, &d->hash_prefixes,
                                            &d->hash_prefix_count, err)) != BL_OK)
            return rc;
    }
    return BL_OK;
}

static int parse_targets(const cJSON *signed_part, bl_trust_metadata *md, const char *what, bl_error *err)
{
    const cJSON *targets = field(signed_part, "targets"), *entry, *delegations;
    size_t n = 0;
    int rc;

    if (!cJSON_IsObject(targets))
        return bl_error_set(err, BL_ECORRUPT, "%s: 'targets' must be an object", what);
    md->target_count = (size_t)cJSON_GetArraySize(targets);
    if (md->target_count && !(md->targets = calloc(md->target_count, sizeof *md->targets)))
        return bl_error_set(err, BL_ENOMEM, "%s: out of memory", what);
    cJSON_ArrayForEach(entry, targets) {
        bl_trust_target *t = &md->targets[n++];
        const cJSON *custom = field(entry, "custom");
        if (!(t->path = strdup(entry->string)))
            return bl_error_set(err, BL_ENOMEM, "%s: out of memory", what);
        if (!cJSON_IsObject(entry))
            return bl_error_set(err, BL_ECORRUPT, "%s: target %.160s must be an object", what, t->path);
        if ((rc = parse_file(entry, what, t->path, 1, &t->file, err)) != BL_OK)
            return rc;
        if (custom && !cJSON_IsObject(custom))
            return bl_error_set(err, BL_ECORRUPT, "%s: %.160s: 'custom' must be an object", what, t->path);
        if (custom && !(t->custom = cJSON_Duplicate(custom, 1)))
            return bl_error_set(err, BL_ENOMEM, "%s: out of memory", what);
    }
    delegations = field(signed_part, "delegations");
    return delegations ? parse_delegations(delegations, md, what, err) : BL_OK;
}

static int parse_root(const cJSON *signed_part, bl_trust_metadata *md, const char *what, bl_error *err)
{
    const cJSON *consistent = field(signed_part, "consistent_snapshot"), *roles = field(signed_part, "roles");
    int rc, i;

    if (consistent && !cJSON_IsBool(consistent))
        return bl_error_set(err, BL_ECORRUPT, "%s: 'consistent_snapshot' must be true or false", what);
    md->consistent_snapshot = cJSON_IsTrue(consistent);
    if ((rc = parse_keys(field(signed_part, "keys"), what, &md->keys, err)) != BL_OK)
        return rc;
    if (!cJSON_IsObject(roles))
        return bl_error_set(err, BL_ECORRUPT, "%s: 'roles' must be an object", what);
    for (i = 0; i < 4; i++) {
        const cJSON *role = field(roles, type_names[i]);
        if (!role)
            return bl_error_set(err, BL_ECORRUPT, "%s: 'roles' lacks %s", what, type_names[i]);
        if ((rc = parse_role(role, md->keys, what, type_names[i], &md->roles[i], err)) != BL_OK)
            return rc;
    }
    return BL_OK;
}

static int parse_signatures(const cJSON *list, bl_trust_metadata *md, const char *what, bl_error *err)
{
    const cJSON *entry;
    size_t i;
    if (!cJSON_IsArray(list))
        return bl_error_set(err, BL_ECORRUPT, "%s: 'signatures' must be a list", what);
    if (cJSON_GetArraySize(list) > BL_TRUST_MAX_SIGNATURES)
        return bl_error_set(err, BL_ECORRUPT, "%s: more than %d signatures", what, BL_TRUST_MAX_SIGNATURES);
    md->signatures = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof *md->signatures);
    if (!md->signatures)
        return bl_error_set(err, BL_ENOMEM, "%s: out of memory", what);
    cJSON_ArrayForEach(entry, list) {
        bl_trust_signature *s = &md->signatures[md->signature_count];
        const cJSON *keyid = field(entry, "keyid"), *sig = field(entry, "sig");
        if (!cJSON_IsString(keyid) || !cJSON_IsString(sig) || strlen(keyid->valuestring) > BL_TRUST_KEYID_MAX)
            return bl_error_set(err, BL_ECORRUPT, "%s: each signature needs a 'keyid' and a 'sig' string", what);
        /* python-tuf refuses these too: which of the two would count? */
        for (i = 0; i < md->signature_count; i++) {
            if (strcmp(md->signatures[i].keyid, keyid->valuestring) == 0)
                return bl_error_set(err, BL_ECORRUPT, "%s: key %.16s signs twice", what, keyid->valuestring);
        }
        strcpy(s->keyid, keyid->valuestring);
        s->len = hex_bytes(sig->valuestring, s->sig, sizeof s->sig);
        md->signature_count++;
    }
    return BL_OK;
}

/* TAP 6: only metadata of spec major version 1. */
static int spec_version_ok(const char *v)
{
    size_t parts = 1, n;
    if (strncmp(v, "1.", 2) != 0)
        return 0;
    for (v += 2;; v += n + 1, parts++) {
        n = strspn(v, "0123456789");
        if (n == 0 || (v[n] != '.' && v[n] != '\0'))
            return 0;
        if (v[n] == '\0')
            return parts <= 2;
    }
}

static int parse_signed(const cJSON *signed_part, bl_trust_metadata *md, const char *what, bl_error *err)
{
    const char *type = NULL, *spec_version = NULL, *expires = NULL;
    int rc;

    if ((rc = get_string(signed_part, "_type", what, &type, err)) != BL_OK)
        return rc;
    if (strcmp(type, type_names[md->type]) != 0)
        return bl_error_set(err, BL_ECORRUPT, "%s: is of type '%.32s', expected '%s'", what, type,
                            type_names[md->type]);
    if ((rc = get_string(signed_part, "spec_version", what, &spec_version, err)) != BL_OK)
        return rc;
    if (!spec_version_ok(spec_version) || strlen(spec_version) >= sizeof md->spec_version)
        return bl_error_set(err, BL_ECORRUPT, "%s: spec_version '%.32s' is not 1.x.y", what, spec_version);
    strcpy(md->spec_version, spec_version);
    if ((rc = get_uint(signed_part, "version", 1, what, &md->version, err)) != BL_OK ||
        (rc = get_string(signed_part, "expires", what, &expires, err)) != BL_OK)
        return rc;
    if (!bl_trust_parse_time(expires, &md->expires))
        return bl_error_set(err, BL_ECORRUPT, "%s: 'expires' must look like 2030-01-31T00:00:00Z, got '%.32s'",
                            what, expires);
    switch (md->type) {
    case BL_TRUST_ROOT: return parse_root(signed_part, md, what, err);
    case BL_TRUST_TARGETS: return parse_targets(signed_part, md, what, err);
    default: return parse_meta(signed_part, md, what, err);
    }
}

int bl_trust_parse(const char *buf, size_t len, size_t max_len, int type, const char *what,
                   bl_trust_metadata **out, bl_error *err)
{
    bl_trust_metadata *md = NULL;
    cJSON *doc = NULL;
    const cJSON *signed_part;
    int rc;

    *out = NULL;
    if (type < BL_TRUST_ROOT || type > BL_TRUST_TARGETS)
        return bl_error_set(err, BL_EINVAL, "%s: unknown metadata type %d", what, type);
    if ((rc = bl_canonjson_parse(buf, len, max_len, &doc, err)) != BL_OK) {
        bl_error_prefix(err, "%s: ", what);
        goto cleanup;
    }
    if (!(md = calloc(1, sizeof *md))) {
        rc = bl_error_set(err, BL_ENOMEM, "%s: out of memory", what);
        goto cleanup;
    }
    md->type = type;
    signed_part = field(doc, "signed");
    if (!cJSON_IsObject(doc) || !cJSON_IsObject(signed_part)) {
        rc = bl_error_set(err, BL_ECORRUPT, "%s: not TUF metadata (no 'signed' object)", what);
        goto cleanup;
    }
    if ((rc = parse_signatures(field(doc, "signatures"), md, what, err)) != BL_OK ||
        (rc = parse_signed(signed_part, md, what, err)) != BL_OK)
        goto cleanup;
    /* What was signed is the canonical form of the parsed object, not the bytes. */
    if ((rc = bl_canonjson_encode(signed_part, &md->signed_canonical, &md->signed_len, err)) != BL_OK) {
        bl_error_prefix(err, "%s: ", what);
        goto cleanup;
    }
    *out = md;
    md = NULL;

cleanup:
    bl_trust_metadata_free(md);
    cJSON_Delete(doc);
    return rc;
}

static void free_strings(char **list, size_t count)
{
    size_t i;
    for (i = 0; list && i < count; i++)
        free(list[i]);
    free(list);
}

void bl_trust_metadata_free(bl_trust_metadata *md)
{
    size_t i;
    if (!md)
        return;
    for (i = 0; md->meta && i < md->meta_count; i++)
        free(md->meta[i].name);
    for (i = 0; md->targets && i < md->target_count; i++) {
        free(md->targets[i].path);
        cJSON_Delete(md->targets[i].custom);
    }
    for (i = 0; md->delegations && i < md->delegation_count; i++) {
        free(md->delegations[i].name);
        free_strings(md->delegations[i].paths, md->delegations[i].path_count);
        free_strings(md->delegations[i].hash_prefixes, md->delegations[i].hash_prefix_count);
    }
    free(md->meta);
    free(md->targets);
    free(md->delegations);
    free(md->keys);
    free(md->signed_canonical);
    free(md->signatures);
    free(md);
}

const bl_trust_meta *bl_trust_find_meta(const bl_trust_metadata *md, const char *name)
{
    size_t i;
    for (i = 0; md && i < md->meta_count; i++) {
        if (strcmp(md->meta[i].name, name) == 0)
            return &md->meta[i];
    }
    return NULL;
}
