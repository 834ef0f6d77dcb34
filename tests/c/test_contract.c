/* The C contract: version, result codes, last error, the panic boundary, handles that are
   freed twice, foreign or garbage, stale and foreign connection ids, the log callback and
   its userdata_free, concurrency, and no process-wide side effects. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "check.h"

static void version_and_codes(void) {
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", GAMENET_VERSION_MAJOR, GAMENET_VERSION_MINOR,
             GAMENET_VERSION_PATCH);
    CHECK(strcmp(gamenet_version(), want) == 0);
    CHECK(strcmp(gamenet_result_str(GAMENET_OK), "ok") == 0);
    CHECK(strcmp(gamenet_result_str(GAMENET_ERR_UNKNOWN_CONNECTION),
                 "unknown connection (closed, foreign, or 0)") == 0);
    CHECK(strcmp(gamenet_result_str(-7), "unknown result code") == 0);
    CHECK(strcmp(gamenet_result_str(12345), "unknown result code") == 0);
    CHECK(GAMENET_ERR_PANIC == 100);
}

static void last_error_rules(void) {
    gamenet_address a;
    char small[4];
    char big[256];
    size_t n = 0;
    CHECK_RC(gamenet_address_parse("not an address", &a), GAMENET_ERR_ADDRESS_PARSE);
    /* Ask for the length, then fetch with a buffer that is one byte short, then exactly. */
    CHECK_RC(gamenet_last_error(NULL, 0, &n), GAMENET_ERR_BUFFER_TOO_SMALL);
    CHECK(n > 10);
    CHECK_RC(gamenet_last_error(small, sizeof small, &n), GAMENET_ERR_BUFFER_TOO_SMALL);
    CHECK_OK(gamenet_last_error(big, n + 1, &n));
    CHECK(strlen(big) == n);
    CHECK(strstr(big, "'not an address' is not an address") != NULL);
    /* A successful call leaves the last error as it was. */
    CHECK_OK(gamenet_address_parse("127.0.0.1:9", &a));
    CHECK(strstr(last_error(), "'not an address'") != NULL);
}

static void panic_boundary(void) {
    gamenet_datagram *d = NULL;
    CHECK_RC(gamenet_debug_panic("boom from C"), GAMENET_ERR_PANIC);
    CHECK(strstr(last_error(), "panic inside gamenet: boom from C") != NULL);
    /* The library still works after a caught panic. */
    CHECK_OK(gamenet_datagram_new(&d));
    CHECK_OK(gamenet_datagram_add_uint8(d, 7));
    CHECK_OK(gamenet_datagram_free(d));
}

