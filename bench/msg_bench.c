/* msg_bench: round trips of small maps through gamenet's message layer from C: a server
   (its own thread, echoing every message) and one client keeping WINDOW messages in flight.
   Each message is {"i": "%08d", "p": 38 x "x"} (64-byte frames, as the peng3dnet rows use);
   every echo is checked for its number, in order.

   Usage: msg_bench N WINDOW THREADS   prints rate=<round trips/s> first_us=<connect to
   first echo> */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gamenet.h"

#define MUST(call) do { gamenet_result rc_ = (call); if (rc_ != GAMENET_OK && rc_ != GAMENET_EMPTY) { \
    char m_[512]; size_t l_; gamenet_last_error(m_, sizeof m_, &l_); \
    fprintf(stderr, "%s: %s\n", #call, m_); exit(1); } } while (0)

static volatile int stop;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *serve(void *arg) {
    gamenet_server *s = arg;
    static uint8_t body[65536];
    while (!stop) {
        gamenet_msg_event ev;
        size_t len = 0;
        MUST(gamenet_server_process(s, 1, NULL));
        while (gamenet_server_next_event(s, &ev, body, sizeof body, &len) == GAMENET_OK)
            if (ev.kind == GAMENET_MSG_MESSAGE)
                MUST(gamenet_server_send_message(s, ev.cid, ev.name, body, len));
    }
    return NULL;
}

static size_t message(uint8_t *out, long i) {
    /* {"i": "%08d", "p": "xxx...x" (38)} */
    size_t n = 0;
    out[n++] = 0x82;
    out[n++] = 0xa1;
    out[n++] = 'i';
    out[n++] = 0xa8;
    n += (size_t)sprintf((char *)out + n, "%08ld", i % 100000000);
    out[n++] = 0xa1;
    out[n++] = 'p';
    out[n++] = 0xd9;
    out[n++] = 38;
    memset(out + n, 'x', 38);
    return n + 38;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000, window = argc > 2 ? atol(argv[2]) : 256;
    uint32_t threads = argc > 3 ? (uint32_t)atoi(argv[3]) : 1;
    gamenet_msg_config *cfg;
    gamenet_server *s;
    gamenet_client *c;
    pthread_t t;
    uint16_t port;
    long sent = 0, got = 0;
    double start, first = 0, end;
    static uint8_t buf[128], body[65536];
    MUST(gamenet_msg_config_new(&cfg));
    MUST(gamenet_msg_config_set_address(cfg, "127.0.0.1", 0));
    MUST(gamenet_msg_config_set_threads(cfg, threads));
    MUST(gamenet_msg_config_register_packet(cfg, "bench:echo", 0, NULL));
    MUST(gamenet_server_new(cfg, &s));
    MUST(gamenet_server_get_port(s, &port));
    pthread_create(&t, NULL, serve, s);
    MUST(gamenet_msg_config_set_address(cfg, "127.0.0.1", port));
    start = now();
    MUST(gamenet_client_connect(cfg, &c));
    while (got < n) {
        gamenet_msg_event ev;
        size_t len = 0;
        while (sent < n && sent - got < window) {
            size_t m = message(buf, sent++);
            MUST(gamenet_client_send_message(c, "bench:echo", buf, m));
        }
        MUST(gamenet_client_process(c, 1, NULL));
        while (gamenet_client_next_event(c, &ev, body, sizeof body, &len) == GAMENET_OK) {
            char want[9];
            if (ev.kind != GAMENET_MSG_MESSAGE) continue;
            snprintf(want, sizeof want, "%08ld", got % 100000000);
            if (len < 12 || memcmp(body + 4, want, 8) != 0) {
                fprintf(stderr, "echo %ld is wrong\n", got);
                return 1;
            }
            if (got++ == 0) first = now();
        }
    }
    end = now();
    printf("rate=%.0f first_us=%.1f\n", n / (end - first), (first - start) * 1e6);
    stop = 1;
    pthread_join(t, NULL);
    MUST(gamenet_client_free(c));
    MUST(gamenet_server_free(s));
    MUST(gamenet_msg_config_free(cfg));
    return 0;
}
