/* SPDX-License-Identifier: Apache-2.0 */
/* A minimal test harness: each test file is one executable whose main() lists
 * its tests with RUN(); a failed CHECK prints where and why and fails the test.
 * A test that cannot check its promise here says why with SKIP_TEST(), which
 * prints "SKIPPED: <test>: <reason>" (scripts/test.sh collects these lines).
 * CHECK_DONE() closes with "N passed, N failed, N skipped" and is main()'s
 * exit status: 1 if a test failed, 77 (ctest's SKIP_RETURN_CODE,
 * tests/CMakeLists.txt) if every test skipped, else 0. */
#ifndef BL_CHECK_H
#define BL_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures_in_test;
static int check_tests_passed;
static int check_tests_failed;
static int check_tests_skipped;
static const char *check_skip_reason;

/* Leaves the running test, which counts as skipped for the reason given
 * unless a CHECK failed before it. */
#define SKIP_TEST(reason)               \
    do {                                \
        check_skip_reason = (reason);   \
        return;                         \
    } while (0)

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            check_failures_in_test++;                                                 \
        }                                                                             \
    } while (0)

#define CHECK_INT(actual, expected)                                                       \
    do {                                                                                  \
        long long check_a_ = (long long)(actual), check_e_ = (long long)(expected);       \
        if (check_a_ != check_e_) {                                                       \
            fprintf(stderr, "  %s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__,   \
                    #actual, check_a_, check_e_);                                         \
            check_failures_in_test++;                                                     \
        }                                                                                 \
    } while (0)

#define CHECK_STR(actual, expected)                                                         \
    do {                                                                                    \
        const char *check_a_ = (actual), *check_e_ = (expected);                            \
        if (!check_a_ || !check_e_ || strcmp(check_a_, check_e_) != 0) {                    \
            fprintf(stderr, "  %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
                    #actual, check_a_ ? check_a_ : "(null)", check_e_ ? check_e_ : "(null)"); \
            check_failures_in_test++;                                                       \
        }                                                                                   \
    } while (0)

/* The message must contain the fragment: errors are part of the contract. */
#define CHECK_CONTAINS(haystack, needle)                                                     \
    do {                                                                                     \
        const char *check_h_ = (haystack), *check_n_ = (needle);                             \
        if (!check_h_ || !strstr(check_h_, check_n_)) {                                      \
            fprintf(stderr, "  %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, \
                    check_h_ ? check_h_ : "(null)", check_n_);                               \
            check_failures_in_test++;                                                        \
        }                                                                                    \
    } while (0)

#define RUN(test)                                                   \
    do {                                                            \
        check_failures_in_test = 0;                                 \
        check_skip_reason = NULL;                                   \
        test();                                                     \
        if (check_failures_in_test != 0) {                          \
            check_tests_failed++;                                   \
            printf("FAIL %s\n", #test);                             \
        } else if (check_skip_reason) {                             \
            check_tests_skipped++;                                  \
            printf("SKIPPED: %s: %s\n", #test, check_skip_reason);  \
        } else {                                                    \
            check_tests_passed++;                                   \
            printf("ok   %s\n", #test);                             \
        }                                                           \
    } while (0)

#define CHECK_DONE()                                                                     \
    (printf("%d passed, %d failed, %d skipped\n", check_tests_passed, check_tests_failed, \
            check_tests_skipped),                                                        \
     check_tests_failed != 0 ? 1 : check_tests_passed == 0 && check_tests_skipped != 0 ? 77 : 0)

#endif
