/* chat_server: a small chat over gamenet's message layer (peng3dnet's protocol). Clients
   join with chat:join {"name": str} and talk with chat:say {"text": str}; the server relays
   each line to everyone as chat:said {"from": str, "text": str}. It listens on every
   address (IPv4 and IPv6), answers the ping connection type, and runs until killed,
   printing each connect, message and close with its reason.

   Usage: chat_server PORT      (0: any free port; the first line says which)

   Build (after `cargo build --release`):
     cc -std=c11 -Iinclude examples-c/chat_server.c target/release/libgamenet.a \
        -lpthread -ldl -lm -o target/chat_server
*/
#include "chat_common.h"

#define MAX_CLIENTS 256

struct member {
    gamenet_conn cid;
    char name[64];
};

static struct member members[MAX_CLIENTS];

static struct member *find(gamenet_conn cid) {
    int i;
    for (i = 0; i < MAX_CLIENTS; i++)
        if (members[i].cid == cid) return &members[i];
    return NULL;
}

int main(int argc, char **argv) {
    gamenet_msg_config *cfg;
    gamenet_server *server;
    gamenet_msgpack_writer *w;
    uint16_t port = 0;
    static uint8_t body[65536], out[65536];
    if (argc < 2) {
        fprintf(stderr, "usage: chat_server PORT\n");
        return 2;
    }
    MUST(gamenet_msg_config_new(&cfg));
    MUST(gamenet_msg_config_set_address(cfg, NULL, (uint16_t)atoi(argv[1])));
    chat_packets(cfg);
    MUST(gamenet_server_new(cfg, &server));
    MUST(gamenet_msg_config_free(cfg));
    MUST(gamenet_msgpack_writer_new(&w));
    MUST(gamenet_server_get_port(server, &port));
    printf("chat server on port %u\n", port);
    fflush(stdout);
    for (;;) {
        gamenet_msg_event ev;
        size_t len = 0;
        MUST(gamenet_server_process(server, 50, NULL));
        while (gamenet_server_next_event(server, &ev, body, sizeof body, &len) == GAMENET_OK) {
            struct member *m = find(ev.cid);
            char text[1024], name[64];
            switch (ev.kind) {
            case GAMENET_MSG_CONNECTED:
                if ((m = find(0)) != NULL) {
                    m->cid = ev.cid;
                    strcpy(m->name, "?");
                }
                printf("client %llu connected\n", (unsigned long long)ev.cid);
                break;
            case GAMENET_MSG_MESSAGE:
                if (m && strcmp(ev.name, "chat:join") == 0 &&
                    chat_get_str(body, len, "name", name, sizeof name)) {
                    strcpy(m->name, name);
                    printf("client %llu joined as %s\n", (unsigned long long)ev.cid, name);
                } else if (m && strcmp(ev.name, "chat:say") == 0 &&
                           chat_get_str(body, len, "text", text, sizeof text)) {
                    int i;
                    size_t n = chat_map(w, out, sizeof out, "from", m->name, "text", text);
                    printf("%s: %s\n", m->name, text);
                    for (i = 0; i < MAX_CLIENTS; i++)
                        if (members[i].cid)
                            chat_failed(gamenet_server_send_message(server, members[i].cid,
                                                                    "chat:said", out, n),
                                        "relay");
                } else {
                    printf("client %llu sent %s, ignored\n", (unsigned long long)ev.cid,
                           ev.name);
                }
                break;
            case GAMENET_MSG_CLOSED:
                printf("client %llu closed: %s\n", (unsigned long long)ev.cid,
                       ev.has_reason ? ev.reason : "(no reason)");
                if (m) m->cid = 0;
                break;
            default:
                break;
            }
            fflush(stdout);
        }
    }
}
