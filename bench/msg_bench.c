/* msg_bench: round trips of small maps through gamenet's message layer from C: a server
   (its own thread, echoing every message) and one client keeping WINDOW messages in flight.
   Each message is {"i": "%08d", "p": 38 x "x"} (64-byte frames, as the peng3dnet rows use);
   every echo is checked for its number, in order.

   Usage: msg_bench N WINDOW THREADS [batch]   prints rate=<round trips/s> first_us=<connect
   to first echo>. With "batch", both sides use the batch calls: the client sends what the
   window allows in one gamenet_client_send_messages, each side takes its events with
   *_take_events and walks them with the msgpack reader, and the server echoes them in one
   gamenet_server_send_messages. */
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
static int batch_mode;

/* Walks a taken batch of events (see gamenet_server_take_events): calls `on_message` with
   each message's cid, name and msgpack body. */
static void walk_events(const uint8_t *buf, size_t len,
                        void (*on_message)(void *, uint64_t, const uint8_t *, size_t,
                                           const uint8_t *, size_t),
                        void *user) {
    gamenet_msgpack_reader r;
    gamenet_msgpack_item it;
    uint32_t n, i;
    MUST(gamenet_msgpack_reader_init(&r, buf, len));
    MUST(gamenet_msgpack_read(&r, &it));
    n = it.count;
    for (i = 0; i < n; i++) {
        uint64_t kind, cid;
        const uint8_t *name;
        size_t name_len, at;
        MUST(gamenet_msgpack_read(&r, &it)); /* the event's array of 9 */
        MUST(gamenet_msgpack_read(&r, &it));
        kind = it.kind == GAMENET_MSGPACK_UINT ? it.u : (uint64_t)it.i;
        MUST(gamenet_msgpack_read(&r, &it));
        cid = it.kind == GAMENET_MSGPACK_UINT ? it.u : (uint64_t)it.i;
        MUST(gamenet_msgpack_skip(&r)); /* pid */
        MUST(gamenet_msgpack_read(&r, &it));
        name = it.data;
        name_len = it.len;
        at = r.pos;
        MUST(gamenet_msgpack_skip(&r)); /* the body */
        if (kind == GAMENET_MSG_MESSAGE) on_message(user, cid, name, name_len, buf + at, r.pos - at);
        for (int k = 0; k < 4; k++) MUST(gamenet_msgpack_skip(&r));
    }
}

typedef struct {
    uint8_t *out;
    size_t len;
    uint32_t count;
} batch_t;

static void batch_start(batch_t *b) {
    b->out[0] = 0xdd; /* array32, its count written at the end */
    b->len = 5;
    b->count = 0;
}

static void batch_end(batch_t *b) {
    b->out[1] = (uint8_t)(b->count >> 24);
    b->out[2] = (uint8_t)(b->count >> 16);
    b->out[3] = (uint8_t)(b->count >> 8);
    b->out[4] = (uint8_t)b->count;
}

/* Appends [cid, name, body] to the server's echo batch. */
static void echo_one(void *user, uint64_t cid, const uint8_t *name, size_t name_len,
                     const uint8_t *body, size_t len) {
    batch_t *b = user;
    uint8_t *o = b->out + b->len;
    int k;
    *o++ = 0x93;
    *o++ = 0xcf;
    for (k = 7; k >= 0; k--) *o++ = (uint8_t)(cid >> (8 * k));
    *o++ = (uint8_t)(0xa0 | name_len);
    memcpy(o, name, name_len);
    o += name_len;
    memcpy(o, body, len);
    o += len;
    b->len = (size_t)(o - b->out);
    b->count++;
}

static void *serve_batches(void *arg) {
    gamenet_server *s = arg;
    static uint8_t in[1 << 20], out[1 << 20];
    batch_t b = {out, 0, 0};
    while (!stop) {
        size_t count = 0, len = 0;
        MUST(gamenet_server_process(s, 1, NULL));
        while (gamenet_server_take_events(s, in, sizeof in, 4096, &count, &len) == GAMENET_OK) {
            batch_start(&b);
            walk_events(in, len, echo_one, &b);
            batch_end(&b);
            if (b.count) MUST(gamenet_server_send_messages(s, out, b.len, NULL));
        }
    }
    return NULL;
}

static double now(void);
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

typedef struct {
    long got;
    double first;
} client_t;

static double now(void);

/* Checks an echo's number and counts it. */
static void got_echo(void *user, uint64_t cid, const uint8_t *name, size_t name_len,
                     const uint8_t *body, size_t len) {
    client_t *c = user;
    char want[12];
    (void)cid, (void)name, (void)name_len;
    snprintf(want, sizeof want, "%08ld", c->got % 100000000);
    if (len < 12 || memcmp(body + 4, want, 8) != 0) {
        fprintf(stderr, "echo %ld is wrong\n", c->got);
        exit(1);
    }
    if (c->got++ == 0) c->first = now();
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
    batch_mode = argc > 4 && strcmp(argv[4], "batch") == 0;
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
    pthread_create(&t, NULL, batch_mode ? serve_batches : serve, s);
    MUST(gamenet_msg_config_set_address(cfg, "127.0.0.1", port));
    start = now();
    MUST(gamenet_client_connect(cfg, &c));
    if (batch_mode) {
        static uint8_t in[1 << 20], out[1 << 20];
        client_t st = {0, 0};
        batch_t b = {out, 0, 0};
        while (st.got < n) {
            size_t count = 0, len = 0;
            batch_start(&b);
            while (sent < n && sent - st.got < window) {
                uint8_t *o = out + b.len;
                *o++ = 0x92;
                *o++ = 0xaa;
                memcpy(o, "bench:echo", 10);
                b.len += 12 + message(o + 10, sent++);
                b.count++;
            }
            batch_end(&b);
            if (b.count) MUST(gamenet_client_send_messages(c, out, b.len, NULL));
            MUST(gamenet_client_process(c, 1, NULL));
            while (gamenet_client_take_events(c, in, sizeof in, 0, &count, &len) == GAMENET_OK)
                walk_events(in, len, got_echo, &st);
        }
        got = st.got;
        first = st.first;
    }
    while (got < n) {
        gamenet_msg_event ev;
        size_t len = 0;
        while (sent < n && sent - got < window) {
            size_t m = message(buf, sent++);
            MUST(gamenet_client_send_message(c, "bench:echo", buf, m));
        }
        MUST(gamenet_client_process(c, 1, NULL));
        while (gamenet_client_next_event(c, &ev, body, sizeof body, &len) == GAMENET_OK) {
            char want[12];
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