static void handles(void) {
    gamenet_manager *m = NULL;
    gamenet_manager *m2 = NULL;
    gamenet_datagram *d = NULL;
    gamenet_datagram_iterator *it = NULL;
    size_t n;
    static const uint8_t one = 1;

    CHECK_OK(gamenet_manager_new(&m));
    CHECK(m != NULL);
    CHECK_OK(gamenet_manager_free(m));
    CHECK_RC(gamenet_manager_free(m), GAMENET_ERR_INVALID_HANDLE);
    CHECK_RC(gamenet_manager_get_num_connections(m, &n), GAMENET_ERR_INVALID_HANDLE);
    CHECK(strstr(last_error(), "not live") != NULL);
    /* A new manager never takes over the handle value of a freed one. */
    CHECK_OK(gamenet_manager_new(&m2));
    CHECK(m2 != m);
    CHECK_RC(gamenet_manager_free(m), GAMENET_ERR_INVALID_HANDLE);
    CHECK_OK(gamenet_manager_get_num_connections(m2, &n));

    CHECK_OK(gamenet_datagram_new(&d));
    CHECK_OK(gamenet_datagram_free(d));
    CHECK_RC(gamenet_datagram_free(d), GAMENET_ERR_INVALID_HANDLE);
    CHECK_RC(gamenet_datagram_add_uint8(d, 1), GAMENET_ERR_INVALID_HANDLE);

    CHECK_OK(gamenet_datagram_iterator_new(&one, 1, &it));
    CHECK_OK(gamenet_datagram_iterator_free(it));
    CHECK_RC(gamenet_datagram_iterator_free(it), GAMENET_ERR_INVALID_HANDLE);
    CHECK_RC(gamenet_datagram_iterator_skip_bytes(it, 1), GAMENET_ERR_INVALID_HANDLE);

    /* A handle of another type, and a garbage value, are refused without being followed. */
    CHECK_OK(gamenet_datagram_new(&d));
    CHECK_RC(gamenet_manager_get_num_connections((gamenet_manager *)(void *)d, &n),
             GAMENET_ERR_INVALID_HANDLE);
    CHECK_RC(gamenet_manager_free((gamenet_manager *)(void *)d), GAMENET_ERR_INVALID_HANDLE);
    CHECK_OK(gamenet_datagram_add_uint8(d, 1)); /* still alive */
    CHECK_OK(gamenet_datagram_free(d));
    CHECK_RC(gamenet_manager_free((gamenet_manager *)(uintptr_t)0xdeadbeef),
             GAMENET_ERR_INVALID_HANDLE);
    CHECK_RC(gamenet_datagram_clear((gamenet_datagram *)(uintptr_t)1), GAMENET_ERR_INVALID_HANDLE);
    {
        gamenet_writer *w = NULL;
        gamenet_reader *r = NULL;
        gamenet_listener *l = NULL;
        uint64_t unsent = 0;
        bool yes = false;
        CHECK_OK(gamenet_writer_new(m2, 1, &w));
        CHECK_OK(gamenet_reader_new(m2, 1, &r));
        CHECK_OK(gamenet_listener_new(m2, 1, &l));
        CHECK_OK(gamenet_listener_set_reader(l, r));
        /* A reader handle where a listener is expected, and the reverse. */
        CHECK_RC(gamenet_listener_set_reader(l, (gamenet_reader *)(void *)l),
                 GAMENET_ERR_INVALID_HANDLE);
        CHECK_RC(gamenet_writer_flush((gamenet_writer *)(void *)r), GAMENET_ERR_INVALID_HANDLE);
        CHECK_OK(gamenet_writer_shutdown(w, 100, &unsent));
        CHECK(unsent == 0);
        CHECK_OK(gamenet_writer_free(w));
        CHECK_RC(gamenet_writer_free(w), GAMENET_ERR_INVALID_HANDLE);
        CHECK_RC(gamenet_writer_flush(w), GAMENET_ERR_INVALID_HANDLE);
        CHECK_OK(gamenet_reader_free(r));
        CHECK_RC(gamenet_reader_free(r), GAMENET_ERR_INVALID_HANDLE);
        CHECK_RC(gamenet_reader_data_available(r, &yes), GAMENET_ERR_INVALID_HANDLE);
        CHECK_OK(gamenet_listener_free(l));
        CHECK_RC(gamenet_listener_free(l), GAMENET_ERR_INVALID_HANDLE);
        CHECK_RC(gamenet_listener_poll(l, 0), GAMENET_ERR_INVALID_HANDLE);
    }
    CHECK_OK(gamenet_manager_free(m2));
}

/* The yes/no functions answer through *out, so that an error is never a "no": a freed
   handle is GAMENET_ERR_INVALID_HANDLE and leaves *out alone; a live one answers. */
