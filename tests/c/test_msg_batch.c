/* The message layer's batch calls, event callback and figures from C: a batch of sends
   built with the msgpack writer (gamenet_msgpack_write_raw for bodies), events taken as one
   msgpack array and walked with the reader, a malformed batch refused whole, a batch with a
   failing message still sending the rest, a callback that answers from inside process (and
   one that processes and sets callbacks from inside it), the figures of both ends
   (compression included), and a free that wakes a process call waiting on another
   thread. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"

static const uint8_t SAY[] = {0x81, 0xa4, 't', 'e', 'x', 't', 0xa2, 'h', 'i'}; /* {"text":"hi"} */

typedef struct {
    gamenet_server *s;
    int messages, connected, handshakes, freed;
    gamenet_conn cid;
} seen_t;

/* The server's callback: counts events and echoes every message from inside process. */
static void on_event(void *user, const gamenet_msg_event *ev, const uint8_t *body, size_t len) {
    seen_t *seen = user;
    if (ev->kind == GAMENET_MSG_CONNECTED) seen->connected++;
    if (ev->kind == GAMENET_MSG_HANDSHAKE_COMPLETE) seen->handshakes++;
    if (ev->kind == GAMENET_MSG_MESSAGE) {
        CHECK(ev->body_len == len && len == sizeof SAY && memcmp(body, SAY, len) == 0);
        seen->messages++;
        seen->cid = ev->cid;
        CHECK_OK(gamenet_server_send_message(seen->s, ev->cid, ev->name, body, len));
    }
}

static void on_free(void *user) { ((seen_t *)user)->freed++; }

/* A callback that re-enters: processes again and replaces itself with itself (its old
   userdata is freed once the outer call is done with it). */
static void reenter(void *user, const gamenet_msg_event *ev, const uint8_t *body, size_t len) {
    seen_t *seen = user;
    size_t n = 0;
    (void)body, (void)len;
    if (ev->kind == GAMENET_MSG_CONNECTED) seen->connected++;
    CHECK_OK(gamenet_server_process(seen->s, 0, &n));
    CHECK_OK(gamenet_server_set_event_callback(seen->s, reenter, seen, on_free));
}

typedef struct {
    gamenet_server *s;
    atomic_int returned;
} waiter_t;

static void *wait_long(void *arg) {
    waiter_t *w = arg;
    size_t n = 0;
    gamenet_server_process(w->s, 600000, &n); /* 10 minutes, unless woken */
    atomic_store(&w->returned, 1);
    return NULL;
}

/* An integer item's value (non-negative ints may come as INT or UINT). */
static uint64_t uint_of(const gamenet_msgpack_item *it) {
    CHECK(it->kind == GAMENET_MSGPACK_UINT || (it->kind == GAMENET_MSGPACK_INT && it->i >= 0));
    return it->kind == GAMENET_MSGPACK_UINT ? it->u : (uint64_t)it->i;
}

/* Reads one taken event (an array of 9) from `r`: kind, cid, the name into `name`, and
   moves past the rest. */
static uint64_t read_event(gamenet_msgpack_reader *r, uint64_t *cid, char *name, size_t cap) {
    gamenet_msgpack_item it;
    uint64_t kind;
    int i;
    CHECK_OK(gamenet_msgpack_read(r, &it));
    CHECK(it.kind == GAMENET_MSGPACK_ARRAY && it.count == 9);
    CHECK_OK(gamenet_msgpack_read(r, &it));
    kind = uint_of(&it);
    CHECK_OK(gamenet_msgpack_read(r, &it));
    *cid = uint_of(&it);
    CHECK_OK(gamenet_msgpack_skip(r)); /* pid */
    CHECK_OK(gamenet_msgpack_read(r, &it));
    CHECK(it.kind == GAMENET_MSGPACK_STR && it.len < cap);
    memcpy(name, it.data, it.len);
    name[it.len] = 0;
    for (i = 0; i < 5; i++) CHECK_OK(gamenet_msgpack_skip(r));
    return kind;
}

