/* Writer, reader and listener from C: TCP and UDP round trips in every mode, batches,
   zero-copy views, buffers too small that lose nothing, backpressure, statistics, and
   the reset queue after a peer closes. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>

#include "check.h"

static void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

struct rig {
    gamenet_manager *m;
    gamenet_listener *l;
    gamenet_reader *r;
    gamenet_writer *w;
    gamenet_conn rendezvous, client, server;
};

static void rig_open(struct rig *g, uint32_t threads) {
    gamenet_address at;
    gamenet_new_connection nc;
    memset(g, 0, sizeof *g);
    CHECK_OK(gamenet_manager_new(&g->m));
    CHECK_OK(gamenet_listener_new(g->m, threads, &g->l));
    CHECK_OK(gamenet_reader_new(g->m, threads, &g->r));
    CHECK_OK(gamenet_writer_new(g->m, threads, &g->w));
    CHECK_OK(gamenet_listener_set_reader(g->l, g->r));
    CHECK_OK(gamenet_manager_open_tcp_server_rendezvous(g->m, "127.0.0.1", 0, 64, &g->rendezvous));
    CHECK_OK(gamenet_listener_add_connection(g->l, g->rendezvous));
    CHECK_OK(gamenet_conn_get_local_address(g->m, g->rendezvous, &at));
    CHECK_OK(gamenet_manager_open_tcp_client_connection(g->m, &at, 5000, &g->client));
    CHECK_OK(gamenet_reader_add_connection(g->r, g->client));
    CHECK_OK(gamenet_listener_poll(g->l, 10000));
    CHECK_OK(gamenet_listener_get_new_connection(g->l, &nc));
    CHECK(nc.rendezvous == g->rendezvous && nc.conn != 0);
    CHECK(nc.peer.family == GAMENET_AF_IPV4 && nc.peer.ip[0] == 127);
    g->server = nc.conn;
    CHECK_RC(gamenet_listener_get_new_connection(g->l, &nc), GAMENET_EMPTY);
}

static void rig_close(struct rig *g) {
    uint64_t unsent = 99;
    CHECK_OK(gamenet_writer_shutdown(g->w, 1000, &unsent));
    CHECK(unsent == 0);
    CHECK_OK(gamenet_writer_free(g->w));
    CHECK_OK(gamenet_reader_free(g->r));
    CHECK_OK(gamenet_listener_free(g->l));
    CHECK_OK(gamenet_manager_free(g->m));
}

/* Whether a datagram waits (a polling reader reads here), checking that the call worked. */
static bool data_available(gamenet_reader *r) {
    bool yes = false;
    CHECK_OK(gamenet_reader_data_available(r, &yes));
    return yes;
}

/* Waits up to 20 s for `n` datagrams to be queued and returns how many are. */
static size_t wait_queued(gamenet_reader *r, size_t n) {
    size_t have = 0;
    int ms;
    for (ms = 0; ms < 20000; ms++) {
        if (data_available(r)) {
            CHECK_OK(gamenet_reader_get_current_queue_size(r, &have));
            if (have >= n) break;
        }
        sleep_ms(1);
    }
    return have;
}

