/* game_loop_client: a client inside a game loop with a fixed time step (60 ticks a
   second). It connects without blocking (the loop keeps ticking while the connect is under
   way), sends one datagram per tick once connected, and reads replies with a 0 timeout,
   never waiting inside a tick. It runs against echo_server and stops after `count` echoes.

   Usage: game_loop_client host port [count]     (count default 30)

   Build (after `cargo build --release`):
     cc -std=c11 -Iinclude examples-c/game_loop_client.c target/release/libgamenet.a \
        -lpthread -ldl -lm -o target/game_loop_client
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gamenet.h"

#define TICK_NS 16666667L /* 1/60 s */

static int failed(gamenet_result rc, const char *what) {
    char msg[512];
    size_t len = 0;
    if (rc == GAMENET_OK || rc == GAMENET_EMPTY) return 0;
    gamenet_last_error(msg, sizeof msg, &len);
    fprintf(stderr, "game_loop_client: %s: %s: %s\n", what, gamenet_result_str(rc), msg);
    return 1;
}
#define MUST(call) do { if (failed((call), #call)) exit(1); } while (0)

/* Sleeps until `next`, then moves it one tick on. */
static void wait_tick(struct timespec *next) {
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL);
    next->tv_nsec += TICK_NS;
    if (next->tv_nsec >= 1000000000L) {
        next->tv_nsec -= 1000000000L;
        next->tv_sec += 1;
    }
}

int main(int argc, char **argv) {
    gamenet_manager *mgr;
    gamenet_reader *reader;
    gamenet_writer *writer;
    gamenet_conn server = 0;
    uint64_t ticket = 0;
    struct timespec next;
    int count, tick, sent = 0, echoed = 0, connecting_ticks = 0;
    if (argc < 3) {
        fprintf(stderr, "usage: game_loop_client host port [count]\n");
        return 2;
    }
    count = argc > 3 ? atoi(argv[3]) : 30;
    MUST(gamenet_manager_new(&mgr));
    MUST(gamenet_reader_new(mgr, 0, &reader)); /* polling: read inside the tick */
    MUST(gamenet_writer_new(mgr, 0, &writer)); /* immediate: send inside the tick */
    MUST(gamenet_manager_open_tcp_client_async(mgr, argv[1], (uint16_t)atoi(argv[2]), 3000,
                                               &ticket));
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (tick = 0; echoed < count; tick++) {
        gamenet_connect_event ev;
        gamenet_datagram_info info;
        uint8_t buf[256];
        size_t n = 0;
        gamenet_result rc;
        /* 1. Network events: the connect's outcome, then what arrived (0 timeout). */
        if (server == 0 && gamenet_manager_get_connect_event(mgr, &ev) == GAMENET_OK) {
            if (ev.result != GAMENET_OK) {
                fprintf(stderr, "game_loop_client: could not connect (%s): %s\n",
                        gamenet_result_str(ev.result), ev.message);
                return 1;
            }
            server = ev.conn;
            MUST(gamenet_reader_add_connection(reader, server));
            printf("connected after %d tick(s)\n", connecting_ticks);
        }
        if (server == 0) connecting_ticks++;
        while ((rc = gamenet_reader_get_data(reader, &info, buf, sizeof buf, &n)) == GAMENET_OK)
            echoed++;
        MUST(rc);
        /* 2. Simulate, then send this tick's state. */
        if (server != 0 && sent < count) {
            gamenet_datagram *dg;
            uint8_t bytes[64];
            size_t len = 0;
            MUST(gamenet_datagram_new(&dg));
            MUST(gamenet_datagram_add_uint32(dg, (uint32_t)tick));
            MUST(gamenet_datagram_add_string(dg, (const uint8_t *)"player state", 12));
            MUST(gamenet_datagram_get_data(dg, bytes, sizeof bytes, &len));
            MUST(gamenet_writer_send(writer, server, bytes, len, false));
            MUST(gamenet_datagram_free(dg));
            sent++;
        }
        /* 3. Render, then wait for the next tick. */
        if (tick > 60 * 30) {
            fprintf(stderr, "game_loop_client: %d of %d echoes after 30 s\n", echoed, count);
            return 1;
        }
        wait_tick(&next);
    }
    printf("%d ticks, %d datagrams sent, %d echoed\n", tick, sent, echoed);
    MUST(gamenet_manager_close_connection(mgr, server));
    MUST(gamenet_reader_free(reader));
    MUST(gamenet_writer_free(writer));
    MUST(gamenet_manager_free(mgr));
    return 0;
}
