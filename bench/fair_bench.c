/* What hostile peers cost an honest one: a gamenet echo server (listener thread, reader
   with 1 thread, writer with 1 thread, default settings; it drops an echo the writer
   refuses, as a game server does for a client that does not keep up) and raw-socket
   clients on loopback.
   Usage: fair_bench MODE N [THREADS [SHARE]]  (THREADS: reader and writer threads of the
   server, 1 by default; 0 = polling reader and immediate writer in the server's loop.
   SHARE: the reader's share per connection; default gamenet's)
     none     the honest client alone
     stalled  beside 4 clients that send requests and never read their echoes
     flood    beside 1 client that sends 32-byte requests as fast as it can (and reads
              and discards its echoes)
   The honest client does N round trips of a 32-byte datagram (blocking socket), then
   sends N datagrams with 32 in flight and checks every echo.
   Prints: rtt_median_us, rtt_p99_us, rate (honest echoes per second); an echo that never
   comes (dropped by the server) prints "inf" and lost=1. */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "gamenet_ok.h"

#define MSG 32

static gamenet_reader *reader;
static gamenet_writer *writer;
static volatile int stop;
static uint16_t port;

/* The server: takes each datagram and echoes it, never blocking. Its buffer holds the
   largest datagram a 2-byte header can announce, so no datagram stays stuck at the head
   of the queue for want of room. */
static void *server(void *arg) {
    static uint8_t buf[65536];
    size_t n;
    gamenet_datagram_info info;
    (void)arg;
    while (!stop) {
        if (gamenet_reader_poll(reader, 50) != GAMENET_OK) continue;
        while (gamenet_reader_get_data(reader, &info, buf, sizeof buf, &n) == GAMENET_OK)
            (void)gamenet_writer_send(writer, info.conn, buf, n, false);
    }
    return NULL;
}

static int dial(int rcvbuf) {
    struct sockaddr_in a;
    int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) die("socket");
    if (rcvbuf > 0) setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return s;
}

static void write_all(int s, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t k = write(s, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) die("write");
        p += k;
        n -= (size_t)k;
    }
}

/* Reads n bytes; an echo that does not come within 5 s (the server dropped it: its
   writer refused the send) ends the run with "lost". */
static void read_all(int s, uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t k = read(s, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            printf("rtt_median_us=inf rtt_p99_us=inf rate=0 lost=1\n");
            fflush(stdout);
            _exit(0);
        }
        if (k <= 0) die("read");
        p += k;
        n -= (size_t)k;
    }
}

/* A block of framed 32-byte datagrams (2-byte little-endian length). */
static uint8_t block[64 * 1024];
static size_t block_len;

static void fill_block(void) {
    for (block_len = 0; block_len + 2 + MSG <= sizeof block; block_len += 2 + MSG) {
        block[block_len] = MSG;
        block[block_len + 1] = 0;
        memset(block + block_len + 2, 0xEE, MSG);
    }
}

/* Stalled clients: 64 requests every 100 us each, non-blocking, never reading their
   echoes (the server's writer fills up for them within a few hundred milliseconds). A
   partial send is finished first, so the framing stays whole. */
static void *stalled(void *arg) {
    int *socks = (int *)arg, i;
    size_t burst = 64 * (2 + MSG), off[4] = {0, 0, 0, 0};
    while (!stop) {
        for (i = 0; i < 4; i++) {
            ssize_t k = send(socks[i], block + off[i], burst - off[i], MSG_DONTWAIT | MSG_NOSIGNAL);
            if (k > 0) off[i] = (off[i] + (size_t)k) % burst;
        }
        usleep(100);
    }
    return NULL;
}

static void *flood_write(void *arg) {
    int s = *(int *)arg;
    while (!stop) {
        if (send(s, block, block_len, MSG_NOSIGNAL) < 0 && errno != EINTR) break;
    }
    return NULL;
}