static void round_trip(uint32_t threads) {
    struct rig g;
    gamenet_datagram_info info;
    gamenet_datagram_info infos[8];
    gamenet_writer_stats ws;
    gamenet_reader_stats rs;
    gamenet_conn_stats cs;
    gamenet_view *view = NULL;
    const uint8_t *bytes = NULL;
    uint8_t buf[64];
    uint8_t small[2];
    size_t n = 0, sent = 0, count = 0, i;
    static const uint8_t packed[9] = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'};
    size_t lens[3] = {2, 3, 4};
    gamenet_buffer iov[2];

    rig_open(&g, threads);
    /* One datagram, then a batch of three (packed), then two through an iovec. */
    CHECK_OK(gamenet_writer_send(g.w, g.client, (const uint8_t *)"hello", 5, true));
    CHECK_OK(gamenet_writer_send_batch(g.w, g.client, packed, lens, 3, true, &sent));
    CHECK(sent == 3);
    iov[0].data = (const uint8_t *)"xy";
    iov[0].len = 2;
    iov[1].data = NULL;
    iov[1].len = 0; /* an empty datagram is a datagram */
    CHECK_OK(gamenet_writer_send_iov(g.w, g.client, iov, 2, true, &sent));
    CHECK(sent == 2);
    CHECK(wait_queued(g.r, 6) == 6);

    /* Too small a buffer: the size needed, and the datagram stays. */
    CHECK_RC(gamenet_reader_get_data(g.r, &info, small, sizeof small, &n),
             GAMENET_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 5);
    CHECK_OK(gamenet_reader_get_data(g.r, &info, buf, sizeof buf, &n));
    CHECK(n == 5 && memcmp(buf, "hello", 5) == 0 && info.conn == g.server);
    CHECK(info.from.family == GAMENET_AF_IPV4);
    /* The batch: three datagrams back to back. */
    CHECK_OK(gamenet_reader_get_data_batch(g.r, buf, 9, infos, 8, &count));
    CHECK(count == 3);
    CHECK(infos[0].offset == 0 && infos[0].len == 2 && memcmp(buf, "ab", 2) == 0);
    CHECK(infos[1].offset == 2 && infos[1].len == 3 && memcmp(buf + 2, "cde", 3) == 0);
    CHECK(infos[2].offset == 5 && infos[2].len == 4 && memcmp(buf + 5, "fghi", 4) == 0);
    /* Zero-copy views (tests/c/test_view.c has the rest). */
    CHECK_OK(gamenet_reader_get_data_view(g.r, &info, &view));
    CHECK(info.len == 2 && view != NULL);
    CHECK_OK(gamenet_view_bytes(view, &bytes, &n));
    CHECK(n == 2 && memcmp(bytes, "xy", 2) == 0);
    CHECK_OK(gamenet_view_free(view));
    CHECK_OK(gamenet_reader_get_data_view(g.r, &info, &view));
    CHECK(info.len == 0);
    CHECK_OK(gamenet_view_bytes(view, &bytes, &n));
    CHECK(n == 0);
    CHECK_OK(gamenet_view_free(view));
    CHECK_RC(gamenet_reader_get_data_view(g.r, &info, &view), GAMENET_EMPTY);
    CHECK(view == NULL);
    CHECK_RC(gamenet_reader_get_data(g.r, &info, buf, sizeof buf, &n), GAMENET_EMPTY);
    CHECK_RC(gamenet_reader_get_data_batch(g.r, buf, sizeof buf, infos, 8, &count), GAMENET_EMPTY);
    CHECK_RC(gamenet_reader_get_data_batch(g.r, buf, sizeof buf, infos, 0, &count),
             GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_RC(gamenet_reader_get_data_batch(g.r, buf, sizeof buf, infos, SIZE_MAX, &count),
             GAMENET_ERR_INVALID_ARGUMENT);

    /* Back the other way, and a batch that only partly fits. */
    for (i = 0; i < 4; i++) {
        uint8_t d[10];
        memset(d, (int)i, sizeof d);
        CHECK_OK(gamenet_writer_send(g.w, g.server, d, sizeof d, true));
    }
    CHECK(wait_queued(g.r, 4) == 4);
    CHECK_RC(gamenet_reader_get_data_batch(g.r, buf, 5, infos, 8, &count),
             GAMENET_ERR_BUFFER_TOO_SMALL);
    CHECK(count == 0 && infos[0].len == 10);
    CHECK_OK(gamenet_reader_get_data_batch(g.r, buf, 25, infos, 8, &count));
    CHECK(count == 2 && infos[1].conn == g.client && buf[10] == 1);
    CHECK_OK(gamenet_reader_get_data_batch(g.r, buf, sizeof buf, infos, 1, &count));
    CHECK(count == 1 && buf[0] == 2);

    CHECK_OK(gamenet_writer_get_stats(g.w, &ws));
    CHECK(ws.datagrams_sent == 10 && ws.bytes_sent == 5 + 9 + 2 + 40);
    CHECK_OK(gamenet_reader_get_stats(g.r, &rs));
    CHECK(rs.datagrams == 10 && rs.connections == 2 && rs.queue_size == 1);
    CHECK_OK(gamenet_conn_get_stats(g.m, g.client, &cs));
    CHECK(cs.datagrams_out == 6 && cs.datagrams_in == 4);
    rig_close(&g);
}

static void udp(void) {
    gamenet_manager *m = NULL;
    gamenet_writer *w = NULL;
    gamenet_reader *r = NULL;
    gamenet_conn a = 0, b = 0;
    gamenet_address to, from;
    gamenet_datagram_info info;
    gamenet_reader_stats rs;
    uint8_t buf[1600];
    size_t n = 0;
    int i;
    bool yes = false;
    CHECK_OK(gamenet_manager_new(&m));
    CHECK_OK(gamenet_writer_new(m, 0, &w));
    CHECK_OK(gamenet_reader_new(m, 0, &r));
    CHECK_OK(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, &a));
    CHECK_OK(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, &b));
    CHECK_OK(gamenet_reader_add_connection(r, b));
    CHECK_OK(gamenet_conn_get_local_address(m, b, &to));
    CHECK_OK(gamenet_conn_get_local_address(m, a, &from));
    CHECK_OK(gamenet_writer_is_valid_for_udp(w, 1500, &yes));
    CHECK(yes);
    CHECK_OK(gamenet_writer_is_valid_for_udp(w, 1501, &yes));
    CHECK(!yes);
    CHECK_RC(gamenet_writer_send_to(w, a, &to, buf, 1501, false), GAMENET_ERR_TOO_LARGE);
    CHECK_RC(gamenet_writer_send(w, a, buf, 4, false), GAMENET_ERR_WRONG_KIND);
    CHECK_OK(gamenet_writer_send_to(w, a, &to, (const uint8_t *)"ping", 4, false));
    CHECK_OK(gamenet_reader_poll(r, 5000));
    CHECK_OK(gamenet_reader_get_data(r, &info, buf, sizeof buf, &n));
    CHECK(n == 4 && memcmp(buf, "ping", 4) == 0 && info.conn == b);
    CHECK(info.from.port == from.port);
    /* A batch, each datagram with its own address, in one call (sendmmsg). */
    {
        gamenet_address tos[3];
        static const uint8_t packed[6] = {'a', 'b', 'b', 'c', 'c', 'c'};
        size_t lens[3] = {1, 2, 3}, sent = 0, got = 0;
        tos[0] = tos[1] = tos[2] = to;
        CHECK_OK(gamenet_writer_send_to_batch(w, a, tos, packed, lens, 3, false, &sent));
        CHECK(sent == 3);
        while (got < 3 && gamenet_reader_poll(r, 5000) == GAMENET_OK) {
            if (gamenet_reader_get_data(r, &info, buf, sizeof buf, &n) == GAMENET_OK) {
                CHECK(n == lens[got] && buf[0] == packed[got == 0 ? 0 : got == 1 ? 1 : 3]);
                got++;
            }
        }
        CHECK(got == 3);
        lens[1] = 1600;
        CHECK_OK(gamenet_writer_send_to_batch(w, a, tos, buf, lens, 3, false, &sent));
        CHECK(sent == 1); /* stops before the datagram above the UDP limit */
        CHECK_RC(gamenet_writer_send_to_batch(w, a, tos + 1, buf, lens + 1, 2, false, &sent),
                 GAMENET_ERR_TOO_LARGE);
        while (gamenet_reader_poll(r, 100) == GAMENET_OK &&
               gamenet_reader_get_data(r, &info, buf, sizeof buf, &n) == GAMENET_OK) {}
    }
    /* A queue of 2 and 20 datagrams: 18 dropped, counted and flagged. */
    CHECK_OK(gamenet_reader_set_max_queue_size(r, 2));
    for (i = 0; i < 20; i++) {
        CHECK_OK(gamenet_writer_send_to(w, a, &to, (const uint8_t *)&i, sizeof i, false));
    }
    for (i = 0; i < 20000; i++) {
        CHECK_OK(gamenet_reader_get_stats(r, &rs));
        if (rs.dropped_overflow == 18) break;
        data_available(r); /* a polling reader reads here */
        sleep_ms(1);
    }
    CHECK(rs.dropped_overflow == 18);
    CHECK_OK(gamenet_reader_take_overflow(r, &yes));
    CHECK(yes);
    CHECK_OK(gamenet_reader_take_overflow(r, &yes));
    CHECK(!yes);
    CHECK_OK(gamenet_reader_free(r));
    CHECK_OK(gamenet_writer_free(w));
    CHECK_OK(gamenet_manager_free(m));
}