int main(void) {
    gamenet_msg_config *cfg = NULL;
    gamenet_server *s = NULL;
    gamenet_client *c = NULL;
    gamenet_msgpack_writer *w = NULL;
    gamenet_msg_stats st;
    seen_t seen = {0};
    static uint8_t buf[65536], big[20003];
    uint16_t port = 0;
    size_t len = 0, count = 0, sent = 0, n = 0;
    int i, echoes = 0, handshook = 0;

    CHECK_OK(gamenet_msg_config_new(&cfg));
    CHECK_OK(gamenet_msg_config_set_address(cfg, "127.0.0.1", 0));
    CHECK_OK(gamenet_msg_config_register_packet(cfg, "chat:say", 0, NULL));
    CHECK_OK(gamenet_server_new(cfg, &s));
    CHECK_OK(gamenet_server_get_port(s, &port));
    seen.s = s;
    CHECK_OK(gamenet_server_set_event_callback(s, on_event, &seen, on_free));
    CHECK_OK(gamenet_msg_config_set_address(cfg, "127.0.0.1", port));
    CHECK_OK(gamenet_client_connect(cfg, &c));

    /* A batch of three sends: [["chat:say", SAY], ...], built with the writer. */
    CHECK_OK(gamenet_msgpack_writer_new(&w));
    CHECK_OK(gamenet_msgpack_write_array(w, 3));
    for (i = 0; i < 3; i++) {
        CHECK_OK(gamenet_msgpack_write_array(w, 2));
        CHECK_OK(gamenet_msgpack_write_str(w, "chat:say", 8));
        CHECK_OK(gamenet_msgpack_write_raw(w, SAY, sizeof SAY));
    }
    CHECK_RC(gamenet_msgpack_write_raw(w, SAY, sizeof SAY - 1), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_OK(gamenet_msgpack_writer_get_data(w, buf, sizeof buf, &len));
    CHECK_OK(gamenet_client_send_messages(c, buf, len, &sent));
    CHECK(sent == 3);
    /* Malformed batches are refused whole, with what is wrong. */
    CHECK_RC(gamenet_client_send_messages(c, buf, len - 1, &sent), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK(sent == 0 && strstr(last_error(), "batch") != NULL);
    CHECK_RC(gamenet_client_send_messages(c, (const uint8_t *)"\xdd\xff\xff\xff\xff", 5, &sent),
             GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_RC(gamenet_client_send_messages(c, (const uint8_t *)"\x91\x91\xa1x", 4, &sent),
             GAMENET_ERR_INVALID_ARGUMENT);
    CHECK(strstr(last_error(), "message 0") != NULL);

    /* The server's callback echoes each from inside process; the client takes its events
       in batches and walks them. */
    for (i = 0; i < 2000 && echoes < 3; i++) {
        CHECK_OK(gamenet_server_process(s, 1, &n));
        CHECK_OK(gamenet_client_process(c, 1, NULL));
        for (;;) {
            gamenet_msgpack_reader r;
            gamenet_msgpack_item it;
            gamenet_result rc = gamenet_client_take_events(c, buf, sizeof buf, 0, &count, &len);
            if (rc == GAMENET_EMPTY) break;
            CHECK_OK(rc);
            CHECK(count > 0 && len > 5 && buf[0] == 0xdd);
            CHECK_OK(gamenet_msgpack_reader_init(&r, buf, len));
            CHECK_OK(gamenet_msgpack_read(&r, &it));
            CHECK(it.kind == GAMENET_MSGPACK_ARRAY && it.count == count);
            while (count--) {
                uint64_t cid;
                char name[128];
                uint64_t kind = read_event(&r, &cid, name, sizeof name);
                if (kind == GAMENET_MSG_HANDSHAKE_COMPLETE) handshook++;
                if (kind == GAMENET_MSG_MESSAGE) {
                    CHECK(strcmp(name, "chat:say") == 0);
                    echoes++;
                }
            }
            CHECK(r.pos == len);
        }
    }
    CHECK(echoes == 3 && handshook == 1);
    CHECK(seen.connected == 1 && seen.handshakes == 1 && seen.messages == 3);
    /* With a callback, nothing waits for next_event. */
    {
        gamenet_msg_event ev;
        CHECK_RC(gamenet_server_next_event(s, &ev, buf, sizeof buf, &len), GAMENET_EMPTY);
    }

    /* A server batch with a message to a client that is not there: the rest still go. */
    CHECK_OK(gamenet_msgpack_writer_clear(w));
    CHECK_OK(gamenet_msgpack_write_array(w, 2));
    CHECK_OK(gamenet_msgpack_write_array(w, 3));
    CHECK_OK(gamenet_msgpack_write_uint(w, seen.cid + 100));
    CHECK_OK(gamenet_msgpack_write_str(w, "chat:say", 8));
    CHECK_OK(gamenet_msgpack_write_raw(w, SAY, sizeof SAY));
    /* A 20,000-byte bin: compressed on the way. */
    big[0] = 0xc5;
    big[1] = (uint8_t)(20000 >> 8);
    big[2] = (uint8_t)(20000 & 0xff);
    memset(big + 3, 'z', 20000);
    CHECK_OK(gamenet_msgpack_write_array(w, 3));
    CHECK_OK(gamenet_msgpack_write_uint(w, seen.cid));
    CHECK_OK(gamenet_msgpack_write_str(w, "chat:say", 8));
    CHECK_OK(gamenet_msgpack_write_raw(w, big, sizeof big));
    CHECK_OK(gamenet_msgpack_writer_get_data(w, buf, sizeof buf, &len));
    CHECK_RC(gamenet_server_send_messages(s, buf, len, &sent), GAMENET_ERR_UNKNOWN_CONNECTION);
    CHECK(sent == 1 && strstr(last_error(), "message 0") != NULL);
    /* A buffer too small for the next event leaves it queued and says what it needs. */
    for (i = 0; i < 20000; i++) {
        gamenet_result rc;
        CHECK_OK(gamenet_client_process(c, 1, NULL));
        rc = gamenet_client_take_events(c, buf, 100, 0, &count, &len);
        if (rc == GAMENET_EMPTY) continue;
        CHECK_RC(rc, GAMENET_ERR_BUFFER_TOO_SMALL);
        CHECK(len > sizeof big && len < sizeof big + 64);
        break;
    }
    CHECK_OK(gamenet_client_take_events(c, buf, sizeof buf, 1, &count, &len));
    CHECK(count == 1);

    /* Figures: both ends counted the messages; the big one went compressed. */
    CHECK_OK(gamenet_server_get_stats(s, seen.cid, &st));
    CHECK(st.messages_in == 3 && st.messages_out == 4);
    CHECK(st.payload_out == 3 * sizeof SAY + sizeof big);
    CHECK(st.wire_payload_out < st.payload_out / 10); /* 20,000 'z's compress well */
    CHECK(st.packets_in >= 5 && st.bytes_in > st.payload_in && st.has_rtt);
    CHECK_RC(gamenet_server_get_stats(s, seen.cid + 100, &st), GAMENET_ERR_UNKNOWN_CONNECTION);
    CHECK_OK(gamenet_client_get_stats(c, &st));
    CHECK(st.messages_out == 3 && st.messages_in == 4 && st.payload_in == 3 * sizeof SAY + sizeof big);
    CHECK(st.wire_payload_in < st.payload_in / 10 && st.has_rtt && st.dropped_early == 0);

    /* Replacing the callback frees the old userdata once; freeing the server does not
       free it again. */
    CHECK(seen.freed == 0);
    CHECK_OK(gamenet_server_set_event_callback(s, NULL, NULL, NULL));
    CHECK(seen.freed == 1);
    /* A NULL callback keeps no userdata: its userdata_free runs at once. */
    CHECK_OK(gamenet_server_set_event_callback(s, NULL, &seen, on_free));
    CHECK(seen.freed == 2);
    CHECK_OK(gamenet_server_set_event_callback(s, on_event, &seen, on_free));
    CHECK_OK(gamenet_client_free(c));
    CHECK_OK(gamenet_server_free(s));
    CHECK(seen.freed == 3);
    CHECK_OK(gamenet_msgpack_writer_free(w));

    /* A callback that processes and sets callbacks from inside process. */
    {
        seen_t again = {0};
        CHECK_OK(gamenet_msg_config_set_address(cfg, "127.0.0.1", 0));
        CHECK_OK(gamenet_server_new(cfg, &s));
        CHECK_OK(gamenet_server_get_port(s, &port));
        again.s = s;
        CHECK_OK(gamenet_server_set_event_callback(s, reenter, &again, on_free));
        CHECK_OK(gamenet_msg_config_set_address(cfg, "127.0.0.1", port));
        CHECK_OK(gamenet_client_connect(cfg, &c));
        for (i = 0; i < 20000 && again.connected == 0; i++)
            CHECK_OK(gamenet_server_process(s, 1, &n));
        CHECK(again.connected == 1 && again.freed >= 1);
        CHECK_OK(gamenet_client_free(c));

        /* Freeing the server wakes a process call waiting on another thread. */
        {
            waiter_t wt;
            wt.s = s;
            atomic_init(&wt.returned, 0);
            pthread_t th;
            CHECK(pthread_create(&th, NULL, wait_long, &wt) == 0);
            for (i = 0; i < 50; i++) {
                struct timespec ms = {0, 1000000};
                nanosleep(&ms, NULL); /* let it start waiting (passes either way) */
            }
            CHECK_OK(gamenet_server_free(s));
            for (i = 0; i < 20000 && !atomic_load(&wt.returned); i++) {
                struct timespec ms = {0, 1000000};
                nanosleep(&ms, NULL);
            }
            CHECK(atomic_load(&wt.returned));
            CHECK(pthread_join(th, NULL) == 0);
        }
        CHECK(again.freed >= 2); /* the last callback's userdata, with the server */
    }
    CHECK_OK(gamenet_msg_config_free(cfg));
    DONE();
}