static void *flood_read(void *arg) {
    int s = *(int *)arg;
    static uint8_t sink[64 * 1024];
    while (!stop) {
        if (read(s, sink, sizeof sink) <= 0) break;
    }
    return NULL;
}

int main(int argc, char **argv) {
    gamenet_manager *m;
    gamenet_listener *l;
    gamenet_conn rv;
    gamenet_address at;
    pthread_t srv, h1, h2;
    int hostile[4], honest, i;
    uint32_t threads;
    long n, k;
    const char *mode;
    double *rtt, t0;
    uint8_t req[2 + MSG], resp[2 + MSG], *many;
    if (argc < 3) {
        fprintf(stderr, "usage: fair_bench none|stalled|flood N\n");
        return 2;
    }
    mode = argv[1];
    n = atol(argv[2]);
    fill_block();
    OK(gamenet_manager_new(&m));
    OK(gamenet_listener_new(m, 1, &l));
    threads = argc > 3 ? (uint32_t)atol(argv[3]) : 1;
    OK(gamenet_reader_new(m, threads, &reader));
    if (argc > 4) OK(gamenet_reader_set_max_queue_per_connection(reader, (size_t)atol(argv[4])));
    OK(gamenet_writer_new(m, threads, &writer));
    OK(gamenet_listener_set_reader(l, reader));
    OK(gamenet_manager_open_tcp_server_rendezvous(m, "127.0.0.1", 0, 64, &rv));
    OK(gamenet_listener_add_connection(l, rv));
    OK(gamenet_conn_get_local_address(m, rv, &at));
    port = at.port;
    pthread_create(&srv, NULL, server, NULL);
    if (strcmp(mode, "stalled") == 0) {
        for (i = 0; i < 4; i++) hostile[i] = dial(4096);
        pthread_create(&h1, NULL, stalled, hostile);
    } else if (strcmp(mode, "flood") == 0) {
        hostile[0] = dial(0);
        pthread_create(&h1, NULL, flood_write, &hostile[0]);
        pthread_create(&h2, NULL, flood_read, &hostile[0]);
    } else if (strcmp(mode, "none") != 0) {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    /* Let the hostile peers reach their steady state (stalled buffers full). */
    usleep(1000 * 1000);
    honest = dial(0);
    {
        struct timeval tv = {5, 0};
        setsockopt(honest, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    req[0] = MSG;
    req[1] = 0;
    rtt = malloc((size_t)n * sizeof *rtt);
    for (k = -200; k < n; k++) {
        memset(req + 2, (int)(k & 0xff), MSG);
        t0 = now_s();
        write_all(honest, req, sizeof req);
        read_all(honest, resp, sizeof resp);
        if (k >= 0) rtt[k] = now_s() - t0;
        if (memcmp(req, resp, sizeof req) != 0) {
            fprintf(stderr, "round trip %ld: wrong echo\n", k);
            return 1;
        }
    }
    qsort(rtt, (size_t)n, sizeof *rtt, cmp_d);
    /* Throughput: N datagrams, 32 in flight, every echo checked in order. */
    many = malloc(sizeof req * 32);
    t0 = now_s();
    for (k = 0; k < n; k += 32) {
        for (i = 0; i < 32; i++) {
            memcpy(many + i * sizeof req, req, sizeof req);
            many[i * sizeof req + 2] = (uint8_t)i;
        }
        write_all(honest, many, sizeof req * 32);
        for (i = 0; i < 32; i++) {
            read_all(honest, resp, sizeof resp);
            if (resp[2] != (uint8_t)i) {
                fprintf(stderr, "echo %ld out of order\n", k + i);
                return 1;
            }
        }
    }
    printf("rtt_median_us=%.2f rtt_p99_us=%.2f rate=%.0f\n", rtt[n / 2] * 1e6,
           rtt[n * 99 / 100] * 1e6, (double)((n + 31) / 32 * 32) / (now_s() - t0));
    fflush(stdout);
    /* The hostile threads may sit in blocking calls: exit without joining them. */
    _exit(0);
}
