/* Datagram and iterator from C: the golden encodings measured on Panda3D (wire.md), every
   type round-tripped, over-reads and too-small buffers that lose nothing. */
#include "check.h"

/* Compares the datagram's bytes with `hex` ("34 12 ..."). */
static int bytes_are(gamenet_datagram *d, const char *hex) {
    uint8_t buf[64];
    char text[200];
    size_t n = 0, i, pos = 0;
    if (gamenet_datagram_get_data(d, buf, sizeof buf, &n) != GAMENET_OK) return 0;
    text[0] = 0;
    for (i = 0; i < n; i++) {
        pos += (size_t)snprintf(text + pos, sizeof text - pos, i ? " %02x" : "%02x", buf[i]);
    }
    if (strcmp(text, hex) != 0) {
        fprintf(stderr, "got '%s', wanted '%s'\n", text, hex);
        return 0;
    }
    return 1;
}

#define GOLDEN(call, hex)                                                                 \
    do {                                                                                  \
        CHECK_OK(gamenet_datagram_clear(d));                                              \
        CHECK_OK(call);                                                                   \
        CHECK(bytes_are(d, hex));                                                         \
    } while (0)

static void golden(gamenet_datagram *d) {
    static const uint8_t blob[2] = {0x00, 0xff};
    GOLDEN(gamenet_datagram_add_int8(d, -2), "fe");
    GOLDEN(gamenet_datagram_add_uint16(d, 0x1234), "34 12");
    GOLDEN(gamenet_datagram_add_be_uint16(d, 0x1234), "12 34");
    GOLDEN(gamenet_datagram_add_int32(d, -2), "fe ff ff ff");
    GOLDEN(gamenet_datagram_add_uint32(d, 0x12345678), "78 56 34 12");
    GOLDEN(gamenet_datagram_add_be_uint32(d, 0x12345678), "12 34 56 78");
    GOLDEN(gamenet_datagram_add_uint64(d, 0x0102030405060708ULL), "08 07 06 05 04 03 02 01");
    GOLDEN(gamenet_datagram_add_be_uint64(d, 0x0102030405060708ULL), "01 02 03 04 05 06 07 08");
    GOLDEN(gamenet_datagram_add_float32(d, 1.5f), "00 00 c0 3f");
    GOLDEN(gamenet_datagram_add_be_float32(d, 1.5f), "3f c0 00 00");
    GOLDEN(gamenet_datagram_add_float64(d, 1.5), "00 00 00 00 00 00 f8 3f");
    GOLDEN(gamenet_datagram_add_bool(d, true), "01");
    GOLDEN(gamenet_datagram_add_string(d, (const uint8_t *)"hi", 2), "02 00 68 69");
    GOLDEN(gamenet_datagram_add_string32(d, (const uint8_t *)"hi", 2), "02 00 00 00 68 69");
    GOLDEN(gamenet_datagram_add_z_string(d, "hi"), "68 69 00");
    GOLDEN(gamenet_datagram_add_fixed_string(d, (const uint8_t *)"hi", 2, 4), "68 69 00 00");
    GOLDEN(gamenet_datagram_add_fixed_string(d, (const uint8_t *)"hello", 5, 3), "68 65 6c");
    GOLDEN(gamenet_datagram_add_wstring(d, "hi"), "02 00 00 00 68 00 69 00");
    GOLDEN(gamenet_datagram_add_wstring(d, "\xc3\xa9"), "01 00 00 00 e9 00");
    GOLDEN(gamenet_datagram_add_string(d, (const uint8_t *)"\xc3\xa9", 2), "02 00 c3 a9");
    GOLDEN(gamenet_datagram_add_blob(d, blob, 2), "02 00 00 ff");
    GOLDEN(gamenet_datagram_add_blob32(d, blob, 2), "02 00 00 00 00 ff");
    GOLDEN(gamenet_datagram_pad_bytes(d, 2), "00 00");
    GOLDEN(gamenet_datagram_append_data(d, blob, 2), "00 ff");
    /* The payload of the framing vectors. */
    CHECK_OK(gamenet_datagram_clear(d));
    CHECK_OK(gamenet_datagram_add_uint16(d, 0x1234));
    CHECK_OK(gamenet_datagram_add_string(d, (const uint8_t *)"hi", 2));
    CHECK(bytes_are(d, "34 12 02 00 68 69"));
}

