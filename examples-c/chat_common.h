/* What the chat examples share: failing loudly, and reading a str field of a msgpack map
   with gamenet's msgpack reader. */
#ifndef CHAT_COMMON_H
#define CHAT_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gamenet.h"

static int chat_failed(gamenet_result rc, const char *what) {
    char msg[512];
    size_t len = 0;
    if (rc == GAMENET_OK || rc == GAMENET_EMPTY) return 0;
    gamenet_last_error(msg, sizeof msg, &len);
    fprintf(stderr, "%s: %s: %s\n", what, gamenet_result_str(rc), msg);
    return 1;
}
#define MUST(call) do { if (chat_failed((call), #call)) exit(1); } while (0)

/* Copies the str under `key` of the msgpack map in body[0..len] into out (cut to fit,
   NUL-terminated); 0 when the body is not such a map. */
static int chat_get_str(const uint8_t *body, size_t len, const char *key, char *out,
                        size_t cap) {
    gamenet_msgpack_reader r;
    gamenet_msgpack_item it;
    uint32_t i, n;
    if (gamenet_msgpack_reader_init(&r, body, len) != GAMENET_OK) return 0;
    if (gamenet_msgpack_read(&r, &it) != GAMENET_OK || it.kind != GAMENET_MSGPACK_MAP) return 0;
    n = it.count;
    for (i = 0; i < n; i++) {
        int match;
        if (gamenet_msgpack_read(&r, &it) != GAMENET_OK) return 0;
        match = it.kind == GAMENET_MSGPACK_STR && it.len == strlen(key) &&
                memcmp(it.data, key, it.len) == 0;
        if (!match) {
            if (gamenet_msgpack_skip(&r) != GAMENET_OK) return 0;
            continue;
        }
        if (gamenet_msgpack_read(&r, &it) != GAMENET_OK || it.kind != GAMENET_MSGPACK_STR)
            return 0;
        if (it.len >= cap) it.len = cap - 1;
        memcpy(out, it.data, it.len);
        out[it.len] = 0;
        return 1;
    }
    return 0;
}

/* Writes {"k1": v1[, "k2": v2]} (str values) and returns the writer's bytes in buf. */
static size_t chat_map(gamenet_msgpack_writer *w, uint8_t *buf, size_t cap, const char *k1,
                       const char *v1, const char *k2, const char *v2) {
    size_t len = 0;
    MUST(gamenet_msgpack_writer_clear(w));
    MUST(gamenet_msgpack_write_map(w, k2 ? 2 : 1));
    MUST(gamenet_msgpack_write_str(w, k1, strlen(k1)));
    MUST(gamenet_msgpack_write_str(w, v1, strlen(v1)));
    if (k2) {
        MUST(gamenet_msgpack_write_str(w, k2, strlen(k2)));
        MUST(gamenet_msgpack_write_str(w, v2, strlen(v2)));
    }
    MUST(gamenet_msgpack_writer_get_data(w, buf, cap, &len));
    return len;
}

/* The chat's packets, in the order the server registers them (clients must hold the same
   set; the server's ids are adopted). */
static void chat_packets(gamenet_msg_config *cfg) {
    /* Bodies of at most 64 KiB, so that every event fits the examples' 64 KiB buffers (a
       larger one closes its sender with reason "toolarge" instead of waiting, forever, at
       the head of the event queue for a bigger buffer). */
    MUST(gamenet_msg_config_set_limits(cfg, 65536 + 6, 65536));
    MUST(gamenet_msg_config_register_packet(cfg, "chat:say", 0, NULL));
    MUST(gamenet_msg_config_register_packet(cfg, "chat:join", 0, NULL));
    MUST(gamenet_msg_config_register_packet(cfg, "chat:said", 0, NULL));
}

#endif
