/* Shared by the zero-copy tests: a UDP pair (a writer on `a` sending to `b`, read by a
   reader with one thread) and numbered datagrams "dg 000", "dg 001", ... */
#ifndef GAMENET_TEST_UDP_PAIR_H
#define GAMENET_TEST_UDP_PAIR_H
#include <time.h>

#include "check.h"

#define NUMBERED 128

static void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

struct udp_pair {
    gamenet_manager *m;
    gamenet_writer *w;
    gamenet_reader *r;
    gamenet_conn a, b;
    gamenet_address to;
};

static void udp_open(struct udp_pair *u) {
    memset(u, 0, sizeof *u);
    CHECK_OK(gamenet_manager_new(&u->m));
    CHECK_OK(gamenet_writer_new(u->m, 0, &u->w));
    CHECK_OK(gamenet_reader_new(u->m, 1, &u->r)); /* a thread: it reads whatever is queued */
    CHECK_OK(gamenet_manager_open_udp_connection(u->m, "127.0.0.1", 0, false, &u->a));
    CHECK_OK(gamenet_manager_open_udp_connection(u->m, "127.0.0.1", 0, false, &u->b));
    CHECK_OK(gamenet_reader_add_connection(u->r, u->b));
    CHECK_OK(gamenet_conn_get_local_address(u->m, u->b, &u->to));
}

static void udp_close(struct udp_pair *u) {
    CHECK_OK(gamenet_reader_free(u->r));
    CHECK_OK(gamenet_writer_free(u->w));
    CHECK_OK(gamenet_manager_free(u->m));
}

/* Sends "dg 000", "dg 001", ... from a to b, 16 at a time, each group read into the queue
   before the next is sent (a socket buffer never overflows), until `count` are queued. */
static void send_numbered(struct udp_pair *u, int count) {
    int i, ms;
    size_t queued = 0;
    for (i = 0; i < count; i++) {
        char text[16];
        snprintf(text, sizeof text, "dg %03d", i);
        CHECK_OK(gamenet_writer_send_to(u->w, u->a, &u->to, (const uint8_t *)text, 6, false));
        if (i % 16 != 15 && i != count - 1) continue;
        for (ms = 0; ms < 20000 && queued < (size_t)i + 1; ms++) {
            if (gamenet_reader_get_current_queue_size(u->r, &queued) != GAMENET_OK) break;
            if (queued < (size_t)i + 1) sleep_ms(1);
        }
    }
    CHECK(queued == (size_t)count);
}

#endif
