/* Built against an installed gamenet (tests/install.sh), as C and (app.cpp) as C++: sends one UDP
   datagram to itself on loopback and reads it back. Prints "ok" and exits 0 on success. */
#include <stdio.h>
#include <string.h>

#include <gamenet.h>

#define TRY(x)                                                                  \
    do {                                                                        \
        if ((x) != GAMENET_OK) {                                                \
            char m_[256];                                                       \
            size_t l_;                                                          \
            gamenet_last_error(m_, sizeof m_, &l_);                             \
            fprintf(stderr, "%s failed: %s\n", #x, m_);                         \
            return 1;                                                           \
        }                                                                       \
    } while (0)

int main(void) {
    gamenet_manager *m;
    gamenet_reader *r;
    gamenet_writer *w;
    gamenet_conn c;
    gamenet_address self;
    gamenet_datagram_info info;
    unsigned char buf[64];
    size_t n = 0;
    TRY(gamenet_manager_new(&m));
    TRY(gamenet_reader_new(m, 0, &r));
    TRY(gamenet_writer_new(m, 0, &w));
    TRY(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, &c));
    TRY(gamenet_reader_add_connection(r, c));
    TRY(gamenet_conn_get_local_address(m, c, &self));
    TRY(gamenet_writer_send_to(w, c, &self, (const unsigned char *)"installed", 9, false));
    TRY(gamenet_reader_poll(r, 5000));
    TRY(gamenet_reader_get_data(r, &info, buf, sizeof buf, &n));
    if (n != 9 || memcmp(buf, "installed", 9) != 0) {
        fprintf(stderr, "wrong datagram\n");
        return 1;
    }
    TRY(gamenet_reader_free(r));
    TRY(gamenet_writer_free(w));
    TRY(gamenet_manager_free(m));
    printf("ok\n");
    return 0;
}
