/* A tiny test harness for the C tests: CHECK and CHECK_RC count passes and failures, and
   DONE() prints "N passed, N failed" and returns the exit status. */
#ifndef GAMENET_TEST_CHECK_H
#define GAMENET_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "gamenet.h"

static int g_pass;
static int g_fail;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (cond) {                                                                       \
            g_pass++;                                                                     \
        } else {                                                                          \
            g_fail++;                                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);      \
        }                                                                                 \
    } while (0)

#define CHECK_RC(expr, want)                                                              \
    do {                                                                                  \
        gamenet_result rc_ = (expr);                                                      \
        if (rc_ == (want)) {                                                              \
            g_pass++;                                                                     \
        } else {                                                                          \
            char msg_[512];                                                               \
            size_t len_ = 0;                                                              \
            gamenet_last_error(msg_, sizeof msg_, &len_);                                 \
            g_fail++;                                                                     \
            fprintf(stderr, "%s:%d: %s returned %d (%s), wanted %s; last error: %s\n",    \
                    __FILE__, __LINE__, #expr, (int)rc_, gamenet_result_str(rc_), #want,   \
                    msg_);                                                                \
        }                                                                                 \
    } while (0)

#define CHECK_OK(expr) CHECK_RC(expr, GAMENET_OK)
#define CHECK_NULL(expr) CHECK_RC(expr, GAMENET_ERR_NULL_POINTER)

/* The message of the last failing call on this thread (static buffer). */
static __attribute__((unused)) const char *last_error(void) {
    static char buf[512];
    size_t len = 0;
    if (gamenet_last_error(buf, sizeof buf, &len) != GAMENET_OK) {
        return "(gamenet_last_error failed)";
    }
    return buf;
}

#define DONE()                                                                            \
    do {                                                                                  \
        printf("%d passed, %d failed\n", g_pass, g_fail);                                 \
        return g_fail == 0 && g_pass > 0 ? 0 : 1;                                         \
    } while (0)

#endif
