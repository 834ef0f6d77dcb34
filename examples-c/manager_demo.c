/* manager_demo: opens a TCP listener and a client connection on loopback, and a UDP socket,
   and prints what the manager sees, including every close on the reset queue.

   Build and run (after `cargo build --release`):
     cc -std=c11 -Iinclude examples-c/manager_demo.c target/release/libgamenet.a \
        -lpthread -ldl -lm -o target/manager_demo && ./target/manager_demo
*/
#include <stdio.h>
#include <string.h>

#include "gamenet.h"

static int fail(const char *what, gamenet_result rc) {
    char msg[512];
    size_t len = 0;
    gamenet_last_error(msg, sizeof msg, &len);
    fprintf(stderr, "%s failed: %s (%d): %s\n", what, gamenet_result_str(rc), (int)rc, msg);
    return 1;
}

static void on_log(void *userdata, int32_t level, const char *msg, size_t len) {
    (void)userdata;
    (void)len;
    printf("  [log %d] %s\n", (int)level, msg);
}

static const char *text(const gamenet_address *a, char *buf, size_t cap) {
    size_t n = 0;
    return gamenet_address_to_string(a, buf, cap, &n) == GAMENET_OK ? buf : "?";
}

int main(void) {
    gamenet_manager *mgr = NULL;
    gamenet_conn listener = 0, client = 0, udp = 0;
    gamenet_address where, local, peer;
    gamenet_reset_info info;
    gamenet_result rc;
    char a[64], b[64];

    printf("gamenet %s\n", gamenet_version());
    if ((rc = gamenet_manager_new(&mgr)) != GAMENET_OK) return fail("gamenet_manager_new", rc);
    gamenet_manager_set_log_callback(mgr, on_log, NULL, NULL, GAMENET_LOG_INFO);

    rc = gamenet_manager_open_tcp_server_rendezvous(mgr, "127.0.0.1", 0, 16, &listener);
    if (rc != GAMENET_OK) return fail("open_tcp_server_rendezvous", rc);
    gamenet_conn_get_local_address(mgr, listener, &where);
    printf("server: listening on %s (connection %llu)\n", text(&where, a, sizeof a),
           (unsigned long long)listener);

    rc = gamenet_manager_open_tcp_client_connection(mgr, &where, 2000, &client);
    if (rc != GAMENET_OK) return fail("open_tcp_client_connection", rc);
    gamenet_conn_get_local_address(mgr, client, &local);
    gamenet_conn_get_peer_address(mgr, client, &peer);
    printf("client: connected %s -> %s (connection %llu)\n", text(&local, a, sizeof a),
           text(&peer, b, sizeof b), (unsigned long long)client);

    rc = gamenet_manager_open_udp_connection(mgr, "127.0.0.1", 0, false, &udp);
    if (rc != GAMENET_OK) return fail("open_udp_connection", rc);
    gamenet_conn_get_local_address(mgr, udp, &local);
    printf("udp: bound to %s (connection %llu)\n", text(&local, a, sizeof a),
           (unsigned long long)udp);

    /* A stale id is an error, never a crash. */
    gamenet_manager_close_connection(mgr, client);
    rc = gamenet_manager_close_connection(mgr, client);
    printf("closing connection %llu twice: %s\n", (unsigned long long)client,
           gamenet_result_str(rc));
    gamenet_manager_close_connection(mgr, udp);
    gamenet_manager_close_connection(mgr, listener);

    while (gamenet_manager_get_reset_connection(mgr, &info) == GAMENET_OK) {
        printf("reset: connection %llu, reason %d: %s\n", (unsigned long long)info.conn,
               (int)info.reason, info.message);
    }
    gamenet_manager_free(mgr);
    printf("done\n");
    return 0;
}
