/* Panda3D's queue and thread getters from C: the listener's bounded queue (a connection
   accepted while it is full is closed, reported once, and raises the flag), the manager's
   bounded reset queue, and the reader's and writer's getters. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "check.h"

static void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

/* Waits up to 20 s for the listener's overflow flag; returns it. */
static bool wait_listener_overflow(gamenet_listener *l) {
    bool flag = false;
    int ms;
    for (ms = 0; ms < 20000 && !flag; ms++) {
        bool any = false;
        CHECK_OK(gamenet_listener_new_connection_available(l, &any)); /* polling: accepts */
        CHECK_OK(gamenet_listener_get_overflow_flag(l, &flag));
        if (!flag) sleep_ms(1);
    }
    return flag;
}

static void listener_queue(void) {
    gamenet_manager *m = NULL;
    gamenet_listener *l = NULL;
    gamenet_conn rendezvous = 0, a = 0, b = 0;
    gamenet_address at;
    gamenet_new_connection nc;
    gamenet_reset_info info;
    size_t n = 0;
    bool flag = true;
    int refused = 0, ms;
    CHECK_OK(gamenet_manager_new(&m));
    CHECK_OK(gamenet_listener_new(m, 0, &l));
    CHECK_OK(gamenet_listener_get_num_threads(l, &n));
    CHECK(n == 0);
    CHECK_OK(gamenet_listener_get_max_queue_size(l, &n));
    CHECK(n == GAMENET_DEFAULT_MAX_QUEUED);
    CHECK_RC(gamenet_listener_set_max_queue_size(l, 0), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_listener_set_max_queue_size(l, 1));
    CHECK_OK(gamenet_listener_get_max_queue_size(l, &n));
    CHECK(n == 1);
    CHECK_OK(gamenet_listener_get_overflow_flag(l, &flag));
    CHECK(!flag);
    CHECK_OK(gamenet_manager_open_tcp_server_rendezvous(m, "127.0.0.1", 0, 8, &rendezvous));
    CHECK_OK(gamenet_listener_add_connection(l, rendezvous));
    CHECK_OK(gamenet_conn_get_local_address(m, rendezvous, &at));
    CHECK_OK(gamenet_manager_open_tcp_client_connection(m, &at, 5000, &a));
    CHECK_OK(gamenet_manager_open_tcp_client_connection(m, &at, 5000, &b));
    /* Two arrive, one fits: the other is closed and the flag goes up. */
    CHECK(wait_listener_overflow(l));
    CHECK_OK(gamenet_listener_get_current_queue_size(l, &n));
    CHECK(n == 1);
    /* The refused one is on the reset queue, with its reason. */
    for (ms = 0; ms < 20000 && refused == 0; ms++) {
        while (gamenet_manager_get_reset_connection(m, &info) == GAMENET_OK) {
            CHECK(info.conn != a && info.conn != b); /* the server side, not a client */
            CHECK(info.reason == GAMENET_CLOSE_LOCAL);
            CHECK(strstr(info.message, "queue") != NULL);
            refused++;
        }
        if (refused == 0) sleep_ms(1);
    }
    CHECK(refused == 1);
    CHECK_OK(gamenet_listener_get_new_connection(l, &nc));
    CHECK_OK(gamenet_listener_get_current_queue_size(l, &n));
    CHECK(n == 0);
    CHECK_OK(gamenet_listener_get_overflow_flag(l, &flag));
    CHECK(flag); /* stays up until reset */
    CHECK_OK(gamenet_listener_reset_overflow_flag(l));
    CHECK_OK(gamenet_listener_get_overflow_flag(l, &flag));
    CHECK(!flag);
    CHECK_OK(gamenet_listener_free(l));
    CHECK_OK(gamenet_manager_free(m));
}