static void peer_close_and_oversize(void) {
    struct rig g;
    gamenet_reset_info info;
    uint8_t big[70000];
    int i, seen = 0;
    bool ok = true;
    rig_open(&g, 1);
    memset(big, 0, sizeof big);
    CHECK_RC(gamenet_writer_send(g.w, g.client, big, sizeof big, false), GAMENET_ERR_TOO_LARGE);
    CHECK_OK(gamenet_writer_send(g.w, g.client, (const uint8_t *)"bye", 3, true));
    CHECK(wait_queued(g.r, 1) == 1);
    CHECK_OK(gamenet_reader_is_connection_ok(g.r, g.server, &ok));
    CHECK(ok);
    CHECK_OK(gamenet_manager_close_connection(g.m, g.client));
    for (i = 0; i < 20000 && seen < 2; i++) {
        while (gamenet_manager_get_reset_connection(g.m, &info) == GAMENET_OK) {
            seen++;
            if (info.conn == g.client) CHECK(info.reason == GAMENET_CLOSE_LOCAL);
            if (info.conn == g.server) CHECK(info.reason == GAMENET_CLOSE_PEER_CLOSED);
        }
        if (seen < 2) {
            data_available(g.r); /* polling readers read here */
            sleep_ms(1);
        }
    }
    CHECK(seen == 2);
    CHECK_OK(gamenet_reader_is_connection_ok(g.r, g.server, &ok));
    CHECK(!ok);
    CHECK_RC(gamenet_writer_send(g.w, g.server, big, 1, false), GAMENET_ERR_UNKNOWN_CONNECTION);
    rig_close(&g);
}

