/* chat_client: joins the chat server as NAME, sends each line of its standard input as
   chat:say, prints every chat:said it receives ("from: text"), and leaves (closing with
   reason "bye") at the end of its input once its own lines have come back. It runs a game
   loop: it never blocks on the network or on the input (poll with 0 timeouts).

   Usage: chat_client HOST PORT NAME

   Build (after `cargo build --release`):
     cc -std=c11 -Iinclude examples-c/chat_client.c target/release/libgamenet.a \
        -lpthread -ldl -lm -o target/chat_client
*/
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <unistd.h>

#include "chat_common.h"

int main(int argc, char **argv) {
    gamenet_msg_config *cfg;
    gamenet_client *client;
    gamenet_msgpack_writer *w;
    static uint8_t body[65536], out[65536];
    char line[1024];
    size_t have = 0;
    int sent = 0, echoed = 0, input_done = 0, closing = 0;
    if (argc < 4) {
        fprintf(stderr, "usage: chat_client HOST PORT NAME\n");
        return 2;
    }
    MUST(gamenet_msg_config_new(&cfg));
    MUST(gamenet_msg_config_set_address(cfg, argv[1], (uint16_t)atoi(argv[2])));
    chat_packets(cfg);
    MUST(gamenet_client_connect(cfg, &client));
    MUST(gamenet_msg_config_free(cfg));
    MUST(gamenet_msgpack_writer_new(&w));
    {
        size_t n = chat_map(w, out, sizeof out, "name", argv[3], NULL, NULL);
        MUST(gamenet_client_send_message(client, "chat:join", out, n)); /* waits for the handshake */
    }
    for (;;) {
        gamenet_msg_event ev;
        size_t len = 0;
        struct pollfd in = {0, POLLIN, 0};
        /* Input, without waiting: whole lines become chat:say. */
        while (!input_done && poll(&in, 1, 0) > 0) {
            ssize_t got = read(0, line + have, sizeof line - 1 - have);
            if (got <= 0) {
                input_done = 1;
                break;
            }
            have += (size_t)got;
            for (;;) {
                char *nl = memchr(line, '\n', have);
                size_t n;
                if (!nl) break;
                *nl = 0;
                n = chat_map(w, out, sizeof out, "text", line, NULL, NULL);
                MUST(gamenet_client_send_message(client, "chat:say", out, n));
                sent++;
                have -= (size_t)(nl + 1 - line);
                memmove(line, nl + 1, have);
            }
        }
        /* The network: wait up to 16 ms, then take every event. */
        MUST(gamenet_client_process(client, 16, NULL));
        while (gamenet_client_next_event(client, &ev, body, sizeof body, &len) == GAMENET_OK) {
            char from[64], text[1024];
            if (ev.kind == GAMENET_MSG_MESSAGE && chat_get_str(body, len, "from", from, sizeof from) &&
                chat_get_str(body, len, "text", text, sizeof text)) {
                printf("%s: %s\n", from, text);
                if (strcmp(from, argv[3]) == 0) echoed++;
            } else if (ev.kind == GAMENET_MSG_HANDSHAKE_COMPLETE) {
                printf("joined as %s\n", argv[3]);
            } else if (ev.kind == GAMENET_MSG_CLOSED) {
                printf("closed: %s\n", ev.has_reason ? ev.reason : "(no reason)");
                MUST(gamenet_client_free(client));
                MUST(gamenet_msgpack_writer_free(w));
                return 0;
            }
            fflush(stdout);
        }
        if (input_done && echoed >= sent && !closing) {
            MUST(gamenet_client_close(client, "bye"));
            closing = 1;
        }
    }
}
