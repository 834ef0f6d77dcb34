/* The C msgpack helpers: the writer produces what Python's msgpack produces for the same
   value (checked byte for byte), the reader walks it back item by item, never past the
   end, and skips whole values. */
#include "check.h"

/* msgpack.packb({'text':'hi','n':-5,'f':1.5,'b':b'\x00\x01','l':[1,None,True],'big':2**40},
                 use_bin_type=True) */
static const uint8_t PYTHON[] = {
    0x86, 0xa4, 't', 'e', 'x', 't', 0xa2, 'h', 'i', 0xa1, 'n', 0xfb, 0xa1, 'f', 0xcb, 0x3f,
    0xf8, 0, 0, 0, 0, 0, 0, 0xa1, 'b', 0xc4, 0x02, 0x00, 0x01, 0xa1, 'l', 0x93, 0x01, 0xc0,
    0xc3, 0xa3, 'b', 'i', 'g', 0xcf, 0, 0, 1, 0, 0, 0, 0, 0};

static void key(gamenet_msgpack_writer *w, const char *k) {
    CHECK_OK(gamenet_msgpack_write_str(w, k, strlen(k)));
}

int main(void) {
    gamenet_msgpack_writer *w = NULL;
    gamenet_msgpack_reader r;
    gamenet_msgpack_item it;
    uint8_t buf[128];
    size_t len = 0;
    uint32_t i;
    static const uint8_t bin[2] = {0, 1};
    CHECK_OK(gamenet_msgpack_writer_new(&w));
    CHECK_OK(gamenet_msgpack_write_map(w, 6));
    key(w, "text");
    CHECK_OK(gamenet_msgpack_write_str(w, "hi", 2));
    key(w, "n");
    CHECK_OK(gamenet_msgpack_write_int(w, -5));
    key(w, "f");
    CHECK_OK(gamenet_msgpack_write_float(w, 1.5));
    key(w, "b");
    CHECK_OK(gamenet_msgpack_write_bin(w, bin, 2));
    key(w, "l");
    CHECK_OK(gamenet_msgpack_write_array(w, 3));
    CHECK_OK(gamenet_msgpack_write_uint(w, 1));
    CHECK_OK(gamenet_msgpack_write_nil(w));
    CHECK_OK(gamenet_msgpack_write_bool(w, true));
    key(w, "big");
    CHECK_OK(gamenet_msgpack_write_int(w, (int64_t)1 << 40));
    CHECK_RC(gamenet_msgpack_write_str(w, "\xff", 1), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_RC(gamenet_msgpack_writer_get_data(w, buf, 3, &len), GAMENET_ERR_BUFFER_TOO_SMALL);
    CHECK(len == sizeof PYTHON);
    CHECK_OK(gamenet_msgpack_writer_get_data(w, buf, sizeof buf, &len));
    CHECK(len == sizeof PYTHON && memcmp(buf, PYTHON, len) == 0);

    /* Read it back. */
    CHECK_OK(gamenet_msgpack_reader_init(&r, buf, len));
    CHECK_OK(gamenet_msgpack_read(&r, &it));
    CHECK(it.kind == GAMENET_MSGPACK_MAP && it.count == 6);
    CHECK_OK(gamenet_msgpack_read(&r, &it));
    CHECK(it.kind == GAMENET_MSGPACK_STR && it.len == 4 && memcmp(it.data, "text", 4) == 0);
    CHECK_OK(gamenet_msgpack_read(&r, &it));
    CHECK(it.kind == GAMENET_MSGPACK_STR && it.len == 2 && memcmp(it.data, "hi", 2) == 0);
    CHECK(it.data == buf + 7); /* it points into the buffer */
    CHECK_OK(gamenet_msgpack_read(&r, &it)); /* "n" */
    CHECK_OK(gamenet_msgpack_read(&r, &it));
    CHECK(it.kind == GAMENET_MSGPACK_INT && it.i == -5);
    CHECK_OK(gamenet_msgpack_read(&r, &it)); /* "f" */
    CHECK_OK(gamenet_msgpack_read(&r, &it));
    CHECK(it.kind == GAMENET_MSGPACK_FLOAT && it.f == 1.5);
    CHECK_OK(gamenet_msgpack_read(&r, &it)); /* "b" */
    CHECK_OK(gamenet_msgpack_read(&r, &it));
    CHECK(it.kind == GAMENET_MSGPACK_BIN && it.len == 2 && it.data[1] == 1);
    CHECK_OK(gamenet_msgpack_read(&r, &it)); /* "l" */
    CHECK_OK(gamenet_msgpack_skip(&r));      /* the whole array */
    CHECK_OK(gamenet_msgpack_read(&r, &it));
    CHECK(it.kind == GAMENET_MSGPACK_STR && it.len == 3);
    CHECK_OK(gamenet_msgpack_read(&r, &it));
    CHECK(it.kind == GAMENET_MSGPACK_INT && it.i == (int64_t)1 << 40);
    CHECK(r.pos == len);
    CHECK_RC(gamenet_msgpack_read(&r, &it), GAMENET_ERR_OVERREAD);
    CHECK(strstr(last_error(), "end") != NULL);

    /* Lies stop at the end of the buffer, and move nothing. */
    {
        static const uint8_t lie[] = {0xdb, 0xff, 0xff, 0xff, 0xff, 'a'};
        static const uint8_t cut[] = {0xcb, 0x3f};
        static const uint8_t deep[] = {0x92, 0x01};
        CHECK_OK(gamenet_msgpack_reader_init(&r, lie, sizeof lie));
        CHECK_RC(gamenet_msgpack_read(&r, &it), GAMENET_ERR_OVERREAD);
        CHECK(r.pos == 0);
        CHECK_OK(gamenet_msgpack_reader_init(&r, cut, sizeof cut));
        CHECK_RC(gamenet_msgpack_read(&r, &it), GAMENET_ERR_OVERREAD);
        CHECK_OK(gamenet_msgpack_reader_init(&r, deep, sizeof deep));
        CHECK_RC(gamenet_msgpack_skip(&r), GAMENET_ERR_OVERREAD);
        CHECK(r.pos == 0);
        CHECK_OK(gamenet_msgpack_read(&r, &it)); /* the header alone reads */
        CHECK(it.kind == GAMENET_MSGPACK_ARRAY && it.count == 2);
        for (i = 0; i < 1; i++) CHECK_OK(gamenet_msgpack_read(&r, &it));
        CHECK_RC(gamenet_msgpack_read(&r, &it), GAMENET_ERR_OVERREAD);
    }
    CHECK_OK(gamenet_msgpack_writer_clear(w));
    CHECK_OK(gamenet_msgpack_writer_get_data(w, buf, sizeof buf, &len));
    CHECK(len == 0);
    CHECK_OK(gamenet_msgpack_writer_free(w));
    DONE();
}
