/* gamenet through its public C header, with the workloads of raw.c and enet_bench.c.
   Usage: gamenet_bench MODE N SIZE
     tcp        writer 1 thread -> loopback TCP -> reader 1 thread, drained with
                gamenet_reader_get_data_batch; sends in batches of 1024  -> rate
     tcp1       the same, one gamenet_writer_send call per datagram     -> rate
     pingpong   32-byte ping-pong, polling readers (0 threads)          -> median_us, p99_us
     pingpongt  the same with reader threads                            -> median_us, p99_us
     udp        gamenet_writer_send_to per datagram, reader 1 thread    -> rate, received, dropped
     udpbatch   gamenet_writer_send_to_batch, 64 per call              -> rate, received, dropped
     bulk       SIZE-byte datagrams, 4-byte header, drained with zero-copy views -> gbps
     deep       N datagrams queued in the reader before the first read  -> rate
     idle       N idle connections (peers in a child process)           -> bytes_per_conn,
                then the delay until a new connection's first datagram is delivered
                                                                         -> first_median_us */
#include "common.h"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "gamenet_ok.h"

static long n_msgs;
static size_t msg_size;

struct rig {
    gamenet_manager *m;
    gamenet_listener *l;
    gamenet_reader *r;
    gamenet_writer *w;
    gamenet_conn client, server;
};

static void rig_open(struct rig *g, uint32_t reader_threads, uint32_t writer_threads) {
    gamenet_conn rv;
    gamenet_address at;
    gamenet_new_connection nc;
    OK(gamenet_manager_new(&g->m));
    OK(gamenet_listener_new(g->m, 0, &g->l));
    OK(gamenet_reader_new(g->m, reader_threads, &g->r));
    OK(gamenet_writer_new(g->m, writer_threads, &g->w));
    OK(gamenet_manager_open_tcp_server_rendezvous(g->m, "127.0.0.1", 0, 64, &rv));
    OK(gamenet_listener_add_connection(g->l, rv));
    OK(gamenet_conn_get_local_address(g->m, rv, &at));
    OK(gamenet_manager_open_tcp_client_connection(g->m, &at, 3000, &g->client));
    OK(gamenet_listener_poll(g->l, 3000));
    OK(gamenet_listener_get_new_connection(g->l, &nc));
    g->server = nc.conn;
}

static struct rig rig;

static void *batch_sender(void *arg) {
    int one_by_one = *(int *)arg;
    size_t per = 1024, i;
    uint8_t *data = calloc(per, msg_size ? msg_size : 1);
    size_t *lens = malloc(per * sizeof *lens);
    long left = n_msgs;
    for (i = 0; i < per; i++) lens[i] = msg_size;
    while (left > 0) {
        size_t k = left < (long)per ? (size_t)left : per, sent = 0;
        if (one_by_one) {
            for (i = 0; i < k; i++) OK(gamenet_writer_send(rig.w, rig.client, data, msg_size, true));
            sent = k;
        } else {
            OK(gamenet_writer_send_batch(rig.w, rig.client, data, lens, k, true, &sent));
        }
        left -= (long)sent;
    }
    free(data);
    free(lens);
    return NULL;
}

/* Drains n datagrams with the batch call. */
static void drain(gamenet_reader *r, long n) {
    size_t cap = 1 << 20, count = 0;
    uint8_t *buf = malloc(cap);
    gamenet_datagram_info *infos = malloc(4096 * sizeof *infos);
    long got = 0;
    while (got < n) {
        gamenet_result rc = gamenet_reader_get_data_batch(r, buf, cap, infos, 4096, &count);
        if (rc == GAMENET_OK) got += (long)count;
        else if (rc == GAMENET_EMPTY) gamenet_reader_poll(r, 10);
        else OK(rc);
    }
    free(buf);
    free(infos);
}

static void tcp(int one_by_one, int header) {
    pthread_t t;
    double t0;
    rig_open(&rig, 1, 1);
    if (header == 4) {
        OK(gamenet_writer_set_tcp_header_size(rig.w, 4));
        OK(gamenet_reader_set_tcp_header_size(rig.r, 4));
        OK(gamenet_reader_set_max_datagram_size(rig.r, 2 << 20));
        OK(gamenet_writer_set_max_buffer_bytes(rig.w, 4 << 20));
    }
    OK(gamenet_reader_add_connection(rig.r, rig.server));
    t0 = now_s();
    pthread_create(&t, NULL, batch_sender, &one_by_one);
    if (header == 4) {
        /* Bulk: zero-copy views, as a program handling large datagrams would: each view
           owns its datagram until it is freed. */
        long got = 0;
        gamenet_datagram_info info;
        gamenet_view *view;
        const uint8_t *bytes;
        size_t len;
        while (got < n_msgs) {
            gamenet_result rc = gamenet_reader_get_data_view(rig.r, &info, &view);
            if (rc == GAMENET_OK) {
                OK(gamenet_view_bytes(view, &bytes, &len));
                if (len != msg_size || bytes == NULL) die("view of the wrong size");
                OK(gamenet_view_free(view));
                got++;
            } else if (rc == GAMENET_EMPTY) {
                gamenet_reader_poll(rig.r, 10);
            } else {
                OK(rc);
            }
        }
    } else {
        drain(rig.r, n_msgs);
    }
    pthread_join(t, NULL);
    if (header == 4) printf("gbps=%.3f\n", (double)n_msgs * (double)msg_size / (now_s() - t0) / 1e9);
    else printf("rate=%.0f\n", (double)n_msgs / (now_s() - t0));
}

