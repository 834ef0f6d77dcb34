/* gamenet through its public C header, with the workloads of raw.c and enet_bench.c, the
   same framing and the same checks (every datagram stamped with its sequence number and
   checked on arrival, common.h).
   Usage: gamenet_bench MODE N SIZE [RT [WT]]
     RT, WT: the reader's and the writer's thread counts (default 1 and 1). RT 0 is a
     polling reader: the receiving thread's own calls read the socket (it busy-polls, then
     sleeps, in gamenet_reader_poll). WT 0 is an immediate writer: the sending thread's own
     call writes to the socket.
     tcp        sends in batches of as many as raw.c packs in 64 KiB (send_batch) ->
                drained with gamenet_reader_get_data_batch             -> rate
     tcp1       the same, one gamenet_writer_send call per datagram     -> rate
     tcprefs    as tcp, drained zero-copy with gamenet_reader_get_batch -> rate
     pingpong   32-byte ping-pong (both sides use RT; the writers WT 0) -> median_us, p99_us
                (environment BUSY_POLL_US: the readers' busy-poll time, else the default)
     udp        gamenet_writer_send_to per datagram (WT 0), received by a polling reader
                drained on its own thread                               -> rate, received, dropped
     udpbatch   gamenet_writer_send_to_batch, 64 per call              -> rate, received, dropped
     bulk       SIZE-byte datagrams, 4-byte header, drained with zero-copy views -> gbps
     deep       N datagrams queued in the reader before the first read  -> rate
                (a 6th argument CHUNK: CHUNK at a time, each queued whole, then read)
     idle       N idle connections (peers in a child process)           -> bytes_per_conn,
                then the delay until a new connection's first datagram is delivered
                                                                         -> first_median_us */
#include "common.h"

#include <pthread.h>
#include <sched.h>
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
static uint32_t reader_threads = 1, writer_threads = 1;
static uint64_t seq_base; /* the number of batch_sender's first datagram */

static void *batch_sender(void *arg) {
    int one_by_one = *(int *)arg;
    /* As many datagrams a call as raw.c packs into one 64 KiB write (at least one). */
    size_t i, sz = msg_size ? msg_size : 1, per = 65536 / (sz + 2) ? 65536 / (sz + 2) : 1;
    uint8_t *data = malloc(per * sz);
    size_t *lens = malloc(per * sizeof *lens);
    long sent_all = 0;
    for (i = 0; i < per; i++) {
        lens[i] = msg_size;
        stamp(data + i * msg_size, msg_size, i);
    }
    while (sent_all < n_msgs) {
        size_t k = n_msgs - sent_all < (long)per ? (size_t)(n_msgs - sent_all) : per, sent = 0;
        for (i = 0; i < k; i++) restamp(data + i * msg_size, msg_size, seq_base + (uint64_t)sent_all + i);
        if (one_by_one) {
            for (i = 0; i < k; i++)
                OK(gamenet_writer_send(rig.w, rig.client, data + i * msg_size, msg_size, true));
            sent = k;
        } else {
            OK(gamenet_writer_send_batch(rig.w, rig.client, data, lens, k, true, &sent));
        }
        if (sent != k) die("short batch");
        sent_all += (long)sent;
    }
    /* An immediate writer's blocking send may leave the tail of a batch to go out later. */
    OK(gamenet_writer_flush_wait(rig.w, 60000));
    free(data);
    free(lens);
    return NULL;
}

/* Drains and checks n datagrams with the batch call (copying into one buffer), the first
   numbered `first`. */
static void drain_from(gamenet_reader *r, long n, uint64_t first) {
    size_t cap = 1 << 20, count = 0, i;
    uint8_t *buf = malloc(cap);
    gamenet_datagram_info *infos = malloc(4096 * sizeof *infos);
    long got = 0;
    while (got < n) {
        gamenet_result rc = gamenet_reader_get_data_batch(r, buf, cap, infos, 4096, &count);
        if (rc == GAMENET_OK) {
            for (i = 0; i < count; i++, got++)
                check(buf + infos[i].offset, infos[i].len, msg_size, first + (uint64_t)got);
        } else if (rc == GAMENET_EMPTY) {
            gamenet_reader_poll(r, 10);
        } else {
            OK(rc);
        }
    }
    free(buf);
    free(infos);
}

static void drain(gamenet_reader *r, long n) { drain_from(r, n, 0); }

/* Drains and checks n datagrams zero-copy, a batch of references at a time. */
static void drain_refs(gamenet_reader *r, long n) {
    gamenet_datagram_ref *refs = malloc(4096 * sizeof *refs);
    gamenet_batch *batch;
    size_t count = 0, i;
    long got = 0;
    while (got < n) {
        gamenet_result rc = gamenet_reader_get_batch(r, refs, 4096, &count, &batch);
        if (rc == GAMENET_OK) {
            for (i = 0; i < count; i++, got++) check(refs[i].data, refs[i].len, msg_size, (uint64_t)got);
            OK(gamenet_batch_free(batch));
        } else if (rc == GAMENET_EMPTY) {
            gamenet_reader_poll(r, 10);
        } else {
            OK(rc);
        }
    }
    free(refs);
}

