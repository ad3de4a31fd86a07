/* SPDX-License-Identifier: Apache-2.0 */
#include "sha256.h"

#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define BL_SHA256_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void blocks_portable(uint32_t state[8], const unsigned char *p, size_t count)
{
    while (count--) {
        uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
        int i;

        for (i = 0; i < 16; i++)
            w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
                   p[4 * i + 3];
        for (i = 16; i < 64; i++) {
            uint32_t s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        a = state[0], b = state[1], c = state[2], d = state[3];
        e = state[4], f = state[5], g = state[6], hh = state[7];
        for (i = 0; i < 64; i++) {
            t1 = hh + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
            t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g, g = f, f = e, e = d + t1;
            d = c, c = b, b = a, a = t1 + t2;
        }
        state[0] += a, state[1] += b, state[2] += c, state[3] += d;
        state[4] += e, state[5] += f, state[6] += g, state[7] += hh;
        p += 64;
    }
}

#ifdef BL_SHA256_X86
/* The SHA extensions keep the state as ABEF and CDGH and do two rounds an
 * instruction; the message schedule is sha256msg1/msg2 over four words at a
 * time (W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16]). */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_shani(uint32_t state[8], const unsigned char *p,
                                                                      size_t count)
{
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i s0, s1, tmp, msg[4];

    tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[0]), 0xB1); /* CDAB */
    s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[4]), 0x1B);  /* EFGH */
    s0 = _mm_alignr_epi8(tmp, s1, 8);                                            /* ABEF */
    s1 = _mm_blend_epi16(s1, tmp, 0xF0);                                         /* CDGH */
    while (count--) {
        __m128i abef = s0, cdgh = s1;
        int k;

        for (k = 0; k < 16; k++) {
            __m128i m;
            if (k < 4) {
                msg[k] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * k)), swap);
            } else {
                __m128i t = _mm_sha256msg1_epu32(msg[k % 4], msg[(k + 1) % 4]);
                t = _mm_add_epi32(t, _mm_alignr_epi8(msg[(k + 3) % 4], msg[(k + 2) % 4], 4));
                msg[k % 4] = _mm_sha256msg2_epu32(t, msg[(k + 3) % 4]);
            }
            m = _mm_add_epi32(msg[k % 4], _mm_loadu_si128((const __m128i *)&K[4 * k]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, m);
            s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(m, 0x0E));
        }
        s0 = _mm_add_epi32(s0, abef);
        s1 = _mm_add_epi32(s1, cdgh);
        p += 64;
    }
    tmp = _mm_shuffle_epi32(s0, 0x1B);                                    /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);                                     /* DCHG */
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(tmp, s1, 0xF0)); /* DCBA */
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(s1, tmp, 8));    /* HGFE */
}
#endif

int bl_sha256_accelerated(void)
{
#ifdef BL_SHA256_X86
    unsigned a, b, c, d;

    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19)) || !(c & (1u << 9))) /* SSE4.1, SSSE3 */
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    return (b >> 29) & 1; /* SHA */
#else
    return 0;
#endif
}

void bl_sha256_init_portable(bl_sha256 *h)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(h->state, iv, sizeof iv);
    h->bytes = 0;
    h->buf_len = 0;
    h->blocks = blocks_portable;
}

void bl_sha256_init(bl_sha256 *h)
{
    bl_sha256_init_portable(h);
#ifdef BL_SHA256_X86
    if (bl_sha256_accelerated())
        h->blocks = blocks_shani;
#endif
}

void bl_sha256_update(bl_sha256 *h, const void *data, size_t len)
{
    const unsigned char *p = data;

    h->bytes += len;
    if (h->buf_len > 0) {
        size_t n = 64 - h->buf_len < len ? 64 - h->buf_len : len;
        memcpy(h->buf + h->buf_len, p, n);
        h->buf_len += n;
        p += n;
        len -= n;
        if (h->buf_len < 64)
            return;
        h->blocks(h->state, h->buf, 1);
        h->buf_len = 0;
    }
    if (len >= 64) {
        h->blocks(h->state, p, len / 64);
        p += len - len % 64;
        len %= 64;
    }
    memcpy(h->buf, p, len);
    h->buf_len = len;
}

void bl_sha256_final(bl_sha256 *h, unsigned char out[32])
{
    uint64_t bits = h->bytes * 8;
    unsigned char pad[72] = {0x80};
    size_t pad_len = (h->buf_len < 56 ? 56 : 120) - h->buf_len;
    int i;

    for (i = 0; i < 8; i++)
        pad[pad_len + i] = (unsigned char)(bits >> (56 - 8 * i));
    bl_sha256_update(h, pad, pad_len + 8);
    for (i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(h->state[i] >> 24);
        out[4 * i + 1] = (unsigned char)(h->state[i] >> 16);
        out[4 * i + 2] = (unsigned char)(h->state[i] >> 8);
        out[4 * i + 3] = (unsigned char)h->state[i];
    }
}
