/* The manager from C: rendezvous, client and UDP connections, options read back from the
   socket, the reset queue, refused and timed-out connects (blocking and not), host name
   and interfaces, and the address functions. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>

#include "check.h"

static const char *addr_text(const gamenet_address *a) {
    static char buf[64];
    size_t n = 0;
    if (gamenet_address_to_string(a, buf, sizeof buf, &n) != GAMENET_OK) return "(bad)";
    return buf;
}

static void addresses(void) {
    gamenet_address a, list[8];
    char buf[64];
    size_t n = 0, i;
    bool any = false;
    CHECK_OK(gamenet_address_parse("127.0.0.1:4000", &a));
    CHECK(a.family == GAMENET_AF_IPV4 && a.port == 4000 && a.ip[0] == 127 && a.ip[3] == 1);
    CHECK(strcmp(addr_text(&a), "127.0.0.1:4000") == 0);
    CHECK_OK(gamenet_address_parse("[::1]:80", &a));
    CHECK(a.family == GAMENET_AF_IPV6 && a.port == 80 && a.ip[15] == 1);
    CHECK(strcmp(addr_text(&a), "[::1]:80") == 0);
    CHECK_OK(gamenet_address_ip_to_string(&a, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "::1") == 0 && n == 3);
    CHECK_RC(gamenet_address_to_string(&a, buf, 3, &n), GAMENET_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 8);
    CHECK_RC(gamenet_address_parse("localhost:80", &a), GAMENET_ERR_ADDRESS_PARSE);
    CHECK_RC(gamenet_address_parse("1.2.3.4:99999", &a), GAMENET_ERR_ADDRESS_PARSE);
    CHECK_RC(gamenet_address_parse("1.2.3.4", &a), GAMENET_ERR_ADDRESS_PARSE);
    CHECK(strstr(last_error(), "'1.2.3.4' is not an address") != NULL);
    CHECK_OK(gamenet_address_any(7, false, &a));
    CHECK_OK(gamenet_address_is_any(&a, &any));
    CHECK(any && strcmp(addr_text(&a), "0.0.0.0:7") == 0);
    CHECK_OK(gamenet_address_any(7, true, &a));
    CHECK_OK(gamenet_address_is_any(&a, &any));
    CHECK(any && strcmp(addr_text(&a), "[::]:7") == 0);
    CHECK_OK(gamenet_address_localhost(8, true, &a));
    CHECK_OK(gamenet_address_is_any(&a, &any));
    CHECK(!any && strcmp(addr_text(&a), "[::1]:8") == 0);
    CHECK_OK(gamenet_address_broadcast(9, &a));
    CHECK(strcmp(addr_text(&a), "255.255.255.255:9") == 0);
    a.family = 5;
    CHECK_RC(gamenet_address_to_string(&a, buf, sizeof buf, &n), GAMENET_ERR_INVALID_ARGUMENT);
    /* Not an address: an error, not "no"; *out keeps what it had. */
    any = true;
    CHECK_RC(gamenet_address_is_any(&a, &any), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK(any);
    a.family = GAMENET_AF_NONE;
    CHECK_RC(gamenet_address_is_any(&a, &any), GAMENET_ERR_INVALID_ARGUMENT);
    /* Resolve: every address of localhost, each loopback, with the port. */
    CHECK_RC(gamenet_address_resolve("localhost", 5, NULL, 0, &n), GAMENET_ERR_BUFFER_TOO_SMALL);
    CHECK(n >= 1 && n <= 8);
    CHECK_OK(gamenet_address_resolve("localhost", 5, list, 8, &n));
    for (i = 0; i < n; i++) {
        CHECK(list[i].port == 5);
        CHECK((list[i].family == GAMENET_AF_IPV4 && list[i].ip[0] == 127) ||
              (list[i].family == GAMENET_AF_IPV6 && list[i].ip[15] == 1));
    }
    CHECK_RC(gamenet_address_resolve("no-such-host.invalid", 5, list, 8, &n), GAMENET_ERR_RESOLVE);
    CHECK_RC(gamenet_address_resolve("", 5, list, 8, &n), GAMENET_ERR_INVALID_ARGUMENT);
}