/* Bulk: zero-copy views, as a program handling large datagrams would: each view owns its
   datagram until it is freed. */
static void drain_views(gamenet_reader *r, long n) {
    long got = 0;
    gamenet_datagram_info info;
    gamenet_view *view;
    const uint8_t *bytes;
    size_t len;
    while (got < n) {
        gamenet_result rc = gamenet_reader_get_data_view(r, &info, &view);
        if (rc == GAMENET_OK) {
            OK(gamenet_view_bytes(view, &bytes, &len));
            check(bytes, len, msg_size, (uint64_t)got);
            OK(gamenet_view_free(view));
            got++;
        } else if (rc == GAMENET_EMPTY) {
            gamenet_reader_poll(r, 10);
        } else {
            OK(rc);
        }
    }
}

static void tcp(int one_by_one, int header, int refs) {
    pthread_t t;
    double t0;
    rig_open(&rig, reader_threads, writer_threads);
    if (header == 4) {
        OK(gamenet_writer_set_tcp_header_size(rig.w, 4));
        OK(gamenet_reader_set_tcp_header_size(rig.r, 4));
        OK(gamenet_reader_set_max_datagram_size(rig.r, 2 << 20));
        OK(gamenet_writer_set_max_buffer_bytes(rig.w, 4 << 20));
    }
    OK(gamenet_reader_add_connection(rig.r, rig.server));
    t0 = now_s();
    pthread_create(&t, NULL, batch_sender, &one_by_one);
    if (header == 4) drain_views(rig.r, n_msgs);
    else if (refs) drain_refs(rig.r, n_msgs);
    else drain(rig.r, n_msgs);
    pthread_join(t, NULL);
    if (header == 4) printf("gbps=%.3f\n", (double)n_msgs * (double)msg_size / (now_s() - t0) / 1e9);
    else printf("rate=%.0f\n", (double)n_msgs / (now_s() - t0));
}

/* Send CHUNK datagrams, wait until the reader has queued them all, drain them; repeat until
   N went through. CHUNK = N queues everything before the first read (a deep queue); a
   small CHUNK does the same work with a short queue. Both sides take turns, so the two
   differ only in the queue's depth. */
static void deep(long chunk) {
    double t0;
    long done = 0, all = n_msgs;
    int zero = 0;
    rig_open(&rig, reader_threads, writer_threads);
    OK(gamenet_reader_set_max_queue_size(rig.r, (size_t)chunk * 2));
    OK(gamenet_writer_set_max_queue_size(rig.w, (size_t)chunk * 2));
    OK(gamenet_writer_set_max_buffer_bytes(rig.w, 64 << 20));
    OK(gamenet_reader_add_connection(rig.r, rig.server));
    t0 = now_s();
    while (done < all) {
        size_t q = 0;
        n_msgs = all - done < chunk ? all - done : chunk;
        seq_base = (uint64_t)done;
        batch_sender(&zero); /* on this thread: the two sides take turns */
        while (q < (size_t)n_msgs) {
            if (reader_threads == 0) gamenet_reader_poll(rig.r, 0);
            else sched_yield();
            OK(gamenet_reader_get_current_queue_size(rig.r, &q));
        }
        drain_from(rig.r, n_msgs, (uint64_t)done);
        done += n_msgs;
    }
    printf("rate=%.0f\n", (double)all / (now_s() - t0));
}

#define PING 32
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

static void pingpong(void) {
    gamenet_reader *server_reader;
    pthread_t t;
    uint8_t buf[64], in[64];
    size_t n;
    gamenet_datagram_info info;
    double *rtt = malloc((size_t)n_msgs * sizeof *rtt);
    long i;
    rig_open(&rig, reader_threads, 0);
    OK(gamenet_reader_new(rig.m, reader_threads, &server_reader));
    OK(gamenet_reader_add_connection(server_reader, rig.server));
    OK(gamenet_reader_add_connection(rig.r, rig.client));
    if (getenv("BUSY_POLL_US")) {
        /* The readers' busy-poll time (gamenet's default unless set). */
        uint32_t us = (uint32_t)atoi(getenv("BUSY_POLL_US"));
        OK(gamenet_reader_set_busy_poll(server_reader, us));
        OK(gamenet_reader_set_busy_poll(rig.r, us));
    }
    pthread_create(&t, NULL, echo, server_reader);
    for (i = -1000; i < n_msgs; i++) {
        uint64_t seq = (uint64_t)(i + 1000);
        double t0 = now_s();
        stamp(buf, PING, seq);
        OK(gamenet_writer_send(rig.w, rig.client, buf, PING, true));
        do {
            gamenet_reader_poll(rig.r, 1000);
        } while (gamenet_reader_get_data(rig.r, &info, in, sizeof in, &n) != GAMENET_OK);
        if (i >= 0) rtt[i] = now_s() - t0;
        check(in, n, PING, seq);
    }
    print_rtt(rtt, (size_t)n_msgs);
    echo_stop = 1;
    pthread_join(t, NULL);
    free(rtt);
}