static void round_trip(gamenet_datagram *d) {
    gamenet_datagram_iterator *it = NULL;
    bool b = false;
    int8_t i8 = 0;
    uint8_t u8 = 0;
    int16_t i16 = 0;
    int32_t i32 = 0;
    int64_t i64 = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;
    uint64_t u64 = 0;
    float f32 = 0;
    double f64 = 0;
    uint8_t buf[32];
    char text[32];
    size_t n = 0;

    CHECK_OK(gamenet_datagram_clear(d));
    CHECK_OK(gamenet_datagram_add_bool(d, true));
    CHECK_OK(gamenet_datagram_add_int8(d, -100));
    CHECK_OK(gamenet_datagram_add_uint8(d, 250));
    CHECK_OK(gamenet_datagram_add_int16(d, -30000));
    CHECK_OK(gamenet_datagram_add_be_int16(d, -30000));
    CHECK_OK(gamenet_datagram_add_int32(d, -2000000000));
    CHECK_OK(gamenet_datagram_add_be_int32(d, -2000000000));
    CHECK_OK(gamenet_datagram_add_int64(d, INT64_MIN));
    CHECK_OK(gamenet_datagram_add_be_int64(d, INT64_MIN));
    CHECK_OK(gamenet_datagram_add_uint16(d, 65000));
    CHECK_OK(gamenet_datagram_add_be_uint16(d, 65000));
    CHECK_OK(gamenet_datagram_add_uint32(d, 4000000000u));
    CHECK_OK(gamenet_datagram_add_be_uint32(d, 4000000000u));
    CHECK_OK(gamenet_datagram_add_uint64(d, UINT64_MAX));
    CHECK_OK(gamenet_datagram_add_be_uint64(d, UINT64_MAX));
    CHECK_OK(gamenet_datagram_add_float32(d, -2.5f));
    CHECK_OK(gamenet_datagram_add_be_float32(d, -2.5f));
    CHECK_OK(gamenet_datagram_add_float64(d, 1e-300));
    CHECK_OK(gamenet_datagram_add_be_float64(d, 1e-300));
    CHECK_OK(gamenet_datagram_add_string(d, (const uint8_t *)"a\0b", 3));
    CHECK_OK(gamenet_datagram_add_string32(d, (const uint8_t *)"str32", 5));
    CHECK_OK(gamenet_datagram_add_z_string(d, "zed"));
    CHECK_OK(gamenet_datagram_add_fixed_string(d, (const uint8_t *)"fix", 3, 6));
    CHECK_OK(gamenet_datagram_add_wstring(d, "w\xc3\xa9"));
    CHECK_OK(gamenet_datagram_add_blob(d, (const uint8_t *)"bl", 2));
    CHECK_OK(gamenet_datagram_add_blob32(d, (const uint8_t *)"b32", 3));
    CHECK_OK(gamenet_datagram_add_uint8(d, 0xaa));
    CHECK_OK(gamenet_datagram_add_uint16(d, 0xbbcc));

    CHECK_OK(gamenet_datagram_iterator_new_from_datagram(d, &it));
    /* The iterator holds a copy: clearing the datagram does not affect it. */
    CHECK_OK(gamenet_datagram_clear(d));
    CHECK_OK(gamenet_datagram_iterator_get_bool(it, &b)); CHECK(b);
    CHECK_OK(gamenet_datagram_iterator_get_int8(it, &i8)); CHECK(i8 == -100);
    CHECK_OK(gamenet_datagram_iterator_get_uint8(it, &u8)); CHECK(u8 == 250);
    CHECK_OK(gamenet_datagram_iterator_get_int16(it, &i16)); CHECK(i16 == -30000);
    CHECK_OK(gamenet_datagram_iterator_get_be_int16(it, &i16)); CHECK(i16 == -30000);
    CHECK_OK(gamenet_datagram_iterator_get_int32(it, &i32)); CHECK(i32 == -2000000000);
    CHECK_OK(gamenet_datagram_iterator_get_be_int32(it, &i32)); CHECK(i32 == -2000000000);
    CHECK_OK(gamenet_datagram_iterator_get_int64(it, &i64)); CHECK(i64 == INT64_MIN);
    CHECK_OK(gamenet_datagram_iterator_get_be_int64(it, &i64)); CHECK(i64 == INT64_MIN);
    CHECK_OK(gamenet_datagram_iterator_get_uint16(it, &u16)); CHECK(u16 == 65000);
    CHECK_OK(gamenet_datagram_iterator_get_be_uint16(it, &u16)); CHECK(u16 == 65000);
    CHECK_OK(gamenet_datagram_iterator_get_uint32(it, &u32)); CHECK(u32 == 4000000000u);
    CHECK_OK(gamenet_datagram_iterator_get_be_uint32(it, &u32)); CHECK(u32 == 4000000000u);
    CHECK_OK(gamenet_datagram_iterator_get_uint64(it, &u64)); CHECK(u64 == UINT64_MAX);
    CHECK_OK(gamenet_datagram_iterator_get_be_uint64(it, &u64)); CHECK(u64 == UINT64_MAX);
    CHECK_OK(gamenet_datagram_iterator_get_float32(it, &f32)); CHECK(f32 == -2.5f);
    CHECK_OK(gamenet_datagram_iterator_get_be_float32(it, &f32)); CHECK(f32 == -2.5f);
    CHECK_OK(gamenet_datagram_iterator_get_float64(it, &f64)); CHECK(f64 == 1e-300);
    CHECK_OK(gamenet_datagram_iterator_get_be_float64(it, &f64)); CHECK(f64 == 1e-300);

    /* Too small a buffer: the needed size comes back and the iterator does not move. */
    CHECK_RC(gamenet_datagram_iterator_get_string(it, buf, 2, &n), GAMENET_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 3);
    CHECK_OK(gamenet_datagram_iterator_get_string(it, buf, sizeof buf, &n));
    CHECK(n == 3 && memcmp(buf, "a\0b", 3) == 0);
    CHECK_OK(gamenet_datagram_iterator_get_string32(it, buf, sizeof buf, &n));
    CHECK(n == 5 && memcmp(buf, "str32", 5) == 0);
    CHECK_RC(gamenet_datagram_iterator_get_z_string(it, text, 3, &n), GAMENET_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 3); /* needs n + 1 = 4 with the NUL */
    CHECK_OK(gamenet_datagram_iterator_get_z_string(it, text, 4, &n));
    CHECK(n == 3 && strcmp(text, "zed") == 0);
    CHECK_OK(gamenet_datagram_iterator_get_fixed_string(it, 6, buf, sizeof buf, &n));
    CHECK(n == 3 && memcmp(buf, "fix", 3) == 0);
    CHECK_OK(gamenet_datagram_iterator_get_wstring(it, text, sizeof text, &n));
    CHECK(n == 3 && strcmp(text, "w\xc3\xa9") == 0);
    CHECK_OK(gamenet_datagram_iterator_get_blob(it, buf, sizeof buf, &n));
    CHECK(n == 2 && memcmp(buf, "bl", 2) == 0);
    CHECK_OK(gamenet_datagram_iterator_get_blob32(it, buf, sizeof buf, &n));
    CHECK(n == 3 && memcmp(buf, "b32", 3) == 0);
    CHECK_OK(gamenet_datagram_iterator_extract_bytes(it, 1, buf, sizeof buf, &n));
    CHECK(n == 1 && buf[0] == 0xaa);
    CHECK_OK(gamenet_datagram_iterator_get_remaining_size(it, &n)); CHECK(n == 2);
    CHECK_OK(gamenet_datagram_iterator_get_current_index(it, &n));
    CHECK_OK(gamenet_datagram_iterator_skip_bytes(it, 1));
    CHECK_OK(gamenet_datagram_iterator_get_remaining_bytes(it, buf, sizeof buf, &n));
    CHECK(n == 1 && buf[0] == 0xbb);
    /* At the end: every read is an over-read and changes nothing. */
    CHECK_RC(gamenet_datagram_iterator_get_bool(it, &b), GAMENET_ERR_OVERREAD);
    CHECK_RC(gamenet_datagram_iterator_get_uint64(it, &u64), GAMENET_ERR_OVERREAD);
    CHECK_RC(gamenet_datagram_iterator_skip_bytes(it, 1), GAMENET_ERR_OVERREAD);
    CHECK(strstr(last_error(), "over-read") != NULL);
    CHECK_OK(gamenet_datagram_iterator_free(it));
}

