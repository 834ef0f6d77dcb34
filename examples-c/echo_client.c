/* echo_client: sends datagrams built with gamenet_datagram to echo_server, checks each
   echo, and prints the round-trip times.

   Usage: echo_client port [count]
     port   the server's TCP port on 127.0.0.1
     count  datagrams to send (default 10)

   Build (after `cargo build --release`):
     cc -std=c11 -Iinclude examples-c/echo_client.c target/release/libgamenet.a \
        -lpthread -ldl -lm -o target/echo_client
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gamenet.h"

static int fail(const char *what, gamenet_result rc) {
    char msg[512];
    size_t len = 0;
    gamenet_last_error(msg, sizeof msg, &len);
    fprintf(stderr, "echo_client: %s failed: %s: %s\n", what, gamenet_result_str(rc), msg);
    return 1;
}

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int count, i;
    gamenet_manager *mgr = NULL;
    gamenet_reader *reader = NULL;
    gamenet_writer *writer = NULL;
    gamenet_datagram *dg = NULL;
    gamenet_conn conn = 0;
    gamenet_address server;
    gamenet_result rc;
    double *rtt;
    static uint8_t out[256], in[256];

    if (argc < 2) {
        fprintf(stderr, "usage: echo_client port [count]\n");
        return 2;
    }
    count = argc > 2 ? atoi(argv[2]) : 10;
    if (count < 1) count = 1;
    rtt = (double *)calloc((size_t)count, sizeof *rtt);
    if (rtt == NULL) return 1;

    if ((rc = gamenet_manager_new(&mgr)) != GAMENET_OK) return fail("manager_new", rc);
    if ((rc = gamenet_reader_new(mgr, 1, &reader)) != GAMENET_OK) return fail("reader_new", rc);
    if ((rc = gamenet_writer_new(mgr, 1, &writer)) != GAMENET_OK) return fail("writer_new", rc);
    gamenet_address_localhost((uint16_t)atoi(argv[1]), false, &server);
    rc = gamenet_manager_open_tcp_client_connection(mgr, &server, 3000, &conn);
    if (rc != GAMENET_OK) return fail("open_tcp_client_connection", rc);
    gamenet_reader_add_connection(reader, conn);
    printf("echo_client: connected to 127.0.0.1:%s as connection %llu\n", argv[1],
           (unsigned long long)conn);

    gamenet_datagram_new(&dg);
    for (i = 0; i < count; i++) {
        char text[32];
        size_t len = 0, got = 0, slen = 0;
        uint32_t seq = 0;
        gamenet_datagram_info info;
        gamenet_datagram_iterator *it = NULL;
        double t0;

        /* Build: uint32 sequence number + string, as a Panda3D program would. */
        snprintf(text, sizeof text, "hello %d", i);
        gamenet_datagram_clear(dg);
        gamenet_datagram_add_uint32(dg, (uint32_t)i);
        gamenet_datagram_add_string(dg, (const uint8_t *)text, strlen(text));
        gamenet_datagram_get_data(dg, out, sizeof out, &len);

        t0 = now_us();
        if ((rc = gamenet_writer_send(writer, conn, out, len, true)) != GAMENET_OK)
            return fail("writer_send", rc);
        if (gamenet_reader_poll(reader, 5000) != GAMENET_OK) {
            fprintf(stderr, "echo_client: no echo for datagram %d within 5 s\n", i);
            return 1;
        }
        if ((rc = gamenet_reader_get_data(reader, &info, in, sizeof in, &got)) != GAMENET_OK)
            return fail("reader_get_data", rc);
        rtt[i] = now_us() - t0;

        /* Parse the echo and check it. */
        gamenet_datagram_iterator_new(in, got, &it);
        gamenet_datagram_iterator_get_uint32(it, &seq);
        rc = gamenet_datagram_iterator_get_string(it, (uint8_t *)text, sizeof text - 1, &slen);
        gamenet_datagram_iterator_free(it);
        if (rc != GAMENET_OK || seq != (uint32_t)i || got != len || memcmp(in, out, len) != 0) {
            fprintf(stderr, "echo_client: echo %d does not match what was sent\n", i);
            return 1;
        }
        text[slen] = 0;
        if (i < 3 || i == count - 1) printf("echo_client: echo %u: \"%s\"\n", seq, text);
    }
    qsort(rtt, (size_t)count, sizeof *rtt, cmp_double);
    printf("echo_client: %d echoes, round trip median %.1f us, max %.1f us\n", count,
           rtt[count / 2], rtt[count - 1]);
    gamenet_datagram_free(dg);
    gamenet_manager_close_connection(mgr, conn);
    gamenet_writer_free(writer);
    gamenet_reader_free(reader);
    gamenet_manager_free(mgr);
    free(rtt);
    return 0;
}