static volatile int udp_done;
static volatile long udp_received;

/* Counts and checks what arrives, as raw.c's receiver does: a polling reader drained with
   the batch call on this thread (the reader's own reads happen in that call). */
static void *udp_receiver(void *arg) {
    gamenet_reader *r = (gamenet_reader *)arg;
    static uint8_t buf[64 * 2048];
    gamenet_datagram_info infos[64];
    uint64_t next = 0;
    size_t count, i;
    while (!udp_done) {
        if (gamenet_reader_get_data_batch(r, buf, sizeof buf, infos, 64, &count) != GAMENET_OK) {
            usleep(50);
            continue;
        }
        for (i = 0; i < count; i++) {
            const uint8_t *p = buf + infos[i].offset;
            uint64_t seq = seq_of(p, infos[i].len);
            if (seq < next) die("udp: sequence numbers went back");
            check(p, infos[i].len, msg_size, seq);
            next = seq + 1;
        }
        udp_received += (long)count;
    }
    return NULL;
}

static void udp(int batched) {
    gamenet_manager *m;
    gamenet_writer *w;
    gamenet_reader *r;
    gamenet_conn a, b;
    gamenet_address to;
    static uint8_t packed[64 * 2048];
    long sent = 0;
    double t0, dt;
    pthread_t t;
    size_t k;
    OK(gamenet_manager_new(&m));
    OK(gamenet_writer_new(m, 0, &w));
    OK(gamenet_reader_new(m, 0, &r));
    OK(gamenet_reader_set_max_queue_size(r, 1 << 22));
    OK(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, &a));
    OK(gamenet_manager_open_udp_connection(m, "127.0.0.1", 0, false, &b));
    OK(gamenet_conn_set_recv_buffer_size(m, b, 4 << 20));
    OK(gamenet_reader_add_connection(r, b));
    OK(gamenet_conn_get_local_address(m, b, &to));
    for (k = 0; k < 64; k++) stamp(packed + k * msg_size, msg_size, k);
    pthread_create(&t, NULL, udp_receiver, r);
    t0 = now_s();
    if (batched) {
        /* 64 datagrams per call, each with its address (sendmmsg underneath). */
        static gamenet_address tos[64];
        static size_t lens[64];
        for (k = 0; k < 64; k++) {
            tos[k] = to;
            lens[k] = msg_size;
        }
        while (sent < n_msgs) {
            size_t want = n_msgs - sent < 64 ? (size_t)(n_msgs - sent) : 64, done = 0;
            for (k = 0; k < want; k++) restamp(packed + k * msg_size, msg_size, (uint64_t)sent + k);
            if (gamenet_writer_send_to_batch(w, a, tos, packed, lens, want, false, &done) ==
                GAMENET_OK)
                sent += (long)done;
        }
    }
    while (!batched && sent < n_msgs) {
        restamp(packed, msg_size, (uint64_t)sent);
        if (gamenet_writer_send_to(w, a, &to, packed, msg_size, false) == GAMENET_OK) sent++;
    }
    dt = now_s() - t0;
    usleep(200000);
    udp_done = 1;
    pthread_join(t, NULL);
    printf("rate=%.0f received=%ld dropped=%ld\n", (double)sent / dt, udp_received,
           sent - udp_received);
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
    if (argc < 4) {
        fprintf(stderr, "usage: gamenet_bench MODE N SIZE [RT [WT]]\n");
        return 2;
    }
    mode = argv[1];
    n_msgs = atol(argv[2]);
    msg_size = (size_t)atol(argv[3]);
    if (argc > 4) reader_threads = (uint32_t)atoi(argv[4]);
    if (argc > 5) writer_threads = (uint32_t)atoi(argv[5]);
    if (!strcmp(mode, "tcp")) tcp(0, 2, 0);
    else if (!strcmp(mode, "tcp1")) tcp(1, 2, 0);
    else if (!strcmp(mode, "tcprefs")) tcp(0, 2, 1);
    else if (!strcmp(mode, "bulk")) tcp(0, 4, 0);
    else if (!strcmp(mode, "deep")) deep(argc > 6 ? atol(argv[6]) : n_msgs);
    else if (!strcmp(mode, "pingpong")) pingpong();
    else if (!strcmp(mode, "udp")) udp(0);
    else if (!strcmp(mode, "udpbatch")) udp(1);
    else if (!strcmp(mode, "idle")) idle();
    else { fprintf(stderr, "unknown mode %s\n", mode); return 2; }
    fflush(stdout);
    _exit(0); /* the handles die with the process; no need to wait for their threads */
}
