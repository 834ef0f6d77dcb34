/* The ping type from C beyond the default answer: a server's ping data, a client's query
   extras, a server that hands each query to the engine and answers it itself, and a
   client reading the ids it adopted from the server. */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>

#include "msg_wait.h"

static bool has(const uint8_t *buf, size_t len, const char *text) {
    return memmem(buf, len, text, strlen(text)) != NULL;
}

/* How many times `text` occurs in the buffer. */
static int count(const uint8_t *buf, size_t len, const char *text) {
    int n = 0;
    const uint8_t *at = buf, *end = buf + len;
    while ((at = memmem(at, (size_t)(end - at), text, strlen(text))) != NULL) {
        n++;
        at++;
    }
    return n;
}

static gamenet_server *server(bool defer, uint16_t *port) {
    gamenet_msg_config *cfg;
    gamenet_server *s;
    /* {"motd": "hello"} */
    static const uint8_t motd[] = {0x81, 0xa4, 'm', 'o', 't', 'd', 0xa5, 'h', 'e', 'l', 'l', 'o'};
    CHECK_OK(gamenet_msg_config_new(&cfg));
    CHECK_OK(gamenet_msg_config_set_address(cfg, "127.0.0.1", 0));
    CHECK_OK(gamenet_msg_config_register_packet(cfg, "a:x", 200, NULL));
    CHECK_RC(gamenet_msg_config_set_ping_data(cfg, (const uint8_t *)"\x81\x01\x02", 3),
             GAMENET_ERR_INVALID_ARGUMENT); /* int keys */
    CHECK_RC(gamenet_msg_config_set_ping_data(cfg, (const uint8_t *)"\x91\x01", 2),
             GAMENET_ERR_INVALID_ARGUMENT); /* not a map */
    CHECK_OK(gamenet_msg_config_set_ping_data(cfg, motd, sizeof motd));
    CHECK_OK(gamenet_msg_config_set_defer_ping(cfg, defer));
    CHECK_OK(gamenet_server_new(cfg, &s));
    CHECK_OK(gamenet_server_get_port(s, port));
    CHECK_OK(gamenet_msg_config_free(cfg));
    return s;
}

static gamenet_client *client(uint16_t port, const char *type) {
    gamenet_msg_config *cfg;
    gamenet_client *c;
    CHECK_OK(gamenet_msg_config_new(&cfg));
    CHECK_OK(gamenet_msg_config_set_address(cfg, "127.0.0.1", port));
    CHECK_OK(gamenet_msg_config_set_conn_type(cfg, type));
    CHECK_OK(gamenet_msg_config_register_packet(cfg, "a:x", 0, NULL));
    CHECK_OK(gamenet_client_connect(cfg, &c));
    CHECK_OK(gamenet_msg_config_free(cfg));
    return c;
}

int main(void) {
    static uint8_t buf[65536];
    /* {"who": "me"} and {"players": 3} */
    static const uint8_t who[] = {0x81, 0xa3, 'w', 'h', 'o', 0xa2, 'm', 'e'};
    static const uint8_t players[] = {0x81, 0xa7, 'p', 'l', 'a', 'y', 'e', 'r', 's', 0x03};
    gamenet_msg_event ev;
    gamenet_server *s;
    gamenet_client *c;
    uint16_t port;
    size_t len;
    uint32_t id = 0;

    /* Answered at once, with the server's ping data and the client's extras echoed. */
    s = server(false, &port);
    c = client(port, "ping");
    CHECK_RC(gamenet_client_ping_with(c, (const uint8_t *)"\x81\x01\x02", 3),
             GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_client_ping_with(c, who, sizeof who));
    ev = wait_event(s, c, false, GAMENET_MSG_PING_ANSWER, buf, sizeof buf, &len);
    CHECK(has(buf, len, "motd") && has(buf, len, "hello") && has(buf, len, "oldmsg"));
    CHECK(has(buf, len, "who") && has(buf, len, "time") && has(buf, len, "peng3dnet"));
    CHECK_OK(gamenet_client_free(c));

    /* A classic client adopts the server's id 200 for "a:x". */
    c = client(port, "classic");
    CHECK_OK(gamenet_client_get_packet_id(c, "a:x", &id));
    CHECK(id == 64); /* its own, until the handshake */
    CHECK_RC(gamenet_client_get_packet_id(c, "a:nope", &id), GAMENET_EMPTY);
    wait_event(s, c, false, GAMENET_MSG_HANDSHAKE_COMPLETE, buf, sizeof buf, &len);
    CHECK_OK(gamenet_client_get_packet_id(c, "a:x", &id));
    CHECK(id == 200);
    CHECK_OK(gamenet_client_free(c));
    CHECK_OK(gamenet_server_free(s));

    /* Deferred: the engine sees the query and answers it. */
    s = server(true, &port);
    c = client(port, "ping");
    CHECK_OK(gamenet_client_ping_with(c, who, sizeof who));
    ev = wait_event(s, c, true, GAMENET_MSG_PING_QUERY, buf, sizeof buf, &len);
    CHECK(has(buf, len, "who") && has(buf, len, "time") && ev.body_len == len);
    CHECK_RC(gamenet_server_answer_ping(s, ev.cid, (const uint8_t *)"\x91\x01", 2),
             GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_server_answer_ping(s, ev.cid, players, sizeof players));
    CHECK_RC(gamenet_server_answer_ping(s, ev.cid, NULL, 0), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK(strstr(last_error(), "no ping query") != NULL);
    CHECK_RC(gamenet_server_answer_ping(s, ev.cid + 999, NULL, 0),
             GAMENET_ERR_UNKNOWN_CONNECTION);
    ev = wait_event(s, c, false, GAMENET_MSG_PING_ANSWER, buf, sizeof buf, &len);
    CHECK(has(buf, len, "players") && has(buf, len, "motd") && has(buf, len, "who"));
    ev = wait_event(s, c, false, GAMENET_MSG_CLOSED, buf, sizeof buf, &len);
    CHECK(strcmp(ev.reason, "pingcomplete") == 0);
    CHECK_OK(gamenet_client_free(c));

    /* Entries of the same name replace the ones gamenet writes: one key each. */
    c = client(port, "ping");
    {
        /* {"peng3dnet": 1, "motd": "bye"} and, for the query, {"time": 5} */
        static const uint8_t own[] = {0x82, 0xa9, 'p', 'e', 'n', 'g', '3', 'd', 'n', 'e', 't', 0x01,
                                      0xa4, 'm', 'o', 't', 'd', 0xa3, 'b', 'y', 'e'};
        static const uint8_t t5[] = {0x81, 0xa4, 't', 'i', 'm', 'e', 0x05};
        CHECK_OK(gamenet_client_ping_with(c, t5, sizeof t5));
        ev = wait_event(s, c, true, GAMENET_MSG_PING_QUERY, buf, sizeof buf, &len);
        CHECK(len == sizeof t5 && memcmp(buf, t5, len) == 0); /* the caller's time, once */
        CHECK_OK(gamenet_server_answer_ping(s, ev.cid, own, sizeof own));
        ev = wait_event(s, c, false, GAMENET_MSG_PING_ANSWER, buf, sizeof buf, &len);
        CHECK(count(buf, len, "peng3dnet") == 1 && count(buf, len, "motd") == 1);
        CHECK(has(buf, len, "bye") && !has(buf, len, "hello") && !has(buf, len, "protoversion"));
    }
    CHECK_OK(gamenet_client_free(c));
    CHECK_OK(gamenet_server_free(s));
    DONE();
}