static void hostile_bytes(void) {
    /* A string prefix that claims more than is there, a z-string with no end, a wstring
       count near 2^32: errors, and the iterator stays where it was. */
    static const uint8_t claim[4] = {0xff, 0xff, 'a', 'b'};
    static const uint8_t wide[6] = {0xff, 0xff, 0xff, 0xff, 'a', 0};
    gamenet_datagram_iterator *it = NULL;
    uint8_t buf[8];
    char text[8];
    size_t n = 99, pos = 99;
    uint32_t u32 = 0;
    CHECK_OK(gamenet_datagram_iterator_new(claim, sizeof claim, &it));
    CHECK_RC(gamenet_datagram_iterator_get_string(it, buf, sizeof buf, &n), GAMENET_ERR_OVERREAD);
    CHECK_RC(gamenet_datagram_iterator_get_z_string(it, text, sizeof text, &n), GAMENET_ERR_OVERREAD);
    CHECK_RC(gamenet_datagram_iterator_get_blob32(it, buf, sizeof buf, &n), GAMENET_ERR_OVERREAD);
    CHECK_RC(gamenet_datagram_iterator_extract_bytes(it, 5, buf, sizeof buf, &n), GAMENET_ERR_OVERREAD);
    CHECK_RC(gamenet_datagram_iterator_get_fixed_string(it, 9, buf, sizeof buf, &n), GAMENET_ERR_OVERREAD);
    CHECK_OK(gamenet_datagram_iterator_get_current_index(it, &pos));
    CHECK(pos == 0);
    CHECK_OK(gamenet_datagram_iterator_get_uint32(it, &u32));
    CHECK(u32 == 0x6261ffffu);
    CHECK_OK(gamenet_datagram_iterator_free(it));
    CHECK_OK(gamenet_datagram_iterator_new(wide, sizeof wide, &it));
    CHECK_RC(gamenet_datagram_iterator_get_wstring(it, text, sizeof text, &n), GAMENET_ERR_OVERREAD);
    CHECK_OK(gamenet_datagram_iterator_get_remaining_size(it, &n));
    CHECK(n == 6);
    CHECK_OK(gamenet_datagram_iterator_free(it));
    /* An empty iterator. */
    CHECK_OK(gamenet_datagram_iterator_new(NULL, 0, &it));
    CHECK_RC(gamenet_datagram_iterator_get_uint8(it, buf), GAMENET_ERR_OVERREAD);
    CHECK_OK(gamenet_datagram_iterator_free(it));
}