static void settings(void) {
    gamenet_manager *m = NULL;
    gamenet_writer *w = NULL;
    gamenet_reader *r = NULL;
    size_t n = 0;
    int32_t h = 0;
    bool on = false;
    uint32_t ms = 0;
    CHECK_OK(gamenet_manager_new(&m));
    CHECK_OK(gamenet_writer_new(m, 2, &w));
    CHECK_OK(gamenet_reader_new_recent(m, 1, &r));
    CHECK_OK(gamenet_writer_get_max_queue_size(w, &n));
    CHECK(n == GAMENET_WRITER_DEFAULT_MAX_QUEUE);
    CHECK_OK(gamenet_writer_set_max_queue_size(w, 10));
    CHECK_OK(gamenet_writer_get_max_queue_size(w, &n));
    CHECK(n == 10);
    CHECK_RC(gamenet_writer_set_max_queue_size(w, 0), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_writer_get_max_queue_per_connection(w, &n));
    CHECK(n == GAMENET_WRITER_DEFAULT_MAX_QUEUE_PER_CONNECTION);
    CHECK_OK(gamenet_writer_set_max_queue_per_connection(w, 7));
    CHECK_OK(gamenet_writer_get_max_queue_per_connection(w, &n));
    CHECK(n == 7);
    CHECK_RC(gamenet_writer_set_max_queue_per_connection(w, 0), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_writer_get_current_queue_size(w, &n));
    CHECK(n == 0);
    CHECK_RC(gamenet_writer_set_tcp_header_size(w, 3), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_writer_set_tcp_header_size(w, 4));
    CHECK_OK(gamenet_writer_get_tcp_header_size(w, &h));
    CHECK(h == 4);
    CHECK_OK(gamenet_writer_set_raw_mode(w, true));
    CHECK_OK(gamenet_writer_get_raw_mode(w, &on));
    CHECK(on);
    CHECK_OK(gamenet_writer_set_max_buffer_bytes(w, 4096));
    CHECK_RC(gamenet_writer_set_max_buffer_bytes(w, 0), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_writer_set_udp_max_size(w, 1200));
    CHECK_OK(gamenet_writer_is_valid_for_udp(w, 1201, &on));
    CHECK(!on);
    CHECK_RC(gamenet_writer_set_udp_max_size(w, 70000), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_RC(gamenet_writer_set_collect_tcp(w, true, 0), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_writer_set_collect_tcp(w, true, 25));
    CHECK_OK(gamenet_writer_get_collect_tcp(w, &on, &ms));
    CHECK(on && ms == 25);
    CHECK_OK(gamenet_writer_set_collect_tcp(w, false, 0));
    CHECK_OK(gamenet_writer_get_collect_tcp(w, &on, &ms));
    CHECK(!on);
    CHECK_OK(gamenet_writer_set_send_timeout(w, 10));
    CHECK_OK(gamenet_reader_get_max_datagram_size(r, &n));
    CHECK(n == 65535);
    CHECK_OK(gamenet_reader_set_tcp_header_size(r, 4));
    CHECK_OK(gamenet_reader_get_tcp_header_size(r, &h));
    CHECK(h == 4);
    CHECK_OK(gamenet_reader_get_max_datagram_size(r, &n));
    CHECK(n == 1048576);
    CHECK_OK(gamenet_reader_set_max_datagram_size(r, 1000));
    CHECK_OK(gamenet_reader_get_max_datagram_size(r, &n));
    CHECK(n == 1000);
    CHECK_OK(gamenet_reader_set_raw_mode(r, true));
    CHECK_RC(gamenet_reader_set_max_queue_size(r, 0), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_reader_get_max_queue_per_connection(r, &n));
    CHECK(n == GAMENET_READER_DEFAULT_MAX_QUEUE_PER_CONNECTION);
    CHECK_OK(gamenet_reader_set_max_queue_per_connection(r, 5));
    CHECK_OK(gamenet_reader_get_max_queue_per_connection(r, &n));
    CHECK(n == 5);
    CHECK_RC(gamenet_reader_set_max_queue_per_connection(r, 0), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_reader_get_busy_poll(r, &ms));
    CHECK(ms == 50);
    CHECK_OK(gamenet_reader_set_busy_poll(r, 0));
    CHECK_OK(gamenet_reader_get_busy_poll(r, &ms));
    CHECK(ms == 0);
    CHECK_OK(gamenet_reader_set_busy_poll(r, 10000));
    CHECK_RC(gamenet_reader_set_busy_poll(r, 10001), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK(strstr(last_error(), "busy-poll") != NULL);
    CHECK_OK(gamenet_reader_get_busy_poll(r, &ms));
    CHECK(ms == 10000);
    CHECK_OK(gamenet_reader_set_busy_poll(r, 0));
    CHECK_RC(gamenet_reader_add_connection(r, 12345), GAMENET_ERR_UNKNOWN_CONNECTION);
    CHECK_RC(gamenet_reader_remove_connection(r, 12345), GAMENET_ERR_UNKNOWN_CONNECTION);
    CHECK_RC(gamenet_reader_poll(r, 0), GAMENET_EMPTY);
    CHECK_OK(gamenet_reader_shutdown(r));
    /* Shut down with nothing queued: a wait ends at once, and says why. */
    CHECK_RC(gamenet_reader_poll(r, -1), GAMENET_ERR_CLOSED);
    CHECK_RC(gamenet_reader_poll(r, 0), GAMENET_ERR_CLOSED);
    CHECK_OK(gamenet_reader_free(r));
    CHECK_OK(gamenet_writer_free(w));
    CHECK_OK(gamenet_manager_free(m));
}

int main(void) {
    round_trip(0);
    round_trip(2);
    udp();
    peer_close_and_oversize();
    settings();
    DONE();
}