static void answers_are_not_errors(void) {
    gamenet_manager *m = NULL;
    gamenet_reader *r = NULL;
    gamenet_writer *w = NULL;
    gamenet_listener *l = NULL;
    gamenet_conn u = 0;
    gamenet_address a;
    bool out;
    CHECK_OK(gamenet_manager_new(&m));
    CHECK_OK(gamenet_reader_new(m, 0, &r));
    CHECK_OK(gamenet_writer_new(m, 0, &w));
    CHECK_OK(gamenet_listener_new(m, 0, &l));
    CHECK_OK(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, &u));
    CHECK_OK(gamenet_reader_add_connection(r, u));

    out = true;
    CHECK_OK(gamenet_reader_data_available(r, &out));
    CHECK(!out);
    out = false;
    CHECK_OK(gamenet_reader_is_connection_ok(r, u, &out));
    CHECK(out);
    CHECK_OK(gamenet_reader_is_connection_ok(r, u + 1, &out)); /* unknown id: "no" */
    CHECK(!out);
    out = true;
    CHECK_OK(gamenet_reader_take_overflow(r, &out));
    CHECK(!out);
    CHECK_OK(gamenet_writer_is_valid_for_udp(w, 100, &out));
    CHECK(out);
    CHECK_OK(gamenet_manager_reset_connection_available(m, &out));
    CHECK(!out);
    out = true;
    CHECK_OK(gamenet_listener_new_connection_available(l, &out));
    CHECK(!out);
    CHECK_OK(gamenet_address_localhost(1, false, &a));
    out = true;
    CHECK_OK(gamenet_address_is_any(&a, &out));
    CHECK(!out);

    CHECK_OK(gamenet_reader_free(r));
    CHECK_OK(gamenet_writer_free(w));
    CHECK_OK(gamenet_listener_free(l));
    out = true;
    CHECK_RC(gamenet_reader_data_available(r, &out), GAMENET_ERR_INVALID_HANDLE);
    CHECK_RC(gamenet_reader_is_connection_ok(r, u, &out), GAMENET_ERR_INVALID_HANDLE);
    CHECK_RC(gamenet_reader_take_overflow(r, &out), GAMENET_ERR_INVALID_HANDLE);
    CHECK_RC(gamenet_writer_is_valid_for_udp(w, 100, &out), GAMENET_ERR_INVALID_HANDLE);
    CHECK_RC(gamenet_listener_new_connection_available(l, &out), GAMENET_ERR_INVALID_HANDLE);
    /* A handle of another type is refused the same way. */
    CHECK_RC(gamenet_reader_data_available((gamenet_reader *)(void *)m, &out),
             GAMENET_ERR_INVALID_HANDLE);
    CHECK(out); /* never written by a failing call */
    CHECK_OK(gamenet_manager_free(m));
    CHECK_RC(gamenet_manager_reset_connection_available(m, &out), GAMENET_ERR_INVALID_HANDLE);
    a.family = GAMENET_AF_NONE;
    CHECK_RC(gamenet_address_is_any(&a, &out), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK(out);
}

static void connection_ids(void) {
    gamenet_manager *a = NULL;
    gamenet_manager *b = NULL;
    gamenet_conn ua = 0, ub = 0;
    gamenet_address addr;
    gamenet_reset_info info;
    CHECK_OK(gamenet_manager_new(&a));
    CHECK_OK(gamenet_manager_new(&b));
    CHECK_OK(gamenet_manager_open_udp_connection(a, "127.0.0.1", 0, false, &ua));
    CHECK_OK(gamenet_manager_open_udp_connection(b, "127.0.0.1", 0, false, &ub));
    CHECK(ua != 0 && ub != 0 && ua != ub);
    /* Foreign: b's id on a. */
    CHECK_RC(gamenet_conn_get_local_address(a, ub, &addr), GAMENET_ERR_UNKNOWN_CONNECTION);
    CHECK_RC(gamenet_manager_close_connection(a, ub), GAMENET_ERR_UNKNOWN_CONNECTION);
    /* Zero and garbage. */
    CHECK_RC(gamenet_conn_get_local_address(a, 0, &addr), GAMENET_ERR_UNKNOWN_CONNECTION);
    CHECK_RC(gamenet_conn_get_local_address(a, UINT64_MAX, &addr), GAMENET_ERR_UNKNOWN_CONNECTION);
    CHECK(strstr(last_error(), "is closed, belongs to another manager, or never existed") != NULL);
    /* Stale: closed once, reported once, refused after. */
    CHECK_OK(gamenet_manager_close_connection(a, ua));
    CHECK_RC(gamenet_manager_close_connection(a, ua), GAMENET_ERR_UNKNOWN_CONNECTION);
    CHECK_RC(gamenet_conn_set_ttl(a, ua, 9), GAMENET_ERR_UNKNOWN_CONNECTION);
    CHECK_OK(gamenet_manager_get_reset_connection(a, &info));
    CHECK(info.conn == ua && info.reason == GAMENET_CLOSE_LOCAL);
    CHECK_RC(gamenet_manager_get_reset_connection(a, &info), GAMENET_EMPTY);
    /* A new connection in the same slot gets a new id; the stale one stays stale. */
    CHECK_OK(gamenet_manager_open_udp_connection(a, "127.0.0.1", 0, false, &ub));
    CHECK(ub != ua);
    CHECK_RC(gamenet_conn_get_local_address(a, ua, &addr), GAMENET_ERR_UNKNOWN_CONNECTION);
    CHECK_OK(gamenet_conn_get_local_address(a, ub, &addr));
    CHECK_OK(gamenet_manager_free(a));
    CHECK_OK(gamenet_manager_free(b));
}

