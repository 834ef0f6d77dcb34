/* Zero-copy views (gamenet_view): each view owns its datagram, so any number can be held
   at once, from any thread, and a view outlives its reader; a freed, doubly freed or
   foreign view is an error code, never a dangling pointer. Built with ASan: a view whose
   bytes were freed under it fails here as heap-use-after-free. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>

#include "check.h"

#include "udp_pair.h"

/* The number in a "dg NNN" view, or -1. */
static int number_of(gamenet_view *v) {
    const uint8_t *p = NULL;
    size_t n = 0;
    if (gamenet_view_bytes(v, &p, &n) != GAMENET_OK || n != 6 || memcmp(p, "dg ", 3) != 0)
        return -1;
    return (p[3] - '0') * 100 + (p[4] - '0') * 10 + (p[5] - '0');
}

static void two_views_at_once(void) {
    struct udp_pair u;
    gamenet_datagram_info info;
    gamenet_view *v1 = NULL, *v2 = NULL, *v3 = NULL;
    const uint8_t *p1 = NULL, *p2 = NULL;
    size_t n1 = 0, n2 = 0;
    udp_open(&u);
    send_numbered(&u, 2);
    CHECK_OK(gamenet_reader_get_data_view(u.r, &info, &v1));
    CHECK(v1 != NULL && info.len == 6 && info.conn == u.b && info.offset == 0);
    CHECK_OK(gamenet_view_bytes(v1, &p1, &n1));
    /* Taking a second view leaves the first, and the pointer already read, as they were. */
    CHECK_OK(gamenet_reader_get_data_view(u.r, &info, &v2));
    CHECK(v2 != NULL && v2 != v1);
    CHECK(n1 == 6 && memcmp(p1, "dg 000", 6) == 0);
    CHECK_OK(gamenet_view_bytes(v2, &p2, &n2));
    CHECK(n2 == 6 && memcmp(p2, "dg 001", 6) == 0);
    CHECK(number_of(v1) == 0 && number_of(v2) == 1);
    /* Nothing left: GAMENET_EMPTY and *out NULL. */
    v3 = (gamenet_view *)(uintptr_t)1;
    CHECK_RC(gamenet_reader_get_data_view(u.r, &info, &v3), GAMENET_EMPTY);
    CHECK(v3 == NULL);
    /* Freeing one view leaves the other; a freed view is an error, not a dangling read. */
    CHECK_OK(gamenet_view_free(v2));
    CHECK(memcmp(p1, "dg 000", 6) == 0);
    CHECK_RC(gamenet_view_free(v2), GAMENET_ERR_INVALID_HANDLE);
    p2 = NULL;
    n2 = 99;
    CHECK_RC(gamenet_view_bytes(v2, &p2, &n2), GAMENET_ERR_INVALID_HANDLE);
    CHECK(p2 == NULL && n2 == 99);
    CHECK(strstr(last_error(), "gamenet_view handle") != NULL);
    /* Garbage, and a handle of another type, are refused without being followed. */
    CHECK_RC(gamenet_view_free((gamenet_view *)(uintptr_t)0xdeadbeef), GAMENET_ERR_INVALID_HANDLE);
    CHECK_RC(gamenet_view_bytes((gamenet_view *)(void *)u.r, &p2, &n2),
             GAMENET_ERR_INVALID_HANDLE);
    CHECK_RC(gamenet_reader_get_current_queue_size((gamenet_reader *)(void *)v1, &n2),
             GAMENET_ERR_INVALID_HANDLE);
    /* Whatever fails, *out is NULL afterwards: a bad reader handle, a NULL reader. */
    v3 = (gamenet_view *)(uintptr_t)0x1234;
    CHECK_RC(gamenet_reader_get_data_view((gamenet_reader *)(uintptr_t)0xdeadbeef, &info, &v3),
             GAMENET_ERR_INVALID_HANDLE);
    CHECK(v3 == NULL);
    v3 = (gamenet_view *)(uintptr_t)0x1234;
    CHECK_RC(gamenet_reader_get_data_view(NULL, &info, &v3), GAMENET_ERR_NULL_POINTER);
    CHECK(v3 == NULL);
    CHECK_OK(gamenet_view_free(v1));
    CHECK_RC(gamenet_view_free(v1), GAMENET_ERR_INVALID_HANDLE);
    CHECK_OK(gamenet_view_free(NULL));
    udp_close(&u);
}

/* A large TCP datagram is handed over in the buffer it was read into; a small one in its
   own copy. Both stay readable after the reader, writer, listener and manager are freed. */
