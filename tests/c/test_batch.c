/* Zero-copy batches (gamenet_reader_get_batch): the oldest datagrams, in order, in the
   buffers the reader read them into; a batch keeps its bytes until it is freed, whatever
   the reader does meanwhile, its free included; a freed, doubly freed or foreign batch is
   an error code. Built with ASan: bytes freed under a held batch fail here as
   heap-use-after-free. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "check.h"
#include "udp_pair.h"

/* The number in a "dg NNN" datagram, or -1. */
static int number_in(const gamenet_datagram_ref *ref) {
    const uint8_t *p = ref->data;
    if (ref->len != 6 || memcmp(p, "dg ", 3) != 0) return -1;
    return (p[3] - '0') * 100 + (p[4] - '0') * 10 + (p[5] - '0');
}

static void batches_in_order_and_outliving_the_reader(void) {
    struct udp_pair u;
    gamenet_datagram_ref refs[200];
    gamenet_batch *b1 = NULL, *b2 = NULL, *b3 = NULL;
    size_t n1 = 0, n2 = 0, n3 = 7, queued = 0, i;
    int in_order = 1;
    udp_open(&u);
    send_numbered(&u, NUMBERED);
    /* At most max_refs: the first 50, oldest first, from b, sent by a. */
    CHECK_OK(gamenet_reader_get_batch(u.r, refs, 50, &n1, &b1));
    CHECK(b1 != NULL && n1 == 50);
    for (i = 0; i < n1; i++) in_order &= number_in(&refs[i]) == (int)i && refs[i].conn == u.b;
    CHECK(in_order);
    CHECK(refs[0].from.port != 0);
    CHECK_OK(gamenet_reader_get_current_queue_size(u.r, &queued));
    CHECK(queued == NUMBERED - 50);
    /* A second batch while the first is held: the rest, and the first is untouched. */
    {
        const gamenet_datagram_ref first = refs[0], last = refs[49];
        CHECK_OK(gamenet_reader_get_batch(u.r, refs + 50, 150, &n2, &b2));
        CHECK(b2 != NULL && b2 != b1 && n2 == NUMBERED - 50);
        in_order = 1;
        for (i = 0; i < n2; i++) in_order &= number_in(&refs[50 + i]) == (int)(50 + i);
        CHECK(in_order);
        CHECK(number_in(&first) == 0 && number_in(&last) == 49);
    }
    /* Nothing left: GAMENET_EMPTY, the batch NULL and the count 0. */
    b3 = (gamenet_batch *)(uintptr_t)1;
    CHECK_RC(gamenet_reader_get_batch(u.r, refs, 200, &n3, &b3), GAMENET_EMPTY);
    CHECK(b3 == NULL && n3 == 0);
    /* max_refs 0 is refused with a message, and takes nothing. */
    send_numbered(&u, 1);
    CHECK_RC(gamenet_reader_get_batch(u.r, refs, 0, &n3, &b3), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK(strstr(last_error(), "max_refs") != NULL && b3 == NULL);
    CHECK_OK(gamenet_reader_get_current_queue_size(u.r, &queued));
    CHECK(queued == 1);
    /* A bad reader or NULL arguments: an error, and *out_batch NULL. */
    b3 = (gamenet_batch *)(uintptr_t)0x1234;
    CHECK_RC(gamenet_reader_get_batch((gamenet_reader *)(uintptr_t)0xdeadbeef, refs, 5, &n3, &b3),
             GAMENET_ERR_INVALID_HANDLE);
    CHECK(b3 == NULL);
    CHECK_RC(gamenet_reader_get_batch(u.r, NULL, 5, &n3, &b3), GAMENET_ERR_NULL_POINTER);
    CHECK_RC(gamenet_reader_get_batch(u.r, refs, 5, NULL, &b3), GAMENET_ERR_NULL_POINTER);
    CHECK_RC(gamenet_reader_get_batch(u.r, refs, 5, &n3, NULL), GAMENET_ERR_NULL_POINTER);
    /* The batches outlive the reader, the writer and the manager. */
    udp_close(&u);
    in_order = 1;
    for (i = 0; i < NUMBERED; i++) in_order &= number_in(&refs[i]) == (int)i;
    CHECK(in_order);
    CHECK_OK(gamenet_batch_free(b1));
    CHECK_RC(gamenet_batch_free(b1), GAMENET_ERR_INVALID_HANDLE);
    CHECK(strstr(last_error(), "gamenet_batch handle") != NULL);
    CHECK_RC(gamenet_batch_free((gamenet_batch *)(uintptr_t)0xdeadbeef), GAMENET_ERR_INVALID_HANDLE);
    CHECK(number_in(&refs[NUMBERED - 1]) == NUMBERED - 1);
    CHECK_OK(gamenet_batch_free(b2));
    CHECK_OK(gamenet_batch_free(NULL));
}

/* TCP through a polling reader: get_batch reads the socket itself, the blocks go back to
   the reader when freed and are filled again, and every byte arrives. */
static void tcp_batches_through_a_polling_reader(void) {
    enum { N = 5000, SIZE = 100 };
    gamenet_manager *m = NULL;
    gamenet_listener *l = NULL;
    gamenet_reader *r = NULL;
    gamenet_writer *w = NULL;
    gamenet_conn rv = 0, client = 0;
    gamenet_address at;
    gamenet_new_connection nc;
    static gamenet_datagram_ref refs[64];
    uint8_t data[SIZE];
    int sent = 0, got = 0, bad = 0, spins = 0;
    CHECK_OK(gamenet_manager_new(&m));
    CHECK_OK(gamenet_listener_new(m, 0, &l));
    CHECK_OK(gamenet_reader_new(m, 0, &r));
    CHECK_OK(gamenet_writer_new(m, 0, &w));
    CHECK_OK(gamenet_manager_open_tcp_server_rendezvous(m, "127.0.0.1", 0, 4, &rv));
    CHECK_OK(gamenet_listener_add_connection(l, rv));
    CHECK_OK(gamenet_conn_get_local_address(m, rv, &at));
    CHECK_OK(gamenet_manager_open_tcp_client_connection(m, &at, 3000, &client));
    CHECK_OK(gamenet_listener_poll(l, 3000));
    CHECK_OK(gamenet_listener_get_new_connection(l, &nc));
    CHECK_OK(gamenet_reader_add_connection(r, nc.conn));
    while (got < N && spins < 200000) {
        gamenet_batch *b = NULL;
        size_t n = 0, i;
        gamenet_result rc;
        if (sent < N) {
            memset(data, sent & 0xff, sizeof data);
            memcpy(data, &sent, sizeof sent);
            CHECK_OK(gamenet_writer_send(w, client, data, SIZE, true));
            sent++;
        }
        rc = gamenet_reader_get_batch(r, refs, 64, &n, &b);
        if (rc == GAMENET_EMPTY) {
            if (sent == N) {
                spins++;
                gamenet_reader_poll(r, 10);
            }
            continue;
        }
        CHECK_OK(rc);
        for (i = 0; i < n; i++, got++) {
            int k;
            memcpy(&k, refs[i].data, sizeof k);
            bad += refs[i].len != SIZE || k != got || refs[i].data[SIZE - 1] != (uint8_t)got ||
                   refs[i].conn != nc.conn;
        }
        CHECK_OK(gamenet_batch_free(b));
    }
    CHECK(got == N && bad == 0);
    CHECK_OK(gamenet_reader_free(r));
    CHECK_OK(gamenet_writer_free(w));
    CHECK_OK(gamenet_listener_free(l));
    CHECK_OK(gamenet_manager_free(m));
}

int main(void) {
    batches_in_order_and_outliving_the_reader();
    tcp_batches_through_a_polling_reader();
    DONE();
}
