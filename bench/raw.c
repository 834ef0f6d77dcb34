/* Raw-socket baselines (the machine's limit), one process, a sender and a receiver thread.
   Written as a plain program would be, with the same framing and the same checks as the
   gamenet rows: every message is stamped with its sequence number and every receiver
   checks each one (common.h).
   Usage: raw MODE N SIZE [WAIT]
     WAIT: block (default): receivers block in recv(); spin: receivers busy-poll a
           non-blocking socket, as gamenet's polling reader does before it sleeps;
           epoll (UDP): the receiver learns readiness from edge-triggered epoll (as
           gamenet's reader does), else it polls recvmmsg; both nap 50 us when idle.
     tcp1      one send() per message, TCP_NODELAY                -> rate (messages/s)
     tcpbatch  messages packed into 64 KiB writes                  -> rate
     bulk      SIZE-byte messages (4-byte header), 64 KiB writes;  -> gbps (GB/s of payload)
               the receiver reads each large message in place
     pingpong  32-byte ping-pong, N round trips                   -> median_us, p99_us
     udp       one sendto() per datagram                           -> rate (sent/s), received,
     udpmmsg   sendmmsg, 64 per call                                  dropped
   The TCP receiver reads into a 256 KiB buffer and parses the frames there, moving only the
   partial frame at its end; a frame larger than the buffer is read straight into a buffer
   of its own size (in place), as gamenet reads large datagrams. */
#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static long n_msgs;
static size_t msg_size;
static int hdr = 2;
static int spin;

static void tcp_pair(int *a, int *b) {
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int one = 1;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(l, (struct sockaddr *)&sa, sizeof sa) || listen(l, 1)) die("listen");
    getsockname(l, (struct sockaddr *)&sa, &len);
    *a = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(*a, (struct sockaddr *)&sa, sizeof sa)) die("connect");
    *b = accept(l, NULL, NULL);
    close(l);
    setsockopt(*a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(*b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) die("send");
        p += w;
        n -= (size_t)w;
    }
}

/* recv() that blocks, or spins on a non-blocking call, by the WAIT setting. */
static ssize_t rx(int fd, void *p, size_t n) {
    for (;;) {
        ssize_t r = recv(fd, p, n, spin ? MSG_DONTWAIT : 0);
        if (r >= 0 || !spin || (errno != EAGAIN && errno != EWOULDBLOCK)) return r;
    }
}

static void read_exact(int fd, uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t r = rx(fd, p, n);
        if (r <= 0) die("recv");
        p += r;
        n -= (size_t)r;
    }
}

struct tx { int fd; int batch; };

static void *tcp_sender(void *arg) {
    struct tx *t = (struct tx *)arg;
    size_t frame = (size_t)hdr + msg_size;
    size_t per = t->batch ? (65536 / frame ? 65536 / frame : 1) : 1;
    uint8_t *buf = malloc(per * frame);
    long sent = 0;
    size_t i;
    for (i = 0; i < per; i++) {
        uint8_t *f = buf + i * frame;
        if (hdr == 2) { f[0] = (uint8_t)msg_size; f[1] = (uint8_t)(msg_size >> 8); }
        else { uint32_t l = (uint32_t)msg_size; memcpy(f, &l, 4); }
        stamp(f + hdr, msg_size, i);
    }
    while (sent < n_msgs) {
        long k = n_msgs - sent < (long)per ? n_msgs - sent : (long)per;
        for (i = 0; i < (size_t)k; i++) restamp(buf + i * frame + hdr, msg_size, (uint64_t)sent + i);
        write_all(t->fd, buf, (size_t)k * frame);
        sent += k;
    }
    free(buf);
    return NULL;
}

/* Reads and checks frames until n_msgs arrived. */
static void tcp_receive(int fd) {
    size_t cap = 256 << 10, have = 0;
    uint8_t *buf = malloc(cap), *big = NULL;
    long got = 0;
    while (got < n_msgs) {
        ssize_t r = rx(fd, buf + have, cap - have);
        size_t at = 0;
        if (r <= 0) die("recv");
        have += (size_t)r;
        for (;;) {
            size_t len;
            if (have - at < (size_t)hdr) break;
            if (hdr == 2) len = (size_t)buf[at] | ((size_t)buf[at + 1] << 8);
            else { uint32_t l; memcpy(&l, buf + at, 4); len = l; }
            if (hdr + len > cap) {
                /* Larger than the buffer: the part already here, then the rest in place. */
                size_t part = have - at - (size_t)hdr;
                if (!big) big = malloc(len);
                memcpy(big, buf + at + hdr, part);
                read_exact(fd, big + part, len - part);
                check(big, len, msg_size, (uint64_t)got);
                got++;
                at = have;
                break;
            }
            if (have - at < hdr + len) break;
            check(buf + at + hdr, len, msg_size, (uint64_t)got);
            at += hdr + len;
            got++;
        }
        memmove(buf, buf + at, have - at);
        have -= at;
    }
    free(buf);
    free(big);
}

static void tcp_rate(int batch) {
    int a, b;
    pthread_t t;
    struct tx arg;
    double t0;
    tcp_pair(&a, &b);
    arg.fd = a;
    arg.batch = batch;
    t0 = now_s();
    pthread_create(&t, NULL, tcp_sender, &arg);
    tcp_receive(b);
    pthread_join(t, NULL);
    if (hdr == 4) printf("gbps=%.3f\n", (double)n_msgs * (double)msg_size / (now_s() - t0) / 1e9);
    else printf("rate=%.0f\n", (double)n_msgs / (now_s() - t0));
}

#define PING 32