static void limits(gamenet_datagram *d) {
    static uint8_t big[70000];
    size_t n = 0;
    uint8_t one[1] = {0};
    CHECK_OK(gamenet_datagram_clear(d));
    CHECK_OK(gamenet_datagram_add_uint8(d, 9));
    CHECK_RC(gamenet_datagram_add_string(d, big, sizeof big), GAMENET_ERR_TOO_LARGE);
    CHECK(strstr(last_error(), "70000 bytes") != NULL);
    CHECK_RC(gamenet_datagram_add_blob(d, big, 65536), GAMENET_ERR_TOO_LARGE);
    CHECK_RC(gamenet_datagram_add_wstring(d, "\xff\xfe"), GAMENET_ERR_INVALID_ARGUMENT);
    CHECK_RC(gamenet_datagram_pad_bytes(d, SIZE_MAX / 2), GAMENET_ERR_TOO_LARGE);
    CHECK_RC(gamenet_datagram_add_fixed_string(d, one, 1, SIZE_MAX / 2), GAMENET_ERR_TOO_LARGE);
    CHECK_OK(gamenet_datagram_get_length(d, &n));
    CHECK(n == 1); /* nothing appended by the failures */
    CHECK_OK(gamenet_datagram_add_string(d, big, 65535));
    CHECK_OK(gamenet_datagram_get_length(d, &n));
    CHECK(n == 1 + 2 + 65535);
    CHECK_RC(gamenet_datagram_get_data(d, one, sizeof one, &n), GAMENET_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 1 + 2 + 65535);
}

int main(void) {
    gamenet_datagram *d = NULL;
    CHECK_OK(gamenet_datagram_new(&d));
    golden(d);
    round_trip(d);
    hostile_bytes();
    limits(d);
    CHECK_OK(gamenet_datagram_free(d));
    DONE();
}