static void deep(void) {
    int zero = 0;
    pthread_t t;
    double t0;
    size_t q = 0;
    rig_open(&rig, 1, 1);
    OK(gamenet_reader_set_max_queue_size(rig.r, (size_t)n_msgs * 2));
    OK(gamenet_writer_set_max_queue_size(rig.w, (size_t)n_msgs * 2));
    OK(gamenet_writer_set_max_buffer_bytes(rig.w, 64 << 20));
    OK(gamenet_reader_add_connection(rig.r, rig.server));
    t0 = now_s();
    pthread_create(&t, NULL, batch_sender, &zero);
    pthread_join(t, NULL);
    while (q < (size_t)n_msgs) {
        usleep(100);
        OK(gamenet_reader_get_current_queue_size(rig.r, &q));
    }
    drain(rig.r, n_msgs);
    printf("rate=%.0f\n", (double)n_msgs / (now_s() - t0));
}

static volatile int echo_stop;

static void *echo(void *arg) {
    gamenet_reader *r = (gamenet_reader *)arg;
    uint8_t buf[64];
    size_t n;
    gamenet_datagram_info info;
    while (!echo_stop) {
        if (gamenet_reader_poll(r, 50) != GAMENET_OK) continue;
        while (gamenet_reader_get_data(r, &info, buf, sizeof buf, &n) == GAMENET_OK)
            gamenet_writer_send(rig.w, info.conn, buf, n, true);
    }
    return NULL;
}

static void pingpong(uint32_t threads) {
    gamenet_reader *server_reader;
    pthread_t t;
    uint8_t buf[64];
    size_t n;
    gamenet_datagram_info info;
    double *rtt = malloc((size_t)n_msgs * sizeof *rtt);
    long i;
    rig_open(&rig, threads, 0);
    OK(gamenet_reader_new(rig.m, threads, &server_reader));
    OK(gamenet_reader_add_connection(server_reader, rig.server));
    OK(gamenet_reader_add_connection(rig.r, rig.client));
    pthread_create(&t, NULL, echo, server_reader);
    memset(buf, 7, sizeof buf);
    for (i = -1000; i < n_msgs; i++) {
        double t0 = now_s();
        OK(gamenet_writer_send(rig.w, rig.client, buf, 32, true));
        do {
            gamenet_reader_poll(rig.r, 1000);
        } while (gamenet_reader_get_data(rig.r, &info, buf, sizeof buf, &n) != GAMENET_OK);
        if (i >= 0) rtt[i] = now_s() - t0;
    }
    print_rtt(rtt, (size_t)n_msgs);
    echo_stop = 1;
    pthread_join(t, NULL);
    free(rtt);
}

static void udp(int batched) {
    gamenet_manager *m;
    gamenet_writer *w;
    gamenet_reader *r;
    gamenet_conn a, b;
    gamenet_address to;
    gamenet_reader_stats rs;
    uint8_t payload[2048];
    long sent = 0;
    double t0, dt;
    OK(gamenet_manager_new(&m));
    OK(gamenet_writer_new(m, 0, &w));
    OK(gamenet_reader_new(m, 1, &r));
    OK(gamenet_reader_set_max_queue_size(r, 1 << 22));
    OK(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, &a));
    OK(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, &b));
    OK(gamenet_conn_set_recv_buffer_size(m, b, 4 << 20));
    OK(gamenet_reader_add_connection(r, b));
    OK(gamenet_conn_get_local_address(m, b, &to));
    memset(payload, 1, sizeof payload);
    t0 = now_s();
    if (batched) {
        /* 64 datagrams per call, each with its address (sendmmsg underneath). */
        static gamenet_address tos[64];
        static size_t lens[64];
        static uint8_t packed[64 * 2048];
        size_t k;
        for (k = 0; k < 64; k++) {
            tos[k] = to;
            lens[k] = msg_size;
        }
        while (sent < n_msgs) {
            size_t want = n_msgs - sent < 64 ? (size_t)(n_msgs - sent) : 64, done = 0;
            if (gamenet_writer_send_to_batch(w, a, tos, packed, lens, want, false, &done) ==
                GAMENET_OK)
                sent += (long)done;
        }
    }
    while (!batched && sent < n_msgs) {
        if (gamenet_writer_send_to(w, a, &to, payload, msg_size, false) == GAMENET_OK) sent++;
    }
    dt = now_s() - t0;
    usleep(200000);
    OK(gamenet_reader_get_stats(r, &rs));
    printf("rate=%.0f received=%llu dropped=%lld\n", (double)sent / dt,
           (unsigned long long)rs.datagrams, (long long)sent - (long long)rs.datagrams);
}

