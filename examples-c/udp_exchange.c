/* udp_exchange: two UDP sockets on loopback trade datagrams. "a" sends "ping N" to "b",
   "b" answers "pong N" to whoever sent it (the address comes with each datagram), and "a"
   checks every answer. UDP may lose a datagram, so "a" sends again when no answer came
   within 200 ms, as a game would.

   Usage: udp_exchange [count]     (default 20)

   Build (after `cargo build --release`):
     cc -std=c11 -Iinclude examples-c/udp_exchange.c target/release/libgamenet.a \
        -lpthread -ldl -lm -o target/udp_exchange
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gamenet.h"

static int failed(gamenet_result rc, const char *what) {
    char msg[512];
    size_t len = 0;
    if (rc == GAMENET_OK || rc == GAMENET_EMPTY) return 0;
    gamenet_last_error(msg, sizeof msg, &len);
    fprintf(stderr, "udp_exchange: %s: %s: %s\n", what, gamenet_result_str(rc), msg);
    return 1;
}
#define MUST(call) do { if (failed((call), #call)) exit(1); } while (0)

int main(int argc, char **argv) {
    int count = argc > 1 ? atoi(argv[1]) : 20, i, resent = 0;
    gamenet_manager *mgr;
    gamenet_reader *reader;
    gamenet_writer *writer;
    gamenet_conn a, b;
    gamenet_address b_at;
    char text[64], want[64];
    uint8_t buf[2048];
    MUST(gamenet_manager_new(&mgr));
    MUST(gamenet_reader_new(mgr, 0, &reader)); /* polling: this thread reads */
    MUST(gamenet_writer_new(mgr, 0, &writer)); /* immediate: this thread sends */
    MUST(gamenet_manager_open_udp_connection(mgr, "127.0.0.1", 0, false, &a));
    MUST(gamenet_manager_open_udp_connection(mgr, "127.0.0.1", 0, false, &b));
    MUST(gamenet_reader_add_connection(reader, a));
    MUST(gamenet_reader_add_connection(reader, b));
    MUST(gamenet_conn_get_local_address(mgr, b, &b_at));
    for (i = 0; i < count; i++) {
        bool answered = false;
        int tries;
        snprintf(want, sizeof want, "pong %d", i);
        for (tries = 0; tries < 25 && !answered; tries++) {
            int n = snprintf(text, sizeof text, "ping %d", i);
            resent += tries > 0;
            MUST(gamenet_writer_send_to(writer, a, &b_at, (const uint8_t *)text, (size_t)n, false));
            /* Up to 200 ms for the ping to arrive at b and the pong at a. */
            while (!answered && gamenet_reader_poll(reader, 200) == GAMENET_OK) {
                gamenet_datagram_info info;
                size_t len = 0;
                gamenet_result rc;
                while ((rc = gamenet_reader_get_data(reader, &info, buf, sizeof buf - 1, &len)) ==
                       GAMENET_OK) {
                    buf[len] = 0;
                    if (info.conn == b && strncmp((char *)buf, "ping ", 5) == 0) {
                        n = snprintf(text, sizeof text, "pong %s", (char *)buf + 5);
                        MUST(gamenet_writer_send_to(writer, b, &info.from, (const uint8_t *)text,
                                                    (size_t)n, false));
                    } else if (info.conn == a && strcmp((char *)buf, want) == 0) {
                        answered = true;
                    }
                }
                MUST(rc);
            }
        }
        if (!answered) {
            fprintf(stderr, "udp_exchange: no answer to ping %d\n", i);
            return 1;
        }
    }
    printf("%d/%d exchanged over UDP (%d sent again)\n", count, count, resent);
    MUST(gamenet_reader_free(reader));
    MUST(gamenet_writer_free(writer));
    MUST(gamenet_manager_free(mgr));
    return 0;
}