static void views_outlive_their_reader(void) {
    enum { BIG = 200000 };
    gamenet_manager *m = NULL;
    gamenet_listener *l = NULL;
    gamenet_reader *r = NULL;
    gamenet_writer *w = NULL;
    gamenet_conn rv = 0, client = 0;
    gamenet_address at;
    gamenet_new_connection nc;
    gamenet_datagram_info info;
    gamenet_view *big = NULL, *tail = NULL;
    const uint8_t *p = NULL;
    uint8_t *data = malloc(BIG);
    size_t n = 0, i, wrong = 0;
    int tries;
    for (i = 0; i < BIG; i++) data[i] = (uint8_t)(i * 7);
    CHECK_OK(gamenet_manager_new(&m));
    CHECK_OK(gamenet_listener_new(m, 0, &l));
    CHECK_OK(gamenet_reader_new(m, 1, &r));
    CHECK_OK(gamenet_writer_new(m, 0, &w));
    CHECK_OK(gamenet_reader_set_tcp_header_size(r, 4));
    CHECK_OK(gamenet_writer_set_tcp_header_size(w, 4));
    CHECK_OK(gamenet_listener_set_reader(l, r));
    CHECK_OK(gamenet_manager_open_tcp_server_rendezvous(m, "127.0.0.1", 0, 4, &rv));
    CHECK_OK(gamenet_listener_add_connection(l, rv));
    CHECK_OK(gamenet_conn_get_local_address(m, rv, &at));
    CHECK_OK(gamenet_manager_open_tcp_client_connection(m, &at, 5000, &client));
    CHECK_OK(gamenet_listener_poll(l, 10000));
    CHECK_OK(gamenet_listener_get_new_connection(l, &nc));
    CHECK_OK(gamenet_writer_send(w, client, data, BIG, true));
    CHECK_OK(gamenet_writer_send(w, client, (const uint8_t *)"tail", 4, true));
    for (tries = 0; tries < 200 && big == NULL; tries++) {
        CHECK(gamenet_reader_poll(r, 100) != GAMENET_ERR_INVALID_HANDLE);
        gamenet_writer_flush(w);
        if (gamenet_reader_get_data_view(r, &info, &big) == GAMENET_OK) CHECK(info.len == BIG);
    }
    for (tries = 0; tries < 200 && tail == NULL; tries++) {
        CHECK(gamenet_reader_poll(r, 100) != GAMENET_ERR_INVALID_HANDLE);
        gamenet_writer_flush(w);
        if (gamenet_reader_get_data_view(r, &info, &tail) == GAMENET_OK) CHECK(info.len == 4);
    }
    CHECK(big != NULL && tail != NULL);
    CHECK_OK(gamenet_reader_free(r));
    CHECK_OK(gamenet_writer_free(w));
    CHECK_OK(gamenet_listener_free(l));
    CHECK_OK(gamenet_manager_free(m));
    CHECK_OK(gamenet_view_bytes(big, &p, &n));
    CHECK(n == BIG);
    for (i = 0; i < n; i++) wrong += p[i] != data[i];
    CHECK(wrong == 0);
    CHECK_OK(gamenet_view_bytes(tail, &p, &n));
    CHECK(n == 4 && memcmp(p, "tail", 4) == 0);
    CHECK_OK(gamenet_view_free(big));
    CHECK_OK(gamenet_view_free(tail));
    free(data);
}

/* Two threads take views from one reader at the same time, each holding up to 8 at once
   and checking them again before freeing them: another thread's call never touches a
   view it does not own. */
struct taker {
    gamenet_reader *r;
    int seen[NUMBERED];
    int bad;
};

static void *take_views(void *arg) {
    struct taker *t = (struct taker *)arg;
    gamenet_view *held[8];
    int numbers[8];
    int k = 0, j;
    gamenet_datagram_info info;
    for (;;) {
        gamenet_view *v = NULL;
        gamenet_result rc = gamenet_reader_get_data_view(t->r, &info, &v);
        if (rc != GAMENET_OK) {
            if (rc != GAMENET_EMPTY) t->bad++;
            break;
        }
        numbers[k] = number_of(v);
        if (numbers[k] < 0 || numbers[k] >= NUMBERED) t->bad++;
        else t->seen[numbers[k]]++;
        held[k++] = v;
        if (k == 8) {
            for (j = 0; j < k; j++) {
                if (number_of(held[j]) != numbers[j]) t->bad++;
                if (gamenet_view_free(held[j]) != GAMENET_OK) t->bad++;
            }
            k = 0;
        }
    }
    for (j = 0; j < k; j++) {
        if (number_of(held[j]) != numbers[j]) t->bad++;
        if (gamenet_view_free(held[j]) != GAMENET_OK) t->bad++;
    }
    return NULL;
}

static void views_across_threads(void) {
    struct udp_pair u;
    static struct taker t[2];
    pthread_t th[2];
    int i, once = 0;
    udp_open(&u);
    send_numbered(&u, NUMBERED);
    memset(t, 0, sizeof t);
    for (i = 0; i < 2; i++) {
        t[i].r = u.r;
        CHECK(pthread_create(&th[i], NULL, take_views, &t[i]) == 0);
    }
    for (i = 0; i < 2; i++) CHECK(pthread_join(th[i], NULL) == 0);
    CHECK(t[0].bad == 0 && t[1].bad == 0);
    for (i = 0; i < NUMBERED; i++) once += t[0].seen[i] + t[1].seen[i] == 1;
    CHECK(once == NUMBERED);
    udp_close(&u);
}

int main(void) {
    two_views_at_once();
    views_outlive_their_reader();
    views_across_threads();
    DONE();
}
