/* echo_server: a gamenet TCP echo server with threaded reader, writer and listener.

   Usage: echo_server [port] [clients]
     port     TCP port on 127.0.0.1 (0, the default, picks a free one; it is printed)
     clients  exit after this many clients have come and gone (default 1)

   Build (after `cargo build --release`):
     cc -std=c11 -Iinclude examples-c/echo_server.c target/release/libgamenet.a \
        -lpthread -ldl -lm -o target/echo_server
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gamenet.h"

static int fail(const char *what, gamenet_result rc) {
    char msg[512];
    size_t len = 0;
    gamenet_last_error(msg, sizeof msg, &len);
    fprintf(stderr, "echo_server: %s failed: %s: %s\n", what, gamenet_result_str(rc), msg);
    return 1;
}

static const char *reason_text(gamenet_close_reason r) {
    switch (r) {
    case GAMENET_CLOSE_LOCAL: return "closed locally";
    case GAMENET_CLOSE_PEER_CLOSED: return "peer closed";
    case GAMENET_CLOSE_RESET: return "reset";
    case GAMENET_CLOSE_ERROR: return "error";
    case GAMENET_CLOSE_PROTOCOL_VIOLATION: return "protocol violation";
    case GAMENET_CLOSE_TOO_LARGE: return "too large";
    case GAMENET_CLOSE_MANAGER_SHUTDOWN: return "manager shutdown";
    default: return "?";
    }
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    int clients = argc > 2 ? atoi(argv[2]) : 1;
    int gone = 0;
    unsigned long echoed = 0;
    gamenet_manager *mgr = NULL;
    gamenet_listener *listener = NULL;
    gamenet_reader *reader = NULL;
    gamenet_writer *writer = NULL;
    gamenet_conn rendezvous = 0;
    gamenet_address where;
    gamenet_result rc;
    char text[64];
    size_t n = 0;
    static uint8_t buf[65536];

    if ((rc = gamenet_manager_new(&mgr)) != GAMENET_OK) return fail("manager_new", rc);
    if ((rc = gamenet_listener_new(mgr, 1, &listener)) != GAMENET_OK) return fail("listener_new", rc);
    if ((rc = gamenet_reader_new(mgr, 1, &reader)) != GAMENET_OK) return fail("reader_new", rc);
    if ((rc = gamenet_writer_new(mgr, 1, &writer)) != GAMENET_OK) return fail("writer_new", rc);
    /* Every accepted connection goes straight to the reader. */
    gamenet_listener_set_reader(listener, reader);
    rc = gamenet_manager_open_tcp_server_rendezvous(mgr, "127.0.0.1", (uint16_t)port, 64, &rendezvous);
    if (rc != GAMENET_OK) return fail("open_tcp_server_rendezvous", rc);
    gamenet_listener_add_connection(listener, rendezvous);
    gamenet_conn_get_local_address(mgr, rendezvous, &where);
    gamenet_address_to_string(&where, text, sizeof text, &n);
    printf("echo_server: listening on %s\n", text);
    fflush(stdout);

    while (gone < clients) {
        gamenet_new_connection nc;
        gamenet_reset_info reset;
        gamenet_datagram_info info;

        while (gamenet_listener_get_new_connection(listener, &nc) == GAMENET_OK) {
            gamenet_address_to_string(&nc.peer, text, sizeof text, &n);
            printf("echo_server: connection %llu from %s\n", (unsigned long long)nc.conn, text);
        }
        /* Wait up to 100 ms for data, then echo everything that is queued. */
        gamenet_reader_poll(reader, 100);
        while (gamenet_reader_get_data(reader, &info, buf, sizeof buf, &n) == GAMENET_OK) {
            rc = gamenet_writer_send(writer, info.conn, buf, n, true);
            if (rc == GAMENET_OK) echoed++;
        }
        while (gamenet_manager_get_reset_connection(mgr, &reset) == GAMENET_OK) {
            printf("echo_server: connection %llu closed (%s): %s\n",
                   (unsigned long long)reset.conn, reason_text(reset.reason), reset.message);
            gone++;
        }
    }
    printf("echo_server: echoed %lu datagrams, %d client(s) served\n", echoed, gone);
    gamenet_writer_free(writer);
    gamenet_reader_free(reader);
    gamenet_listener_free(listener);
    gamenet_manager_free(mgr);
    return 0;
}