static void tcp(gamenet_manager *m) {
    gamenet_conn any = 0, lo = 0, c4 = 0, c6 = 0, ch = 0, dup = 0;
    gamenet_address where, local, peer;
    gamenet_conn_kind kind;
    size_t n = 0;
    bool on = false;
    uint32_t a = 0, b = 0;

    /* Dual-stack rendezvous on every address, port chosen by the system. */
    CHECK_OK(gamenet_manager_open_tcp_server_rendezvous(m, NULL, 0, 16, &any));
    CHECK_OK(gamenet_conn_get_local_address(m, any, &where));
    CHECK(where.port != 0);
    CHECK_OK(gamenet_conn_get_kind(m, any, &kind));
    CHECK(kind == GAMENET_CONN_TCP_RENDEZVOUS);
    CHECK_RC(gamenet_conn_get_peer_address(m, any, &peer), GAMENET_ERR_WRONG_KIND);
    CHECK_OK(gamenet_conn_get_reuse_addr(m, any, &on));
    CHECK(on);
    /* The same port again is in use. */
    CHECK_RC(gamenet_manager_open_tcp_server_rendezvous(m, NULL, where.port, 4, &dup),
             GAMENET_ERR_ADDRESS_IN_USE);
    /* IPv4 and IPv6 clients both reach the dual-stack socket. */
    CHECK_OK(gamenet_address_localhost(where.port, false, &where));
    CHECK_OK(gamenet_manager_open_tcp_client_connection(m, &where, 2000, &c4));
    CHECK_OK(gamenet_address_localhost(where.port, true, &where));
    CHECK_OK(gamenet_manager_open_tcp_client_connection(m, &where, 2000, &c6));
    CHECK_OK(gamenet_manager_open_tcp_client_connection_host(m, "localhost", where.port, 2000, &ch));
    CHECK_OK(gamenet_conn_get_peer_address(m, c4, &peer));
    CHECK(peer.port == where.port && peer.family == GAMENET_AF_IPV4);
    CHECK_OK(gamenet_conn_get_local_address(m, c4, &local));
    CHECK(local.family == GAMENET_AF_IPV4 && local.port != 0);
    CHECK_OK(gamenet_conn_get_peer_address(m, c6, &peer));
    CHECK(peer.family == GAMENET_AF_IPV6 && peer.port == where.port);
    CHECK_OK(gamenet_conn_get_kind(m, c4, &kind));
    CHECK(kind == GAMENET_CONN_TCP);

    /* Every option reaches the socket and reads back. */
    CHECK_OK(gamenet_conn_get_no_delay(m, c4, &on));
    CHECK(on); /* on by default */
    CHECK_OK(gamenet_conn_set_no_delay(m, c4, false));
    CHECK_OK(gamenet_conn_get_no_delay(m, c4, &on));
    CHECK(!on);
    CHECK_OK(gamenet_conn_set_linger(m, c4, true, 3));
    CHECK_OK(gamenet_conn_get_linger(m, c4, &on, &a));
    CHECK(on && a == 3);
    CHECK_OK(gamenet_conn_set_linger(m, c4, false, 0));
    CHECK_OK(gamenet_conn_get_linger(m, c4, &on, &a));
    CHECK(!on);
    CHECK_OK(gamenet_conn_set_keep_alive(m, c4, true, 7000, 2000));
    CHECK_OK(gamenet_conn_get_keep_alive(m, c4, &on, &a, &b));
    CHECK(on && a == 7000 && b == 2000);
    CHECK_RC(gamenet_conn_set_keep_alive(m, c4, true, 10, 0), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_conn_set_keep_alive(m, c4, false, 0, 0));
    CHECK_OK(gamenet_conn_get_keep_alive(m, c4, &on, &a, &b));
    CHECK(!on);
    CHECK_OK(gamenet_conn_set_send_buffer_size(m, c4, 65536));
    CHECK_OK(gamenet_conn_get_send_buffer_size(m, c4, &n));
    CHECK(n >= 65536);
    CHECK_OK(gamenet_conn_set_recv_buffer_size(m, c4, 32768));
    CHECK_OK(gamenet_conn_get_recv_buffer_size(m, c4, &n));
    CHECK(n >= 32768);
    CHECK_OK(gamenet_conn_set_reuse_addr(m, c4, true));
    CHECK_OK(gamenet_conn_get_reuse_addr(m, c4, &on));
    CHECK(on);
    CHECK_OK(gamenet_conn_set_ttl(m, c4, 42));
    CHECK_OK(gamenet_conn_get_ttl(m, c4, &a));
    CHECK(a == 42);
    CHECK_RC(gamenet_conn_set_ttl(m, c4, 0), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_RC(gamenet_conn_set_ttl(m, c4, 256), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_conn_set_tos(m, c4, 0x10));
    CHECK_OK(gamenet_conn_get_tos(m, c4, &a));
    CHECK(a == 0x10);
    CHECK_RC(gamenet_conn_set_tos(m, c4, 300), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_conn_set_ttl(m, c6, 17));
    CHECK_OK(gamenet_conn_get_ttl(m, c6, &a));
    CHECK(a == 17);
    CHECK_OK(gamenet_conn_set_tos(m, c6, 0x20));
    CHECK_OK(gamenet_conn_get_tos(m, c6, &a));
    CHECK(a == 0x20);

    CHECK_OK(gamenet_manager_get_num_connections(m, &n));
    CHECK(n == 4);
    CHECK_OK(gamenet_manager_close_connection(m, c4));
    CHECK_OK(gamenet_manager_close_connection(m, c6));
    CHECK_OK(gamenet_manager_close_connection(m, ch));
    CHECK_OK(gamenet_manager_close_connection(m, any));
    CHECK_OK(gamenet_manager_get_num_connections(m, &n));
    CHECK(n == 0);
    (void)lo;
}

static void refused_and_timeout(gamenet_manager *m) {
    gamenet_conn r = 0, c = 0, extra[8];
    gamenet_address where;
    int i, timed_out = 0;
    /* A port that was just listening and is closed now refuses. */
    CHECK_OK(gamenet_manager_open_tcp_server_rendezvous(m, "127.0.0.1", 0, 1, &r));
    CHECK_OK(gamenet_conn_get_local_address(m, r, &where));
    CHECK_OK(gamenet_manager_close_connection(m, r));
    CHECK_RC(gamenet_manager_open_tcp_client_connection(m, &where, 2000, &c),
             GAMENET_ERR_CONNECTION_REFUSED);
    CHECK(strstr(last_error(), addr_text(&where)) != NULL);
    /* The host form tries every address of the name and names each in the error. */
    CHECK_RC(gamenet_manager_open_tcp_client_connection_host(m, "127.0.0.1", where.port, 2000, &c),
             GAMENET_ERR_CONNECTION_REFUSED);
    /* A listener nobody accepts from: once its queue is full, the kernel drops new SYNs and
       the connect times out instead of hanging. */
    CHECK_OK(gamenet_manager_open_tcp_server_rendezvous(m, "127.0.0.1", 0, 1, &r));
    CHECK_OK(gamenet_conn_get_local_address(m, r, &where));
    for (i = 0; i < 8 && !timed_out; i++) {
        gamenet_result rc = gamenet_manager_open_tcp_client_connection(m, &where, 300, &extra[i]);
        if (rc == GAMENET_ERR_TIMEOUT) timed_out = 1;
        else CHECK_OK(rc);
    }
    CHECK(timed_out);
    CHECK(strstr(last_error(), "could not connect") != NULL);
    CHECK_OK(gamenet_manager_close_connection(m, r));
}

/* Waits up to 20 s for the outcome of a connect started without blocking. */
static gamenet_connect_event wait_connect(gamenet_manager *m, uint64_t ticket) {
    gamenet_connect_event ev;
    struct timespec ms = {0, 1000000L};
    int i;
    memset(&ev, 0, sizeof ev);
    for (i = 0; i < 20000; i++) {
        gamenet_result rc = gamenet_manager_get_connect_event(m, &ev);
        if (rc == GAMENET_OK) break;
        CHECK_RC(rc, GAMENET_EMPTY);
        nanosleep(&ms, NULL);
    }
    CHECK(ev.ticket == ticket);
    return ev;
}

static void async_connect(gamenet_manager *m) {
    gamenet_conn r = 0, full = 0, extra[8];
    gamenet_address where, peer;
    gamenet_connect_event ev;
    uint64_t t1 = 0, t2 = 0, t3 = 0;
    size_t pending = 99;
    int i, timed_out = 0;
    /* "localhost" resolves to ::1 and 127.0.0.1; only the second listens: both are tried. */
    CHECK_OK(gamenet_manager_open_tcp_server_rendezvous(m, "127.0.0.1", 0, 8, &r));
    CHECK_OK(gamenet_conn_get_local_address(m, r, &where));
    CHECK_OK(gamenet_manager_open_tcp_client_async(m, "localhost", where.port, 5000, &t1));
    ev = wait_connect(m, t1);
    CHECK_OK(ev.result);
    CHECK(ev.conn != 0 && ev.os_error == 0 && ev.message[0] == 0);
    CHECK_OK(gamenet_conn_get_peer_address(m, ev.conn, &peer));
    CHECK(peer.port == where.port);
    CHECK_OK(gamenet_manager_close_connection(m, ev.conn));
    /* Refused, with the address in the message. */
    CHECK_OK(gamenet_manager_close_connection(m, r));
    CHECK_OK(gamenet_manager_open_tcp_client_async(m, "127.0.0.1", where.port, 5000, &t2));
    CHECK(t2 != t1);
    ev = wait_connect(m, t2);
    CHECK_RC(ev.result, GAMENET_ERR_CONNECTION_REFUSED);
    CHECK(ev.conn == 0 && strstr(ev.message, addr_text(&where)) != NULL);
    /* Timed out: a listener nobody accepts from, its queue full. */
    CHECK_OK(gamenet_manager_open_tcp_server_rendezvous(m, "127.0.0.1", 0, 1, &full));
    CHECK_OK(gamenet_conn_get_local_address(m, full, &where));
    for (i = 0; i < 8 && !timed_out; i++) {
        gamenet_result rc = gamenet_manager_open_tcp_client_connection(m, &where, 300, &extra[i]);
        if (rc == GAMENET_ERR_TIMEOUT) timed_out = 1;
        else CHECK_OK(rc);
    }
    CHECK(timed_out);
    CHECK_OK(gamenet_manager_open_tcp_client_async(m, "127.0.0.1", where.port, 300, &t3));
    ev = wait_connect(m, t3);
    CHECK_RC(ev.result, GAMENET_ERR_TIMEOUT);
    CHECK(ev.conn == 0 && strstr(ev.message, "could not connect") != NULL);
    CHECK_OK(gamenet_manager_get_pending_connects(m, &pending));
    CHECK(pending == 0);
    CHECK_RC(gamenet_manager_get_connect_event(m, &ev), GAMENET_EMPTY);
    CHECK_OK(gamenet_manager_close_connection(m, full));
}

static void udp(gamenet_manager *m) {
    gamenet_conn u = 0, b = 0, any = 0;
    gamenet_address local;
    gamenet_conn_kind kind;
    bool on;
    uint32_t ttl = 0;
    CHECK_OK(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, &u));
    CHECK_OK(gamenet_conn_get_local_address(m, u, &local));
    CHECK(local.family == GAMENET_AF_IPV4 && local.port != 0);
    CHECK_OK(gamenet_conn_get_kind(m, u, &kind));
    CHECK(kind == GAMENET_CONN_UDP);
    CHECK_RC(gamenet_conn_set_no_delay(m, u, true), GAMENET_ERR_WRONG_KIND);
    CHECK_RC(gamenet_conn_get_no_delay(m, u, &on), GAMENET_ERR_WRONG_KIND);
    CHECK_RC(gamenet_conn_set_keep_alive(m, u, true, 0, 0), GAMENET_ERR_WRONG_KIND);
    CHECK_OK(gamenet_conn_set_ttl(m, u, 3));
    CHECK_OK(gamenet_conn_get_ttl(m, u, &ttl));
    CHECK(ttl == 3);
    /* The same port twice is refused. */
    CHECK_RC(gamenet_manager_open_udp_connection(m, "127.0.0.1", local.port, false, &b),
             GAMENET_ERR_ADDRESS_IN_USE);
    CHECK_OK(gamenet_manager_open_udp_connection(m, NULL, 0, true, &b));
    CHECK_OK(gamenet_manager_open_udp_connection(m, "", 0, false, &any));
    CHECK_RC(gamenet_manager_open_udp_connection(m, "no-such-host.invalid", 0, false, &any),
             GAMENET_ERR_RESOLVE);
    CHECK_RC(gamenet_manager_open_udp_connection(m, "\xff", 0, false, &any),
             GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_manager_close_connection(m, u));
    CHECK_OK(gamenet_manager_close_connection(m, b));
}

