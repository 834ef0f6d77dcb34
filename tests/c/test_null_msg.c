/* NULL arguments of the message layer's functions (the rest: test_null.c): each is
   GAMENET_ERR_NULL_POINTER and changes nothing. */
#include "check.h"

int main(void) {
    gamenet_msg_config *cfg = NULL;
    gamenet_server *s = NULL;
    gamenet_client *c = NULL;
    gamenet_msg_event ev;
    uint8_t buf[64];
    size_t n = 0;
    uint16_t port = 0;
    uint32_t id = 0;
    gamenet_conn cid = 0;
    static const uint8_t nil[1] = {0xc0};

    CHECK_NULL(gamenet_msg_config_new(NULL));
    CHECK_OK(gamenet_msg_config_free(NULL));
    CHECK_OK(gamenet_msg_config_new(&cfg));
    CHECK_NULL(gamenet_msg_config_set_address(NULL, "127.0.0.1", 0));
    CHECK_OK(gamenet_msg_config_set_address(cfg, NULL, 0)); /* NULL host: every address */
    CHECK_OK(gamenet_msg_config_set_address(cfg, "127.0.0.1", 0));
    CHECK_NULL(gamenet_msg_config_set_limits(NULL, 1024, 1024));
    CHECK_NULL(gamenet_msg_config_set_compression(NULL, true, 10, 6));
    CHECK_NULL(gamenet_msg_config_set_timeouts(NULL, 10, 10));
    CHECK_NULL(gamenet_msg_config_set_threads(NULL, 0));
    CHECK_NULL(gamenet_msg_config_register_packet(NULL, "a:b", 0, &id));
    CHECK_NULL(gamenet_msg_config_register_packet(cfg, NULL, 0, &id));
    CHECK_OK(gamenet_msg_config_register_packet(cfg, "a:b", 0, NULL)); /* out_id may be NULL */
    CHECK_NULL(gamenet_msg_config_set_conn_type(NULL, "ping"));
    CHECK_NULL(gamenet_msg_config_set_conn_type(cfg, NULL));
    CHECK_NULL(gamenet_msg_config_add_conn_type(NULL, "x"));
    CHECK_NULL(gamenet_msg_config_add_conn_type(cfg, NULL));
    CHECK_NULL(gamenet_msg_config_set_answer_ping(NULL, true));
    CHECK_NULL(gamenet_msg_config_set_ping_data(NULL, nil, 1));
    CHECK_NULL(gamenet_msg_config_set_ping_data(cfg, NULL, 1));
    CHECK_OK(gamenet_msg_config_set_ping_data(cfg, NULL, 0)); /* none */
    CHECK_NULL(gamenet_msg_config_set_defer_ping(NULL, true));

    CHECK_NULL(gamenet_server_new(NULL, &s));
    CHECK_NULL(gamenet_server_new(cfg, NULL));
    CHECK_OK(gamenet_server_new(cfg, &s));
    CHECK_OK(gamenet_server_free(NULL));
    CHECK_NULL(gamenet_server_get_port(NULL, &port));
    CHECK_NULL(gamenet_server_get_port(s, NULL));
    CHECK_OK(gamenet_server_get_port(s, &port));
    CHECK_NULL(gamenet_server_process(NULL, 0, &n));
    CHECK_OK(gamenet_server_process(s, 0, NULL)); /* out_events may be NULL */
    CHECK_NULL(gamenet_server_next_event(NULL, &ev, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_server_next_event(s, NULL, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_server_next_event(s, &ev, buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_server_send_message(NULL, 1, "a:b", nil, 1));
    CHECK_NULL(gamenet_server_send_message(s, 1, NULL, nil, 1));
    CHECK_NULL(gamenet_server_send_message(s, 1, "a:b", NULL, 1));
    CHECK_NULL(gamenet_server_close_connection(NULL, 1, "x"));
    CHECK_NULL(gamenet_server_shutdown(NULL, NULL, 0));
    {
        gamenet_msg_stats st;
        static const uint8_t empty_batch[1] = {0x90};
        CHECK_NULL(gamenet_server_get_stats(NULL, 1, &st));
        CHECK_NULL(gamenet_server_get_stats(s, 1, NULL));
        CHECK_NULL(gamenet_server_send_messages(NULL, empty_batch, 1, &n));
        CHECK_NULL(gamenet_server_send_messages(s, NULL, 1, &n));
        CHECK_OK(gamenet_server_send_messages(s, empty_batch, 1, NULL)); /* out_sent may be NULL */
        CHECK_NULL(gamenet_server_take_events(NULL, buf, sizeof buf, 0, &n, &n));
        CHECK_NULL(gamenet_server_take_events(s, buf, sizeof buf, 0, NULL, &n));
        CHECK_NULL(gamenet_server_take_events(s, buf, sizeof buf, 0, &n, NULL));
        CHECK_NULL(gamenet_server_set_event_callback(NULL, NULL, NULL, NULL));
        CHECK_NULL(gamenet_server_answer_ping(NULL, 1, NULL, 0));
        CHECK_NULL(gamenet_server_answer_ping(s, 1, NULL, 1));
        CHECK_OK(gamenet_server_set_event_callback(s, NULL, NULL, NULL)); /* NULL: none */
    }

    CHECK_OK(gamenet_msg_config_set_address(cfg, "127.0.0.1", port));
    CHECK_NULL(gamenet_client_connect(NULL, &c));
    CHECK_NULL(gamenet_client_connect(cfg, NULL));
    CHECK_OK(gamenet_client_connect(cfg, &c));
    CHECK_OK(gamenet_client_free(NULL));
    CHECK_NULL(gamenet_client_process(NULL, 0, &n));
    CHECK_NULL(gamenet_client_next_event(NULL, &ev, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_client_next_event(c, NULL, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_client_next_event(c, &ev, buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_client_send_message(NULL, "a:b", nil, 1));
    CHECK_NULL(gamenet_client_send_message(c, NULL, nil, 1));
    CHECK_NULL(gamenet_client_send_message(c, "a:b", NULL, 1));
    CHECK_NULL(gamenet_client_ping(NULL));
    {
        gamenet_msg_stats st;
        static const uint8_t empty_batch[1] = {0x90};
        CHECK_NULL(gamenet_client_get_stats(NULL, &st));
        CHECK_NULL(gamenet_client_get_stats(c, NULL));
        CHECK_NULL(gamenet_client_send_messages(NULL, empty_batch, 1, &n));
        CHECK_NULL(gamenet_client_send_messages(c, NULL, 1, &n));
        CHECK_NULL(gamenet_client_take_events(NULL, buf, sizeof buf, 0, &n, &n));
        CHECK_NULL(gamenet_client_take_events(c, buf, sizeof buf, 0, NULL, &n));
        CHECK_NULL(gamenet_client_take_events(c, buf, sizeof buf, 0, &n, NULL));
        CHECK_NULL(gamenet_client_set_event_callback(NULL, NULL, NULL, NULL));
        CHECK_NULL(gamenet_client_ping_with(NULL, NULL, 0));
        CHECK_NULL(gamenet_client_ping_with(c, NULL, 1));
        CHECK_NULL(gamenet_client_get_packet_id(NULL, "a:b", &id));
        CHECK_NULL(gamenet_client_get_packet_id(c, NULL, &id));
        CHECK_NULL(gamenet_client_get_packet_id(c, "a:b", NULL));
    }
    CHECK_NULL(gamenet_client_close(NULL, "x"));
    CHECK_NULL(gamenet_client_get_cid(NULL, &cid));
    CHECK_NULL(gamenet_client_get_cid(c, NULL));
    CHECK_OK(gamenet_client_get_cid(c, &cid));
    CHECK(cid != 0);

    CHECK_OK(gamenet_client_free(c));
    CHECK_OK(gamenet_server_free(s));
    CHECK_OK(gamenet_msg_config_free(cfg));

    {
        gamenet_msgpack_writer *w = NULL;
        gamenet_msgpack_reader r;
        gamenet_msgpack_item it;
        CHECK_NULL(gamenet_msgpack_writer_new(NULL));
        CHECK_OK(gamenet_msgpack_writer_free(NULL));
        CHECK_OK(gamenet_msgpack_writer_new(&w));
        CHECK_NULL(gamenet_msgpack_writer_clear(NULL));
        CHECK_NULL(gamenet_msgpack_writer_get_data(NULL, buf, sizeof buf, &n));
        CHECK_NULL(gamenet_msgpack_writer_get_data(w, NULL, sizeof buf, &n));
        CHECK_NULL(gamenet_msgpack_writer_get_data(w, buf, sizeof buf, NULL));
        CHECK_NULL(gamenet_msgpack_write_nil(NULL));
        CHECK_NULL(gamenet_msgpack_write_bool(NULL, true));
        CHECK_NULL(gamenet_msgpack_write_int(NULL, 1));
        CHECK_NULL(gamenet_msgpack_write_uint(NULL, 1));
        CHECK_NULL(gamenet_msgpack_write_float(NULL, 1.0));
        CHECK_NULL(gamenet_msgpack_write_str(NULL, "a", 1));
        CHECK_NULL(gamenet_msgpack_write_str(w, NULL, 1));
        CHECK_NULL(gamenet_msgpack_write_bin(NULL, nil, 1));
        CHECK_NULL(gamenet_msgpack_write_bin(w, NULL, 1));
        CHECK_NULL(gamenet_msgpack_write_array(NULL, 1));
        CHECK_NULL(gamenet_msgpack_write_map(NULL, 1));
        CHECK_NULL(gamenet_msgpack_write_raw(NULL, nil, 1));
        CHECK_NULL(gamenet_msgpack_write_raw(w, NULL, 1));
        CHECK_NULL(gamenet_msgpack_reader_init(NULL, nil, 1));
        CHECK_NULL(gamenet_msgpack_reader_init(&r, NULL, 1));
        CHECK_OK(gamenet_msgpack_reader_init(&r, nil, 1));
        CHECK_NULL(gamenet_msgpack_read(NULL, &it));
        CHECK_NULL(gamenet_msgpack_read(&r, NULL));
        CHECK_NULL(gamenet_msgpack_skip(NULL));
        CHECK(r.pos == 0);
        CHECK_OK(gamenet_msgpack_writer_free(w));
    }
    DONE();
}