static long rss_bytes(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%ld %ld", &pages, &resident) != 2) die("statm");
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

static void idle(void) {
    gamenet_conn rv;
    gamenet_address at;
    gamenet_listener_stats ls;
    long before, after;
    double first[101];
    pid_t child;
    int i, pipefd[2];
    char c;
    OK(gamenet_manager_new(&rig.m));
    OK(gamenet_listener_new(rig.m, 1, &rig.l));
    OK(gamenet_reader_new(rig.m, 1, &rig.r));
    OK(gamenet_writer_new(rig.m, 0, &rig.w));
    OK(gamenet_listener_set_reader(rig.l, rig.r));
    OK(gamenet_manager_open_tcp_server_rendezvous(rig.m, "127.0.0.1", 0, 4096, &rv));
    OK(gamenet_listener_add_connection(rig.l, rv));
    OK(gamenet_conn_get_local_address(rig.m, rv, &at));
    if (pipe(pipefd)) die("pipe");
    before = rss_bytes();
    child = fork();
    if (child == 0) {
        /* The peers: N plain sockets that connect and stay silent until the pipe closes. */
        struct sockaddr_in sa;
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons(at.port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        close(pipefd[1]);
        for (i = 0; i < n_msgs; i++) {
            int s = socket(AF_INET, SOCK_STREAM, 0);
            if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa)) _exit(1);
        }
        if (read(pipefd[0], &c, 1) < 0) _exit(1);
        _exit(0);
    }
    close(pipefd[0]);
    do {
        usleep(10000);
        OK(gamenet_listener_get_stats(rig.l, &ls));
    } while (ls.accepted < (uint64_t)n_msgs);
    {
        gamenet_new_connection nc;
        while (gamenet_listener_get_new_connection(rig.l, &nc) == GAMENET_OK) {}
    }
    usleep(100000);
    after = rss_bytes();
    /* A new connection's first datagram, with the N idle ones in place. */
    for (i = 0; i < 101; i++) {
        gamenet_conn cl;
        gamenet_datagram_info info;
        uint8_t buf[64];
        size_t n;
        double t0;
        OK(gamenet_manager_open_tcp_client_connection(rig.m, &at, 3000, &cl));
        t0 = now_s();
        OK(gamenet_writer_send(rig.w, cl, buf, 8, true));
        while (gamenet_reader_get_data(rig.r, &info, buf, sizeof buf, &n) != GAMENET_OK) {}
        first[i] = now_s() - t0;
        OK(gamenet_manager_close_connection(rig.m, cl));
    }
    qsort(first, 101, sizeof first[0], cmp_d);
    printf("bytes_per_conn=%.0f first_median_us=%.1f\n", (double)(after - before) / (double)n_msgs,
           first[50] * 1e6);
    close(pipefd[1]);
    waitpid(child, NULL, 0);
}

int main(int argc, char **argv) {
    const char *mode;
    int zero = 0, one = 1;
    (void)zero;
    (void)one;
    if (argc < 4) {
        fprintf(stderr, "usage: gamenet_bench MODE N SIZE\n");
        return 2;
    }
    mode = argv[1];
    n_msgs = atol(argv[2]);
    msg_size = (size_t)atol(argv[3]);
    if (!strcmp(mode, "tcp")) tcp(0, 2);
    else if (!strcmp(mode, "tcp1")) tcp(1, 2);
    else if (!strcmp(mode, "bulk")) tcp(0, 4);
    else if (!strcmp(mode, "deep")) deep();
    else if (!strcmp(mode, "pingpong")) pingpong(0);
    else if (!strcmp(mode, "pingpongt")) pingpong(1);
    else if (!strcmp(mode, "udp")) udp(0);
    else if (!strcmp(mode, "udpbatch")) udp(1);
    else if (!strcmp(mode, "idle")) idle();
    else { fprintf(stderr, "unknown mode %s\n", mode); return 2; }
    fflush(stdout);
    _exit(0); /* the handles die with the process; no need to wait for their threads */
}