static void *echo(void *arg) {
    int fd = *(int *)arg;
    uint8_t buf[PING + 2];
    for (;;) {
        size_t got = 0;
        while (got < sizeof buf) {
            ssize_t r = rx(fd, buf + got, sizeof buf - got);
            if (r <= 0) return NULL;
            got += (size_t)r;
        }
        write_all(fd, buf, sizeof buf);
    }
}

static void pingpong(void) {
    int a, b;
    pthread_t t;
    uint8_t buf[PING + 2], in[PING + 2];
    double *rtt = malloc((size_t)n_msgs * sizeof *rtt);
    long i;
    tcp_pair(&a, &b);
    pthread_create(&t, NULL, echo, &b);
    buf[0] = PING;
    buf[1] = 0;
    for (i = -1000; i < n_msgs; i++) {
        uint64_t seq = (uint64_t)(i + 1000);
        double t0 = now_s();
        stamp(buf + 2, PING, seq);
        write_all(a, buf, sizeof buf);
        read_exact(a, in, sizeof in);
        if (i >= 0) rtt[i] = now_s() - t0;
        check(in + 2, in[0] | (in[1] << 8), PING, seq);
    }
    print_rtt(rtt, (size_t)n_msgs);
    close(a);
    pthread_join(t, NULL);
    close(b);
    free(rtt);
}

static int udp_rx, use_epoll, readable;
static volatile long udp_received;
static volatile int udp_done;

/* Counts and checks what arrives: each datagram's length and last byte, and that the
   sequence numbers rise (loopback does not reorder; it may drop). */
static void *udp_receiver(void *arg) {
    static uint8_t buf[64][2048];
    struct mmsghdr msgs[64];
    struct iovec iov[64];
    uint64_t next = 0;
    int i;
    (void)arg;
    for (i = 0; i < 64; i++) {
        iov[i].iov_base = buf[i];
        iov[i].iov_len = sizeof buf[i];
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int ep = -1;
    if (use_epoll) {
        /* Readiness from edge-triggered epoll, as an event loop (and gamenet) has it. */
        struct epoll_event ev;
        ep = epoll_create1(0);
        ev.events = EPOLLIN | EPOLLET;
        ev.data.fd = udp_rx;
        if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, udp_rx, &ev)) die("epoll");
    }
    while (!udp_done) {
        int r;
        if (use_epoll && !readable) {
            struct epoll_event ev;
            if (epoll_wait(ep, &ev, 1, 0) <= 0) {
                usleep(50);
                continue;
            }
            readable = 1;
        }
        r = recvmmsg(udp_rx, msgs, 64, MSG_DONTWAIT, NULL);
        if (r <= 0) {
            readable = 0;
            if (!use_epoll) usleep(50);
            continue;
        }
        for (i = 0; i < r; i++) {
            uint64_t seq = seq_of(buf[i], msgs[i].msg_len);
            if (seq < next) die("udp: sequence numbers went back");
            check(buf[i], msgs[i].msg_len, msg_size, seq);
            next = seq + 1;
        }
        udp_received += r;
    }
    return NULL;
}

static void udp(int mmsg) {
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int tx = socket(AF_INET, SOCK_DGRAM, 0);
    int rcvbuf = 4 << 20;
    pthread_t t;
    static uint8_t payload[64][2048];
    struct mmsghdr msgs[64];
    struct iovec iov[64];
    long sent = 0;
    double t0, dt;
    int i;
    udp_rx = socket(AF_INET, SOCK_DGRAM, 0);
    setsockopt(udp_rx, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(udp_rx, (struct sockaddr *)&sa, sizeof sa);
    getsockname(udp_rx, (struct sockaddr *)&sa, &len);
    for (i = 0; i < 64; i++) {
        stamp(payload[i], msg_size, (uint64_t)i);
        iov[i].iov_base = payload[i];
        iov[i].iov_len = msg_size;
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_name = &sa;
        msgs[i].msg_hdr.msg_namelen = sizeof sa;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    pthread_create(&t, NULL, udp_receiver, NULL);
    t0 = now_s();
    while (sent < n_msgs) {
        if (mmsg) {
            int k = n_msgs - sent < 64 ? (int)(n_msgs - sent) : 64, r;
            for (i = 0; i < k; i++) restamp(payload[i], msg_size, (uint64_t)(sent + i));
            r = sendmmsg(tx, msgs, (unsigned)k, 0);
            if (r > 0) sent += r;
        } else {
            restamp(payload[0], msg_size, (uint64_t)sent);
            if (sendto(tx, payload[0], msg_size, 0, (struct sockaddr *)&sa, sizeof sa) > 0) sent++;
        }
    }
    dt = now_s() - t0;
    usleep(200000);
    udp_done = 1;
    pthread_join(t, NULL);
    printf("rate=%.0f received=%ld dropped=%ld\n", (double)sent / dt, udp_received,
           sent - udp_received);
}

int main(int argc, char **argv) {
    const char *mode;
    if (argc < 4) {
        fprintf(stderr, "usage: raw MODE N SIZE [block|spin]\n");
        return 2;
    }
    mode = argv[1];
    n_msgs = atol(argv[2]);
    msg_size = (size_t)atol(argv[3]);
    spin = argc > 4 && !strcmp(argv[4], "spin");
    use_epoll = argc > 4 && !strcmp(argv[4], "epoll");
    if (!strcmp(mode, "tcp1")) tcp_rate(0);
    else if (!strcmp(mode, "tcpbatch")) tcp_rate(1);
    else if (!strcmp(mode, "pingpong")) pingpong();
    else if (!strcmp(mode, "udp")) udp(0);
    else if (!strcmp(mode, "udpmmsg")) udp(1);
    else if (!strcmp(mode, "bulk")) { hdr = 4; tcp_rate(1); }
    else { fprintf(stderr, "unknown mode %s\n", mode); return 2; }
    return 0;
}
