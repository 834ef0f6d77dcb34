/* OK(call): a gamenet call that must succeed in a benchmark; on failure it prints the
   call, its place and gamenet's last error, and exits. */
#ifndef BENCH_GAMENET_OK_H
#define BENCH_GAMENET_OK_H
#include <stdio.h>
#include <stdlib.h>

#include "gamenet.h"

#define OK(x)                                                                        \
    do {                                                                             \
        gamenet_result rc_ = (x);                                                    \
        if (rc_ != GAMENET_OK) {                                                     \
            char m_[512];                                                            \
            size_t l_;                                                               \
            gamenet_last_error(m_, sizeof m_, &l_);                                  \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, m_);          \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)
#endif