struct log_state {
    int messages;
    int frees;
    int saw_open;
};

static void on_log(void *userdata, int32_t level, const char *msg, size_t len) {
    struct log_state *s = (struct log_state *)userdata;
    s->messages++;
    if (level == GAMENET_LOG_INFO && strlen(msg) == len && strstr(msg, "opened") != NULL) {
        s->saw_open++;
    }
}

static void on_free(void *userdata) {
    ((struct log_state *)userdata)->frees++;
}

static void log_callback(void) {
    gamenet_manager *m = NULL;
    gamenet_conn c = 0;
    struct log_state first = {0, 0, 0};
    struct log_state second = {0, 0, 0};
    CHECK_OK(gamenet_manager_new(&m));
    CHECK_RC(gamenet_manager_set_log_callback(m, on_log, &first, on_free, 9),
             GAMENET_ERR_INVALID_ARGUMENT);
    CHECK(first.frees == 0); /* refused: userdata not taken */
    CHECK_OK(gamenet_manager_set_log_callback(m, on_log, &first, on_free, GAMENET_LOG_INFO));
    CHECK_OK(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, &c));
    CHECK(first.saw_open == 1);
    /* Replacing frees the old userdata once. */
    CHECK_OK(gamenet_manager_set_log_callback(m, on_log, &second, on_free, GAMENET_LOG_ERROR));
    CHECK(first.frees == 1);
    CHECK_OK(gamenet_manager_close_connection(m, c)); /* INFO: filtered out */
    CHECK(second.messages == 0);
    CHECK_OK(gamenet_manager_free(m));
    CHECK(second.frees == 1);
    CHECK(first.frees == 1);
}

static void *hammer(void *arg) {
    gamenet_manager *shared = (gamenet_manager *)arg;
    int i;
    for (i = 0; i < 200; i++) {
        gamenet_datagram *d = NULL;
        gamenet_conn c = 0;
        size_t n = 0;
        if (gamenet_datagram_new(&d) != GAMENET_OK) return (void *)1;
        if (gamenet_datagram_add_uint32(d, (uint32_t)i) != GAMENET_OK) return (void *)1;
        if (gamenet_datagram_free(d) != GAMENET_OK) return (void *)1;
        if (gamenet_manager_open_udp_connection(shared, "127.0.0.1", 0, false, &c) != GAMENET_OK)
            return (void *)1;
        if (gamenet_manager_close_connection(shared, c) != GAMENET_OK) return (void *)1;
        if (gamenet_manager_get_num_connections(shared, &n) != GAMENET_OK) return (void *)1;
    }
    return NULL;
}

static void threads(void) {
    gamenet_manager *m = NULL;
    pthread_t t[4];
    int i, resets = 0;
    gamenet_reset_info info;
    CHECK_OK(gamenet_manager_new(&m));
    for (i = 0; i < 4; i++) CHECK(pthread_create(&t[i], NULL, hammer, m) == 0);
    for (i = 0; i < 4; i++) {
        void *ret = (void *)1;
        CHECK(pthread_join(t[i], &ret) == 0);
        CHECK(ret == NULL);
    }
    while (gamenet_manager_get_reset_connection(m, &info) == GAMENET_OK) resets++;
    CHECK(resets == 800); /* every close reported exactly once */
    CHECK_OK(gamenet_manager_free(m));
}

static void no_process_wide_side_effects(void) {
    struct sigaction sa;
    CHECK(sigaction(SIGPIPE, NULL, &sa) == 0);
    CHECK(sa.sa_handler == SIG_DFL);
}

int main(void) {
    version_and_codes();
    last_error_rules();
    panic_boundary();
    handles();
    answers_are_not_errors();
    connection_ids();
    log_callback();
    threads();
    no_process_wide_side_effects();
    DONE();
}