static void reset_queue(gamenet_manager *m) {
    gamenet_reset_info info;
    int local = 0, total = 0;
    bool available = false;
    CHECK_OK(gamenet_manager_reset_connection_available(m, &available));
    CHECK(available);
    while (gamenet_manager_get_reset_connection(m, &info) == GAMENET_OK) {
        total++;
        CHECK(info.conn != 0);
        if (info.reason == GAMENET_CLOSE_LOCAL) {
            local++;
            CHECK(strcmp(info.message, "closed by the application") == 0);
        }
    }
    CHECK_OK(gamenet_manager_reset_connection_available(m, &available));
    CHECK(!available);
    CHECK_RC(gamenet_manager_get_reset_connection(m, &info), GAMENET_EMPTY);
    CHECK(total == local);
    CHECK(total >= 8);
}

static void host_and_interfaces(gamenet_manager *m) {
    char name[256];
    size_t n = 0, count = 0, i;
    gamenet_interface *ifs;
    int saw_lo = 0;
    CHECK_OK(gamenet_manager_get_host_name(m, name, sizeof name, &n));
    CHECK(n > 0 && strlen(name) == n);
    CHECK_RC(gamenet_manager_get_interfaces(m, NULL, 0, &count), GAMENET_ERR_BUFFER_TOO_SMALL);
    CHECK(count >= 1);
    ifs = (gamenet_interface *)calloc(count, sizeof *ifs);
    CHECK_OK(gamenet_manager_get_interfaces(m, ifs, count, &n));
    CHECK(n == count);
    for (i = 0; i < n; i++) {
        CHECK(ifs[i].name[0] != 0);
        if ((ifs[i].flags & GAMENET_IF_LOOPBACK) && ifs[i].address.family == GAMENET_AF_IPV4 &&
            ifs[i].address.ip[0] == 127) {
            saw_lo = 1;
            CHECK(ifs[i].flags & GAMENET_IF_UP);
            CHECK(ifs[i].netmask.family == GAMENET_AF_IPV4 && ifs[i].netmask.ip[0] == 255);
        }
    }
    CHECK(saw_lo);
    free(ifs);
}

int main(void) {
    gamenet_manager *m = NULL;
    gamenet_conn keep = 0;
    addresses();
    CHECK_OK(gamenet_manager_new(&m));
    tcp(m);
    refused_and_timeout(m);
    async_connect(m);
    udp(m);
    reset_queue(m);
    host_and_interfaces(m);
    /* Freeing a manager with open connections closes them. */
    CHECK_OK(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, &keep));
    CHECK_OK(gamenet_manager_free(m));
    DONE();
}
