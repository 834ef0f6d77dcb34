/* What the message-layer C tests share: processing a server and a client until one of
   them has an event of a kind. */
#ifndef GAMENET_TEST_MSG_WAIT_H
#define GAMENET_TEST_MSG_WAIT_H

#include "check.h"

/* Processes `s` and `c` (either may be NULL) until the server (on_server) or the client
   has an event of `kind`, within 20,000 rounds of 1 ms; returns it (its body in buf). */
static inline gamenet_msg_event wait_event(gamenet_server *s, gamenet_client *c,
                                           bool on_server, gamenet_msg_event_kind kind,
                                           uint8_t *buf, size_t cap, size_t *len) {
    gamenet_msg_event ev;
    int i;
    memset(&ev, 0, sizeof ev);
    for (i = 0; i < 20000; i++) {
        if (s) CHECK_OK(gamenet_server_process(s, 1, NULL));
        if (c) CHECK_OK(gamenet_client_process(c, 1, NULL));
        for (;;) {
            gamenet_result rc = on_server ? gamenet_server_next_event(s, &ev, buf, cap, len)
                                          : gamenet_client_next_event(c, &ev, buf, cap, len);
            if (rc != GAMENET_OK) {
                CHECK_RC(rc, GAMENET_EMPTY);
                break;
            }
            if (ev.kind == kind) return ev;
        }
    }
    CHECK(!"the event never came");
    return ev;
}

#endif