static void reset_queue(void) {
    gamenet_manager *m = NULL;
    gamenet_conn c[3];
    gamenet_reset_info info;
    size_t n = 0;
    bool flag = true;
    int i;
    CHECK_OK(gamenet_manager_new(&m));
    CHECK_OK(gamenet_manager_get_max_queue_size(m, &n));
    CHECK(n == GAMENET_DEFAULT_MAX_QUEUED);
    CHECK_RC(gamenet_manager_set_max_queue_size(m, 0), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_manager_set_max_queue_size(m, 2));
    CHECK_OK(gamenet_manager_get_max_queue_size(m, &n));
    CHECK(n == 2);
    for (i = 0; i < 3; i++) {
        CHECK_OK(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, &c[i]));
    }
    for (i = 0; i < 3; i++) CHECK_OK(gamenet_manager_close_connection(m, c[i]));
    CHECK_OK(gamenet_manager_get_current_queue_size(m, &n));
    CHECK(n == 2);
    CHECK_OK(gamenet_manager_get_overflow_flag(m, &flag));
    CHECK(flag);
    CHECK_OK(gamenet_manager_get_reset_connection(m, &info));
    CHECK(info.conn == c[0]);
    CHECK_OK(gamenet_manager_get_reset_connection(m, &info));
    CHECK(info.conn == c[1]);
    CHECK_RC(gamenet_manager_get_reset_connection(m, &info), GAMENET_EMPTY);
    CHECK_OK(gamenet_manager_reset_overflow_flag(m));
    CHECK_OK(gamenet_manager_get_overflow_flag(m, &flag));
    CHECK(!flag);
    CHECK_OK(gamenet_manager_free(m));
}

static void reader_and_writer(void) {
    gamenet_manager *m = NULL;
    gamenet_reader *r = NULL;
    gamenet_writer *w = NULL;
    gamenet_conn rx = 0, tx = 0;
    gamenet_address to;
    size_t n = 0;
    bool flag = true;
    int i, ms;
    CHECK_OK(gamenet_manager_new(&m));
    CHECK_OK(gamenet_reader_new(m, 2, &r));
    CHECK_OK(gamenet_writer_new(m, 0, &w));
    CHECK_OK(gamenet_reader_get_num_threads(r, &n));
    CHECK(n == 2);
    CHECK_OK(gamenet_writer_get_num_threads(w, &n));
    CHECK(n == 0);
    CHECK_OK(gamenet_reader_get_raw_mode(r, &flag));
    CHECK(!flag);
    CHECK_OK(gamenet_reader_set_raw_mode(r, true));
    CHECK_OK(gamenet_reader_get_raw_mode(r, &flag));
    CHECK(flag);
    CHECK_OK(gamenet_reader_get_max_queue_size(r, &n));
    CHECK(n == GAMENET_READER_DEFAULT_MAX_QUEUE);
    CHECK_OK(gamenet_reader_set_max_queue_size(r, 1));
    CHECK_OK(gamenet_reader_get_max_queue_size(r, &n));
    CHECK(n == 1);
    /* Three UDP datagrams into a queue of one: the flag goes up and stays up. */
    CHECK_OK(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, &rx));
    CHECK_OK(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, &tx));
    CHECK_OK(gamenet_reader_add_connection(r, rx));
    CHECK_OK(gamenet_conn_get_local_address(m, rx, &to));
    CHECK_OK(gamenet_reader_get_overflow_flag(r, &flag));
    CHECK(!flag);
    for (i = 0; i < 3; i++) {
        CHECK_OK(gamenet_writer_send_to(w, tx, &to, (const uint8_t *)"x", 1, false));
    }
    for (ms = 0; ms < 20000 && !flag; ms++) {
        CHECK_OK(gamenet_reader_get_overflow_flag(r, &flag));
        if (!flag) sleep_ms(1);
    }
    CHECK(flag);
    CHECK_OK(gamenet_reader_get_overflow_flag(r, &flag));
    CHECK(flag);
    CHECK_OK(gamenet_reader_reset_overflow_flag(r));
    CHECK_OK(gamenet_reader_get_overflow_flag(r, &flag));
    CHECK(!flag);
    CHECK_OK(gamenet_reader_free(r));
    CHECK_OK(gamenet_writer_free(w));
    CHECK_OK(gamenet_manager_free(m));
}

int main(void) {
    listener_queue();
    reset_queue();
    reader_and_writer();
    DONE();
}
