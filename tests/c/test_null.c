/* NULL for every pointer argument of every exported function returns
   GAMENET_ERR_NULL_POINTER (a NULL handle included); _free(NULL) is a no-op.
   tests/c_api.rs fails when a function of the header is missing from this file. */
#include "check.h"

static void address_functions(void) {
    gamenet_address a;
    char buf[64];
    size_t n;
    bool yes;
    CHECK_NULL(gamenet_address_parse(NULL, &a));
    CHECK_NULL(gamenet_address_parse("127.0.0.1:1", NULL));
    CHECK_NULL(gamenet_address_resolve(NULL, 1, &a, 1, &n));
    CHECK_NULL(gamenet_address_resolve("127.0.0.1", 1, NULL, 1, &n));
    CHECK_NULL(gamenet_address_resolve("127.0.0.1", 1, &a, 1, NULL));
    CHECK_NULL(gamenet_address_any(1, false, NULL));
    CHECK_NULL(gamenet_address_localhost(1, false, NULL));
    CHECK_NULL(gamenet_address_broadcast(1, NULL));
    CHECK_OK(gamenet_address_localhost(1, false, &a));
    CHECK_NULL(gamenet_address_to_string(NULL, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_address_to_string(&a, NULL, sizeof buf, &n));
    CHECK_NULL(gamenet_address_to_string(&a, buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_address_ip_to_string(NULL, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_address_ip_to_string(&a, NULL, sizeof buf, &n));
    CHECK_NULL(gamenet_address_ip_to_string(&a, buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_address_is_any(NULL, &yes));
    CHECK(strstr(last_error(), "'addr' is NULL") != NULL);
    CHECK_NULL(gamenet_address_is_any(&a, NULL));
    CHECK(strstr(last_error(), "'out' is NULL") != NULL);
}

static void contract_functions(void) {
    char buf[64];
    size_t n;
    CHECK_NULL(gamenet_last_error(buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_last_error(NULL, sizeof buf, &n));
    /* NULL message is allowed: the panic gets a default text. */
    CHECK_RC(gamenet_debug_panic(NULL), GAMENET_ERR_PANIC);
    CHECK(gamenet_result_str(GAMENET_OK) != NULL);
    CHECK(gamenet_version() != NULL);
}

static void datagram_functions(gamenet_datagram_iterator *it, gamenet_datagram *d) {
    uint8_t buf[16];
    size_t n;
    gamenet_datagram_iterator *out_it;
    CHECK_NULL(gamenet_datagram_new(NULL));
    CHECK_OK(gamenet_datagram_free(NULL));
    CHECK_NULL(gamenet_datagram_clear(NULL));
    CHECK_NULL(gamenet_datagram_get_length(NULL, &n));
    CHECK_NULL(gamenet_datagram_get_length(d, NULL));
    CHECK_NULL(gamenet_datagram_get_data(NULL, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_get_data(d, buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_datagram_get_data(d, NULL, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_append_data(NULL, buf, 1));
    CHECK_NULL(gamenet_datagram_append_data(d, NULL, 1));
    CHECK_NULL(gamenet_datagram_pad_bytes(NULL, 1));
    CHECK_NULL(gamenet_datagram_add_string(NULL, buf, 1));
    CHECK_NULL(gamenet_datagram_add_string(d, NULL, 1));
    CHECK_NULL(gamenet_datagram_add_string32(NULL, buf, 1));
    CHECK_NULL(gamenet_datagram_add_string32(d, NULL, 1));
    CHECK_NULL(gamenet_datagram_add_z_string(NULL, "x"));
    CHECK_NULL(gamenet_datagram_add_z_string(d, NULL));
    CHECK_NULL(gamenet_datagram_add_fixed_string(NULL, buf, 1, 1));
    CHECK_NULL(gamenet_datagram_add_fixed_string(d, NULL, 1, 1));
    CHECK_NULL(gamenet_datagram_add_wstring(NULL, "x"));
    CHECK_NULL(gamenet_datagram_add_wstring(d, NULL));
    CHECK_NULL(gamenet_datagram_add_blob(NULL, buf, 1));
    CHECK_NULL(gamenet_datagram_add_blob(d, NULL, 1));
    CHECK_NULL(gamenet_datagram_add_blob32(NULL, buf, 1));
    CHECK_NULL(gamenet_datagram_add_blob32(d, NULL, 1));
    /* A zero length with a NULL pointer is an empty buffer, not an error. */
    CHECK_OK(gamenet_datagram_append_data(d, NULL, 0));

    CHECK_NULL(gamenet_datagram_iterator_new(NULL, 1, &out_it));
    CHECK_NULL(gamenet_datagram_iterator_new(buf, 1, NULL));
    CHECK_NULL(gamenet_datagram_iterator_new_from_datagram(NULL, &out_it));
    CHECK_NULL(gamenet_datagram_iterator_new_from_datagram(d, NULL));
    CHECK_OK(gamenet_datagram_iterator_free(NULL));
    CHECK_NULL(gamenet_datagram_iterator_get_current_index(NULL, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_current_index(it, NULL));
    CHECK_NULL(gamenet_datagram_iterator_get_remaining_size(NULL, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_remaining_size(it, NULL));
    CHECK_NULL(gamenet_datagram_iterator_skip_bytes(NULL, 0));
    CHECK_NULL(gamenet_datagram_iterator_get_remaining_bytes(NULL, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_remaining_bytes(it, NULL, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_remaining_bytes(it, buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_datagram_iterator_extract_bytes(NULL, 1, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_extract_bytes(it, 1, NULL, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_extract_bytes(it, 1, buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_datagram_iterator_get_string(NULL, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_string(it, NULL, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_string(it, buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_datagram_iterator_get_string32(NULL, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_string32(it, NULL, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_string32(it, buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_datagram_iterator_get_z_string(NULL, (char *)buf, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_z_string(it, NULL, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_z_string(it, (char *)buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_datagram_iterator_get_fixed_string(NULL, 1, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_fixed_string(it, 1, NULL, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_fixed_string(it, 1, buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_datagram_iterator_get_wstring(NULL, (char *)buf, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_wstring(it, NULL, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_wstring(it, (char *)buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_datagram_iterator_get_blob(NULL, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_blob(it, NULL, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_blob(it, buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_datagram_iterator_get_blob32(NULL, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_blob32(it, NULL, sizeof buf, &n));
    CHECK_NULL(gamenet_datagram_iterator_get_blob32(it, buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_datagram_add_bool(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_int8(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_uint8(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_int16(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_be_int16(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_int32(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_be_int32(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_int64(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_be_int64(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_uint16(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_be_uint16(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_uint32(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_be_uint32(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_uint64(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_be_uint64(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_float32(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_be_float32(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_float64(NULL, 0));
    CHECK_NULL(gamenet_datagram_add_be_float64(NULL, 0));
    { bool v; CHECK_NULL(gamenet_datagram_iterator_get_bool(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_bool(it, NULL)); }
    { int8_t v; CHECK_NULL(gamenet_datagram_iterator_get_int8(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_int8(it, NULL)); }
    { uint8_t v; CHECK_NULL(gamenet_datagram_iterator_get_uint8(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_uint8(it, NULL)); }
    { int16_t v; CHECK_NULL(gamenet_datagram_iterator_get_int16(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_int16(it, NULL)); }
    { int16_t v; CHECK_NULL(gamenet_datagram_iterator_get_be_int16(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_be_int16(it, NULL)); }
    { int32_t v; CHECK_NULL(gamenet_datagram_iterator_get_int32(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_int32(it, NULL)); }
    { int32_t v; CHECK_NULL(gamenet_datagram_iterator_get_be_int32(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_be_int32(it, NULL)); }
    { int64_t v; CHECK_NULL(gamenet_datagram_iterator_get_int64(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_int64(it, NULL)); }
    { int64_t v; CHECK_NULL(gamenet_datagram_iterator_get_be_int64(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_be_int64(it, NULL)); }
    { uint16_t v; CHECK_NULL(gamenet_datagram_iterator_get_uint16(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_uint16(it, NULL)); }
    { uint16_t v; CHECK_NULL(gamenet_datagram_iterator_get_be_uint16(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_be_uint16(it, NULL)); }
    { uint32_t v; CHECK_NULL(gamenet_datagram_iterator_get_uint32(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_uint32(it, NULL)); }
    { uint32_t v; CHECK_NULL(gamenet_datagram_iterator_get_be_uint32(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_be_uint32(it, NULL)); }
    { uint64_t v; CHECK_NULL(gamenet_datagram_iterator_get_uint64(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_uint64(it, NULL)); }
    { uint64_t v; CHECK_NULL(gamenet_datagram_iterator_get_be_uint64(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_be_uint64(it, NULL)); }
    { float v; CHECK_NULL(gamenet_datagram_iterator_get_float32(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_float32(it, NULL)); }
    { float v; CHECK_NULL(gamenet_datagram_iterator_get_be_float32(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_be_float32(it, NULL)); }
    { double v; CHECK_NULL(gamenet_datagram_iterator_get_float64(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_float64(it, NULL)); }
    { double v; CHECK_NULL(gamenet_datagram_iterator_get_be_float64(NULL, &v)); CHECK_NULL(gamenet_datagram_iterator_get_be_float64(it, NULL)); }
}

static void log_cb(void *ud, int32_t level, const char *msg, size_t len) {
    (void)ud; (void)level; (void)msg; (void)len;
}

static void manager_functions(gamenet_manager *m, gamenet_conn tcp) {
    gamenet_conn c;
    gamenet_address a;
    gamenet_reset_info info;
    gamenet_connect_event cev;
    uint64_t u64v = 0;
    gamenet_interface ifs[1];
    gamenet_conn_kind kind;
    char buf[64];
    size_t n;
    bool on;
    uint32_t u, u2;
    CHECK_NULL(gamenet_manager_new(NULL));
    CHECK_OK(gamenet_manager_free(NULL));
    CHECK_NULL(gamenet_manager_set_log_callback(NULL, log_cb, NULL, NULL, GAMENET_LOG_INFO));
    /* A NULL callback removes the callback: allowed. */
    CHECK_OK(gamenet_manager_set_log_callback(m, NULL, NULL, NULL, 0));
    CHECK_NULL(gamenet_manager_open_tcp_server_rendezvous(NULL, NULL, 0, 1, &c));
    CHECK_NULL(gamenet_manager_open_tcp_server_rendezvous(m, "127.0.0.1", 0, 1, NULL));
    CHECK_OK(gamenet_address_localhost(1, false, &a));
    CHECK_NULL(gamenet_manager_open_tcp_client_connection(NULL, &a, 100, &c));
    CHECK_NULL(gamenet_manager_open_tcp_client_connection(m, NULL, 100, &c));
    CHECK_NULL(gamenet_manager_open_tcp_client_connection(m, &a, 100, NULL));
    CHECK_NULL(gamenet_manager_open_tcp_client_connection_host(NULL, "127.0.0.1", 1, 100, &c));
    CHECK_NULL(gamenet_manager_open_tcp_client_connection_host(m, NULL, 1, 100, &c));
    CHECK_NULL(gamenet_manager_open_tcp_client_connection_host(m, "127.0.0.1", 1, 100, NULL));
    CHECK_NULL(gamenet_manager_open_udp_connection(NULL, NULL, 0, false, &c));
    CHECK_NULL(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, NULL));
    CHECK_NULL(gamenet_manager_close_connection(NULL, tcp));
    CHECK_NULL(gamenet_manager_get_num_connections(NULL, &n));
    CHECK_NULL(gamenet_manager_get_num_connections(m, NULL));
    CHECK_NULL(gamenet_manager_reset_connection_available(NULL, &on));
    CHECK_NULL(gamenet_manager_reset_connection_available(m, NULL));
    CHECK_NULL(gamenet_manager_get_reset_connection(NULL, &info));
    CHECK_NULL(gamenet_manager_get_reset_connection(m, NULL));
    CHECK_NULL(gamenet_manager_open_tcp_client_async(NULL, "127.0.0.1", 1, 100, &u64v));
    CHECK_NULL(gamenet_manager_open_tcp_client_async(m, NULL, 1, 100, &u64v));
    CHECK_NULL(gamenet_manager_open_tcp_client_async(m, "127.0.0.1", 1, 100, NULL));
    CHECK_NULL(gamenet_manager_get_connect_event(NULL, &cev));
    CHECK_NULL(gamenet_manager_get_connect_event(m, NULL));
    CHECK_NULL(gamenet_manager_get_pending_connects(NULL, &n));
    CHECK_NULL(gamenet_manager_get_pending_connects(m, NULL));
    CHECK_NULL(gamenet_manager_set_max_queue_size(NULL, 1));
    CHECK_NULL(gamenet_manager_get_max_queue_size(NULL, &n));
    CHECK_NULL(gamenet_manager_get_max_queue_size(m, NULL));
    CHECK_NULL(gamenet_manager_get_current_queue_size(NULL, &n));
    CHECK_NULL(gamenet_manager_get_current_queue_size(m, NULL));
    CHECK_NULL(gamenet_manager_get_overflow_flag(NULL, &on));
    CHECK_NULL(gamenet_manager_get_overflow_flag(m, NULL));
    CHECK_NULL(gamenet_manager_reset_overflow_flag(NULL));
    CHECK_NULL(gamenet_manager_get_host_name(NULL, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_manager_get_host_name(m, NULL, sizeof buf, &n));
    CHECK_NULL(gamenet_manager_get_host_name(m, buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_manager_get_interfaces(NULL, ifs, 1, &n));
    CHECK_NULL(gamenet_manager_get_interfaces(m, NULL, 1000, &n));
    CHECK_NULL(gamenet_manager_get_interfaces(m, ifs, 1, NULL));

    CHECK_NULL(gamenet_conn_get_kind(NULL, tcp, &kind));
    CHECK_NULL(gamenet_conn_get_kind(m, tcp, NULL));
    CHECK_NULL(gamenet_conn_get_local_address(NULL, tcp, &a));
    CHECK_NULL(gamenet_conn_get_local_address(m, tcp, NULL));
    CHECK_NULL(gamenet_conn_get_peer_address(NULL, tcp, &a));
    CHECK_NULL(gamenet_conn_get_peer_address(m, tcp, NULL));
    CHECK_NULL(gamenet_conn_set_no_delay(NULL, tcp, true));
    CHECK_NULL(gamenet_conn_get_no_delay(NULL, tcp, &on));
    CHECK_NULL(gamenet_conn_get_no_delay(m, tcp, NULL));
    CHECK_NULL(gamenet_conn_set_linger(NULL, tcp, true, 1));
    CHECK_NULL(gamenet_conn_get_linger(NULL, tcp, &on, &u));
    CHECK_NULL(gamenet_conn_get_linger(m, tcp, NULL, &u));
    CHECK_NULL(gamenet_conn_get_linger(m, tcp, &on, NULL));
    CHECK_NULL(gamenet_conn_set_keep_alive(NULL, tcp, true, 0, 0));
    CHECK_NULL(gamenet_conn_get_keep_alive(NULL, tcp, &on, &u, &u2));
    CHECK_NULL(gamenet_conn_get_keep_alive(m, tcp, NULL, &u, &u2));
    CHECK_NULL(gamenet_conn_get_keep_alive(m, tcp, &on, NULL, &u2));
    CHECK_NULL(gamenet_conn_get_keep_alive(m, tcp, &on, &u, NULL));
    CHECK_NULL(gamenet_conn_set_send_buffer_size(NULL, tcp, 4096));
    CHECK_NULL(gamenet_conn_get_send_buffer_size(NULL, tcp, &n));
    CHECK_NULL(gamenet_conn_get_send_buffer_size(m, tcp, NULL));
    CHECK_NULL(gamenet_conn_set_recv_buffer_size(NULL, tcp, 4096));
    CHECK_NULL(gamenet_conn_get_recv_buffer_size(NULL, tcp, &n));
    CHECK_NULL(gamenet_conn_get_recv_buffer_size(m, tcp, NULL));
    CHECK_NULL(gamenet_conn_set_reuse_addr(NULL, tcp, true));
    CHECK_NULL(gamenet_conn_get_reuse_addr(NULL, tcp, &on));
    CHECK_NULL(gamenet_conn_get_reuse_addr(m, tcp, NULL));
    CHECK_NULL(gamenet_conn_set_ttl(NULL, tcp, 64));
    CHECK_NULL(gamenet_conn_get_ttl(NULL, tcp, &u));
    CHECK_NULL(gamenet_conn_get_ttl(m, tcp, NULL));
    CHECK_NULL(gamenet_conn_set_tos(NULL, tcp, 0));
    CHECK_NULL(gamenet_conn_get_tos(NULL, tcp, &u));
    CHECK_NULL(gamenet_conn_get_tos(m, tcp, NULL));
}


static void io_functions(gamenet_manager *m, gamenet_conn tcp, gamenet_conn udp) {
    gamenet_writer *w = NULL;
    gamenet_reader *r = NULL;
    gamenet_listener *l = NULL;
    gamenet_writer_stats ws;
    gamenet_reader_stats rs;
    gamenet_listener_stats ls;
    gamenet_conn_stats cs;
    gamenet_datagram_info info[2];
    gamenet_new_connection nc;
    gamenet_address to;
    gamenet_buffer bufs[1];
    gamenet_view *view = NULL;
    static const uint8_t bytes[4] = {1, 2, 3, 4};
    const uint8_t *bytes_out = NULL;
    size_t lens[1] = {4};
    uint8_t buf[16];
    size_t n;
    uint64_t unsent;
    int32_t i32;
    uint32_t u32;
    bool on;

    CHECK_NULL(gamenet_conn_get_stats(NULL, tcp, &cs));
    CHECK_NULL(gamenet_conn_get_stats(m, tcp, NULL));

    CHECK_NULL(gamenet_writer_new(NULL, 0, &w));
    CHECK_NULL(gamenet_writer_new(m, 0, NULL));
    CHECK_OK(gamenet_writer_new(m, 0, &w));
    CHECK_OK(gamenet_writer_free(NULL));
    CHECK_NULL(gamenet_writer_send(NULL, tcp, bytes, 4, false));
    CHECK_NULL(gamenet_writer_send(w, tcp, NULL, 4, false));
    CHECK_OK(gamenet_address_localhost(9, false, &to));
    CHECK_NULL(gamenet_writer_send_to(NULL, udp, &to, bytes, 4, false));
    CHECK_NULL(gamenet_writer_send_to(w, udp, NULL, bytes, 4, false));
    CHECK_NULL(gamenet_writer_send_to(w, udp, &to, NULL, 4, false));
    CHECK_NULL(gamenet_writer_send_to_batch(NULL, udp, &to, bytes, lens, 1, false, &n));
    CHECK_NULL(gamenet_writer_send_to_batch(w, udp, NULL, bytes, lens, 1, false, &n));
    CHECK_NULL(gamenet_writer_send_to_batch(w, udp, &to, NULL, lens, 1, false, &n));
    CHECK_NULL(gamenet_writer_send_to_batch(w, udp, &to, bytes, NULL, 1, false, &n));
    CHECK_NULL(gamenet_writer_send_to_batch(w, udp, &to, bytes, lens, 1, false, NULL));
    CHECK_NULL(gamenet_writer_send_batch(NULL, tcp, bytes, lens, 1, false, &n));
    CHECK_NULL(gamenet_writer_send_batch(w, tcp, NULL, lens, 1, false, &n));
    CHECK_NULL(gamenet_writer_send_batch(w, tcp, bytes, NULL, 1, false, &n));
    CHECK_NULL(gamenet_writer_send_batch(w, tcp, bytes, lens, 1, false, NULL));
    bufs[0].data = NULL;
    bufs[0].len = 4;
    CHECK_NULL(gamenet_writer_send_iov(NULL, tcp, bufs, 1, false, &n));
    CHECK_NULL(gamenet_writer_send_iov(w, tcp, NULL, 1, false, &n));
    CHECK_NULL(gamenet_writer_send_iov(w, tcp, bufs, 1, false, NULL));
    CHECK_NULL(gamenet_writer_send_iov(w, tcp, bufs, 1, false, &n)); /* bufs[0].data */
    CHECK_NULL(gamenet_writer_flush(NULL));
    CHECK_NULL(gamenet_writer_flush_wait(NULL, 0));
    CHECK_NULL(gamenet_writer_shutdown(NULL, 0, &unsent));
    CHECK_NULL(gamenet_writer_shutdown(w, 0, NULL));
    CHECK_NULL(gamenet_writer_set_max_queue_size(NULL, 1));
    CHECK_NULL(gamenet_writer_get_max_queue_size(NULL, &n));
    CHECK_NULL(gamenet_writer_get_max_queue_size(w, NULL));
    CHECK_NULL(gamenet_writer_set_max_queue_per_connection(NULL, 1));
    CHECK_NULL(gamenet_writer_get_max_queue_per_connection(NULL, &n));
    CHECK_NULL(gamenet_writer_get_max_queue_per_connection(w, NULL));
    CHECK_NULL(gamenet_writer_get_current_queue_size(NULL, &n));
    CHECK_NULL(gamenet_writer_get_current_queue_size(w, NULL));
    CHECK_NULL(gamenet_writer_set_max_buffer_bytes(NULL, 1));
    CHECK_NULL(gamenet_writer_set_raw_mode(NULL, true));
    CHECK_NULL(gamenet_writer_get_raw_mode(NULL, &on));
    CHECK_NULL(gamenet_writer_get_raw_mode(w, NULL));
    CHECK_NULL(gamenet_writer_get_num_threads(NULL, &n));
    CHECK_NULL(gamenet_writer_get_num_threads(w, NULL));
    CHECK_NULL(gamenet_writer_set_tcp_header_size(NULL, 2));
    CHECK_NULL(gamenet_writer_get_tcp_header_size(NULL, &i32));
    CHECK_NULL(gamenet_writer_get_tcp_header_size(w, NULL));
    CHECK_NULL(gamenet_writer_set_udp_max_size(NULL, 1));
    CHECK_NULL(gamenet_writer_is_valid_for_udp(NULL, 1, &on));
    CHECK_NULL(gamenet_writer_is_valid_for_udp(w, 1, NULL));
    CHECK_NULL(gamenet_writer_set_collect_tcp(NULL, true, 1));
    CHECK_NULL(gamenet_writer_get_collect_tcp(NULL, &on, &u32));
    CHECK_NULL(gamenet_writer_get_collect_tcp(w, NULL, &u32));
    CHECK_NULL(gamenet_writer_get_collect_tcp(w, &on, NULL));
    CHECK_NULL(gamenet_writer_set_send_timeout(NULL, 1));
    CHECK_NULL(gamenet_writer_get_stats(NULL, &ws));
    CHECK_NULL(gamenet_writer_get_stats(w, NULL));
    CHECK_OK(gamenet_writer_free(w));

    CHECK_NULL(gamenet_reader_new(NULL, 0, &r));
    CHECK_NULL(gamenet_reader_new(m, 0, NULL));
    CHECK_NULL(gamenet_reader_new_recent(NULL, 0, &r));
    CHECK_NULL(gamenet_reader_new_recent(m, 0, NULL));
    CHECK_OK(gamenet_reader_new(m, 0, &r));
    CHECK_OK(gamenet_reader_free(NULL));
    CHECK_NULL(gamenet_reader_shutdown(NULL));
    CHECK_NULL(gamenet_reader_add_connection(NULL, tcp));
    CHECK_NULL(gamenet_reader_remove_connection(NULL, tcp));
    CHECK_NULL(gamenet_reader_is_connection_ok(NULL, tcp, &on));
    CHECK_NULL(gamenet_reader_is_connection_ok(r, tcp, NULL));
    CHECK_NULL(gamenet_reader_set_raw_mode(NULL, true));
    CHECK_NULL(gamenet_reader_set_tcp_header_size(NULL, 2));
    CHECK_NULL(gamenet_reader_get_tcp_header_size(NULL, &i32));
    CHECK_NULL(gamenet_reader_get_tcp_header_size(r, NULL));
    CHECK_NULL(gamenet_reader_set_max_datagram_size(NULL, 1));
    CHECK_NULL(gamenet_reader_get_max_datagram_size(NULL, &n));
    CHECK_NULL(gamenet_reader_get_max_datagram_size(r, NULL));
    CHECK_NULL(gamenet_reader_set_max_queue_size(NULL, 1));
    CHECK_NULL(gamenet_reader_set_max_queue_per_connection(NULL, 1));
    CHECK_NULL(gamenet_reader_set_busy_poll(NULL, 1));
    CHECK_NULL(gamenet_reader_get_busy_poll(NULL, &u32));
    CHECK_NULL(gamenet_reader_get_busy_poll(r, NULL));
    CHECK_NULL(gamenet_reader_get_max_queue_per_connection(NULL, &n));
    CHECK_NULL(gamenet_reader_get_max_queue_per_connection(r, NULL));
    CHECK_NULL(gamenet_reader_get_current_queue_size(NULL, &n));
    CHECK_NULL(gamenet_reader_get_current_queue_size(r, NULL));
    CHECK_NULL(gamenet_reader_data_available(NULL, &on));
    CHECK_NULL(gamenet_reader_data_available(r, NULL));
    CHECK_NULL(gamenet_reader_poll(NULL, 0));
    CHECK_NULL(gamenet_reader_get_data(NULL, info, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_reader_get_data(r, NULL, buf, sizeof buf, &n));
    CHECK_NULL(gamenet_reader_get_data(r, info, NULL, sizeof buf, &n));
    CHECK_NULL(gamenet_reader_get_data(r, info, buf, sizeof buf, NULL));
    CHECK_NULL(gamenet_reader_get_data_batch(NULL, buf, sizeof buf, info, 2, &n));
    CHECK_NULL(gamenet_reader_get_data_batch(r, NULL, sizeof buf, info, 2, &n));
    CHECK_NULL(gamenet_reader_get_data_batch(r, buf, sizeof buf, NULL, 2, &n));
    CHECK_NULL(gamenet_reader_get_data_batch(r, buf, sizeof buf, info, 2, NULL));
    CHECK_NULL(gamenet_reader_get_data_view(NULL, info, &view));
    CHECK_NULL(gamenet_reader_get_data_view(r, NULL, &view));
    CHECK_NULL(gamenet_reader_get_data_view(r, info, NULL));
    CHECK_NULL(gamenet_view_bytes(NULL, &bytes_out, &n));
    CHECK_OK(gamenet_view_free(NULL));
    CHECK_NULL(gamenet_reader_take_overflow(NULL, &on));
    CHECK_NULL(gamenet_reader_take_overflow(r, NULL));
    CHECK_NULL(gamenet_reader_get_stats(NULL, &rs));
    CHECK_NULL(gamenet_reader_get_stats(r, NULL));
    CHECK_NULL(gamenet_reader_get_num_threads(NULL, &n));
    CHECK_NULL(gamenet_reader_get_num_threads(r, NULL));
    CHECK_NULL(gamenet_reader_get_raw_mode(NULL, &on));
    CHECK_NULL(gamenet_reader_get_raw_mode(r, NULL));
    CHECK_NULL(gamenet_reader_get_max_queue_size(NULL, &n));
    CHECK_NULL(gamenet_reader_get_max_queue_size(r, NULL));
    CHECK_NULL(gamenet_reader_get_overflow_flag(NULL, &on));
    CHECK_NULL(gamenet_reader_get_overflow_flag(r, NULL));
    CHECK_NULL(gamenet_reader_reset_overflow_flag(NULL));

    CHECK_NULL(gamenet_listener_new(NULL, 0, &l));
    CHECK_NULL(gamenet_listener_new(m, 0, NULL));
    CHECK_OK(gamenet_listener_new(m, 0, &l));
    CHECK_OK(gamenet_listener_free(NULL));
    CHECK_NULL(gamenet_listener_shutdown(NULL));
    CHECK_NULL(gamenet_listener_add_connection(NULL, tcp));
    CHECK_NULL(gamenet_listener_remove_connection(NULL, tcp));
    CHECK_NULL(gamenet_listener_set_reader(NULL, r));
    CHECK_OK(gamenet_listener_set_reader(l, NULL)); /* NULL reader: stop adding */
    CHECK_NULL(gamenet_listener_new_connection_available(NULL, &on));
    CHECK_NULL(gamenet_listener_new_connection_available(l, NULL));
    CHECK_NULL(gamenet_listener_poll(NULL, 0));
    CHECK_NULL(gamenet_listener_get_new_connection(NULL, &nc));
    CHECK_NULL(gamenet_listener_get_new_connection(l, NULL));
    CHECK_NULL(gamenet_listener_get_stats(NULL, &ls));
    CHECK_NULL(gamenet_listener_get_stats(l, NULL));
    CHECK_NULL(gamenet_listener_get_num_threads(NULL, &n));
    CHECK_NULL(gamenet_listener_get_num_threads(l, NULL));
    CHECK_NULL(gamenet_listener_set_max_queue_size(NULL, 1));
    CHECK_NULL(gamenet_listener_get_max_queue_size(NULL, &n));
    CHECK_NULL(gamenet_listener_get_max_queue_size(l, NULL));
    CHECK_NULL(gamenet_listener_get_current_queue_size(NULL, &n));
    CHECK_NULL(gamenet_listener_get_current_queue_size(l, NULL));
    CHECK_NULL(gamenet_listener_get_overflow_flag(NULL, &on));
    CHECK_NULL(gamenet_listener_get_overflow_flag(l, NULL));
    CHECK_NULL(gamenet_listener_reset_overflow_flag(NULL));
    CHECK_OK(gamenet_listener_free(l));
    CHECK_OK(gamenet_reader_free(r));
}

/* A view's out-params, with a live view: NULL ones take nothing from the queue. */
static void view_functions(gamenet_manager *m, gamenet_conn udp) {
    gamenet_writer *w = NULL;
    gamenet_reader *r = NULL;
    gamenet_view *v = NULL;
    gamenet_datagram_info info;
    gamenet_address self;
    const uint8_t *p = NULL;
    size_t n = 0;
    CHECK_OK(gamenet_writer_new(m, 0, &w));
    CHECK_OK(gamenet_reader_new(m, 0, &r));
    CHECK_OK(gamenet_reader_add_connection(r, udp));
    CHECK_OK(gamenet_conn_get_local_address(m, udp, &self));
    CHECK_OK(gamenet_writer_send_to(w, udp, &self, (const uint8_t *)"v", 1, false));
    CHECK_OK(gamenet_reader_poll(r, 5000));
    CHECK_NULL(gamenet_reader_get_data_view(NULL, &info, &v));
    CHECK_NULL(gamenet_reader_get_data_view(r, NULL, &v));
    CHECK(v == NULL);
    CHECK_NULL(gamenet_reader_get_data_view(r, &info, NULL));
    CHECK_OK(gamenet_reader_get_data_view(r, &info, &v)); /* still queued */
    CHECK_NULL(gamenet_view_bytes(NULL, &p, &n));
    CHECK_NULL(gamenet_view_bytes(v, NULL, &n));
    CHECK_NULL(gamenet_view_bytes(v, &p, NULL));
    CHECK_OK(gamenet_view_bytes(v, &p, &n));
    CHECK(n == 1 && p[0] == 'v');
    CHECK_OK(gamenet_view_free(NULL));
    CHECK_OK(gamenet_view_free(v));
    {
        /* A batch's out-params: NULL ones take nothing from the queue. */
        gamenet_datagram_ref refs[2];
        gamenet_batch *b = NULL;
        CHECK_OK(gamenet_writer_send_to(w, udp, &self, (const uint8_t *)"b", 1, false));
        CHECK_OK(gamenet_reader_poll(r, 5000));
        CHECK_NULL(gamenet_reader_get_batch(NULL, refs, 2, &n, &b));
        CHECK_NULL(gamenet_reader_get_batch(r, NULL, 2, &n, &b));
        CHECK_NULL(gamenet_reader_get_batch(r, refs, 2, NULL, &b));
        CHECK(b == NULL);
        CHECK_NULL(gamenet_reader_get_batch(r, refs, 2, &n, NULL));
        CHECK_OK(gamenet_reader_get_batch(r, refs, 2, &n, &b)); /* still queued */
        CHECK(n == 1 && refs[0].len == 1 && refs[0].data[0] == 'b');
        CHECK_OK(gamenet_batch_free(NULL));
        CHECK_OK(gamenet_batch_free(b));
    }
    CHECK_OK(gamenet_reader_free(r));
    CHECK_OK(gamenet_writer_free(w));
}

int main(void) {
    gamenet_manager *m = NULL;
    gamenet_datagram *d = NULL;
    gamenet_datagram_iterator *it = NULL;
    gamenet_conn listener = 0, tcp = 0;
    gamenet_address where;
    static const uint8_t bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};

    address_functions();
    contract_functions();

    CHECK_OK(gamenet_datagram_new(&d));
    CHECK_OK(gamenet_datagram_iterator_new(bytes, sizeof bytes, &it));
    datagram_functions(it, d);
    CHECK_OK(gamenet_datagram_iterator_free(it));
    CHECK_OK(gamenet_datagram_free(d));

    CHECK_OK(gamenet_manager_new(&m));
    CHECK_OK(gamenet_manager_open_tcp_server_rendezvous(m, "127.0.0.1", 0, 4, &listener));
    CHECK_OK(gamenet_conn_get_local_address(m, listener, &where));
    CHECK_OK(gamenet_manager_open_tcp_client_connection(m, &where, 2000, &tcp));
    manager_functions(m, tcp);
    {
        gamenet_conn udp = 0;
        CHECK_OK(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, &udp));
        io_functions(m, tcp, udp);
        view_functions(m, udp);
    }
    CHECK_OK(gamenet_manager_free(m));
    DONE();
}
