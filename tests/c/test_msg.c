/* The message layer from C: a server and a client in one process without threads, the
   handshake, a message sent before it, bodies checked, a body too large for the caller's
   buffer that stays queued, close reasons, the ping type, registry errors. */
#include <stdlib.h>

#include "msg_wait.h"

static const uint8_t SAY[] = {0x81, 0xa4, 't', 'e', 'x', 't', 0xa2, 'h', 'i'}; /* {"text":"hi"} */

static gamenet_msg_config *config(uint16_t port) {
    gamenet_msg_config *cfg = NULL;
    uint32_t id = 0;
    CHECK_OK(gamenet_msg_config_new(&cfg));
    CHECK_OK(gamenet_msg_config_set_address(cfg, "127.0.0.1", port));
    CHECK_OK(gamenet_msg_config_register_packet(cfg, "chat:say", 0, &id));
    CHECK(id == 64);
    CHECK_OK(gamenet_msg_config_register_packet(cfg, "chat:said", 0, NULL));
    return cfg;
}

int main(void) {
    gamenet_msg_config *cfg = config(0), *ccfg = NULL, *pcfg = NULL;
    gamenet_server *s = NULL;
    gamenet_client *c = NULL, *p = NULL;
    gamenet_msg_event ev;
    uint16_t port = 0;
    uint8_t buf[32768], small[4];
    uint8_t big[20000];
    size_t len = 0;
    gamenet_conn cid = 0;
    uint32_t id = 0;
    /* Registry errors say what is wrong. */
    CHECK_RC(gamenet_msg_config_register_packet(cfg, "chat:say", 0, &id),
             GAMENET_ERR_INVALID_ARGUMENT);
    CHECK(strstr(last_error(), "registered already") != NULL);
    CHECK_RC(gamenet_msg_config_register_packet(cfg, "nocolon", 0, &id),
             GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_RC(gamenet_msg_config_register_packet(cfg, "x:y", 5, &id), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_RC(gamenet_msg_config_set_compression(cfg, true, 100, 10), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_msg_config_set_compression(cfg, true, 1000, 6));
    CHECK_OK(gamenet_msg_config_set_address(cfg, "127.0.0.1", 0));
    CHECK_OK(gamenet_server_new(cfg, &s));
    CHECK_OK(gamenet_server_get_port(s, &port));
    CHECK(port != 0);

    ccfg = config(port);
    CHECK_OK(gamenet_client_connect(ccfg, &c));
    /* Sent before the handshake: it waits, then goes out. */
    CHECK_OK(gamenet_client_send_message(c, "chat:say", SAY, sizeof SAY));
    CHECK_RC(gamenet_client_send_message(c, "chat:nope", SAY, sizeof SAY),
             GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_RC(gamenet_client_send_message(c, "chat:say", (const uint8_t *)"\x81\x01\x02", 3),
             GAMENET_ERR_INVALID_ARGUMENT);
    CHECK(strstr(last_error(), "not str or bytes") != NULL);
    CHECK_RC(gamenet_client_send_message(c, "chat:say", (const uint8_t *)"\xdb\xff", 2),
             GAMENET_ERR_INVALID_ARGUMENT);
    ev = wait_event(s, c, true, GAMENET_MSG_CONNECTED, buf, sizeof buf, &len);
    CHECK(ev.peer.family == GAMENET_AF_IPV4 && ev.peer.ip[0] == 127);
    cid = ev.cid;
    ev = wait_event(s, c, true, GAMENET_MSG_HANDSHAKE_COMPLETE, buf, sizeof buf, &len);
    CHECK(strcmp(ev.name, "classic") == 0);
    ev = wait_event(s, c, true, GAMENET_MSG_MESSAGE, buf, sizeof buf, &len);
    CHECK(ev.cid == cid && ev.pid == 64 && strcmp(ev.name, "chat:say") == 0);
    CHECK(len == sizeof SAY && ev.body_len == len && memcmp(buf, SAY, len) == 0);

    /* A body larger than the caller's buffer stays queued; the size needed is given. */
    big[0] = 0xc5; /* bin16 of 19997 bytes: compressed on the way */
    big[1] = (uint8_t)(19997 >> 8);
    big[2] = (uint8_t)(19997 & 0xff);
    memset(big + 3, 'z', sizeof big - 3);
    CHECK_OK(gamenet_server_send_message(s, cid, "chat:said", big, sizeof big));
    CHECK_RC(gamenet_server_send_message(s, cid + 1000, "chat:said", SAY, sizeof SAY),
             GAMENET_ERR_UNKNOWN_CONNECTION);
    {
        int i;
        gamenet_result rc = GAMENET_EMPTY;
        for (i = 0; i < 20000 && rc == GAMENET_EMPTY; i++) {
            CHECK_OK(gamenet_client_process(c, 1, NULL));
            do {
                rc = gamenet_client_next_event(c, &ev, small, sizeof small, &len);
            } while (rc == GAMENET_OK); /* the connected and handshake events */
        }
        CHECK_RC(rc, GAMENET_ERR_BUFFER_TOO_SMALL);
        CHECK(len == sizeof big);
    }
    CHECK_OK(gamenet_client_next_event(c, &ev, buf, sizeof buf, &len));
    CHECK(ev.kind == GAMENET_MSG_MESSAGE && ev.pid == 65 && len == sizeof big);
    CHECK(memcmp(buf, big, len) == 0);

    /* The client closes with a reason: the server hears it. */
    CHECK_OK(gamenet_client_close(c, "bye"));
    ev = wait_event(s, c, true, GAMENET_MSG_CLOSED, buf, sizeof buf, &len);
    CHECK(ev.cid == cid && ev.by_peer && ev.has_reason && strcmp(ev.reason, "bye") == 0);
    ev = wait_event(NULL, c, false, GAMENET_MSG_CLOSED, buf, sizeof buf, &len);
    CHECK(!ev.by_peer && strcmp(ev.reason, "bye") == 0);
    CHECK_RC(gamenet_client_send_message(c, "chat:say", SAY, sizeof SAY), GAMENET_ERR_CLOSED);

    /* The ping type: a status answer without a handshake. */
    CHECK_OK(gamenet_msg_config_new(&pcfg));
    CHECK_OK(gamenet_msg_config_set_address(pcfg, "127.0.0.1", port));
    CHECK_OK(gamenet_msg_config_set_conn_type(pcfg, "ping"));
    CHECK_OK(gamenet_client_connect(pcfg, &p));
    CHECK_OK(gamenet_client_ping(p));
    ev = wait_event(s, p, false, GAMENET_MSG_PING_ANSWER, buf, sizeof buf, &len);
    CHECK(len > 10 && buf[0] >= 0x80 && buf[0] <= 0x8f); /* a small map */
    ev = wait_event(s, p, false, GAMENET_MSG_CLOSED, buf, sizeof buf, &len);
    CHECK(strcmp(ev.reason, "pingcomplete") == 0);

    CHECK_OK(gamenet_server_shutdown(s, NULL, 1000));
    CHECK_OK(gamenet_client_free(p));
    CHECK_OK(gamenet_client_free(c));
    CHECK_OK(gamenet_server_free(s));
    CHECK_OK(gamenet_msg_config_free(cfg));
    CHECK_OK(gamenet_msg_config_free(ccfg));
    CHECK_OK(gamenet_msg_config_free(pcfg));
    DONE();
}
