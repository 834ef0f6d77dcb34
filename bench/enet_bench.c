/* ENet 1.3 (Debian's libenet-dev) with the same workloads: the server host in a child
   process and the client host in this one, each with a core to itself as a game's client
   and server would have. Every packet is stamped and checked (common.h).
   Usage: enet_bench MODE N SIZE
     reliable    N reliable SIZE-byte packets, sent in bursts of 1000 with a service call
                 after each burst                                     -> rate
     deep        N reliable packets all queued before the first service call -> rate
     unreliable  N unsequenced packets in bursts of 1000 -> rate (sent/s), received, dropped
     pingpong    32-byte reliable ping-pong                          -> median_us, p99_us
   Rates are measured from the first send until the server has received the last packet. */
#include "common.h"

#include <enet/enet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static long n_msgs;
static size_t msg_size;

/* The server process: receives, checks, and (pingpong) echoes. Reports on `report`: the
   time the last expected packet arrived and how many arrived. Stops when `stop` closes. */
static void serve(ENetHost *server, int mode_echo, int unreliable, int report, int stop) {
    ENetEvent ev;
    long received = 0;
    uint64_t next = 0;
    double last = 0;
    char c;
    fcntl(stop, F_SETFL, O_NONBLOCK);
    for (;;) {
        int r = enet_host_service(server, &ev, 1);
        if (r > 0 && ev.type == ENET_EVENT_TYPE_RECEIVE) {
            const uint8_t *p = ev.packet->data;
            size_t len = ev.packet->dataLength;
            if (mode_echo) {
                enet_peer_send(ev.peer, 0, enet_packet_create(p, len, ENET_PACKET_FLAG_RELIABLE));
                enet_host_flush(server);
            } else {
                uint64_t seq = unreliable ? seq_of(p, len) : next;
                if (seq < next) die("enet: sequence numbers went back");
                check(p, len, msg_size, seq);
                next = seq + 1;
                received++;
                last = now_s();
            }
            enet_packet_destroy(ev.packet);
            if (!unreliable && !mode_echo && received == n_msgs) {
                if (write(report, &last, sizeof last) < 0 || write(report, &received, sizeof received) < 0)
                    _exit(1);
            }
        }
        if (r <= 0 && read(stop, &c, 1) == 0) break; /* closed: the client is done */
    }
    if (unreliable && (write(report, &last, sizeof last) < 0 || write(report, &received, sizeof received) < 0))
        _exit(1);
    _exit(0);
}

static ENetHost *client;
static ENetPeer *peer;
static int report_fd, stop_fd;
static pid_t child;

static void setup(int mode_echo, int unreliable) {
    ENetAddress addr;
    ENetHost *server;
    int rep[2], stp[2];
    double t0 = now_s();
    if (enet_initialize()) die("enet_initialize");
    enet_address_set_host(&addr, "127.0.0.1");
    addr.port = 0;
    server = enet_host_create(&addr, 4, 2, 0, 0);
    if (!server) die("enet_host_create");
    enet_socket_get_address(server->socket, &addr);
    if (pipe(rep) || pipe(stp)) die("pipe");
    child = fork();
    if (child == 0) {
        close(rep[0]);
        close(stp[1]);
        serve(server, mode_echo, unreliable, rep[1], stp[0]);
    }
    close(rep[1]);
    close(stp[0]);
    report_fd = rep[0];
    stop_fd = stp[1];
    client = enet_host_create(NULL, 1, 2, 0, 0);
    peer = enet_host_connect(client, &addr, 2, 0);
    while (peer->state != ENET_PEER_STATE_CONNECTED) {
        ENetEvent ev;
        enet_host_service(client, &ev, 1);
        if (now_s() - t0 > 5) die("enet connect");
    }
}

static void finish(void) {
    close(stop_fd);
    waitpid(child, NULL, 0);
}

static void service_client(void) {
    ENetEvent ev;
    while (enet_host_service(client, &ev, 0) > 0) {
        if (ev.type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(ev.packet);
    }
}

static void throughput(int flags, int burst) {
    uint8_t *data = malloc(msg_size ? msg_size : 1);
    long sent = 0, received = 0;
    double t0, last = 0;
    stamp(data, msg_size, 0);
    t0 = now_s();
    while (sent < n_msgs) {
        long k = burst ? (n_msgs - sent < 1000 ? n_msgs - sent : 1000) : n_msgs;
        long i;
        for (i = 0; i < k; i++) {
            restamp(data, msg_size, (uint64_t)(sent + i));
            enet_peer_send(peer, 0, enet_packet_create(data, msg_size, (enet_uint32)flags));
        }
        sent += k;
        service_client();
    }
    if (flags & ENET_PACKET_FLAG_RELIABLE) {
        /* Keep servicing (acknowledgements, resends) until the server reports the last. */
        fcntl(report_fd, F_SETFL, O_NONBLOCK);
        for (;;) {
            ENetEvent ev;
            if (read(report_fd, &last, sizeof last) == sizeof last) break;
            enet_host_service(client, &ev, 1);
        }
        fcntl(report_fd, F_SETFL, 0);
        if (read(report_fd, &received, sizeof received) != sizeof received) die("report");
        printf("rate=%.0f\n", (double)received / (last - t0));
        finish();
    } else {
        double dt;
        enet_host_flush(client);
        dt = now_s() - t0;
        usleep(200000);
        close(stop_fd);
        if (read(report_fd, &last, sizeof last) != sizeof last ||
            read(report_fd, &received, sizeof received) != sizeof received)
            die("report");
        waitpid(child, NULL, 0);
        printf("rate=%.0f received=%ld dropped=%ld\n", (double)n_msgs / dt, received,
               n_msgs - received);
    }
    free(data);
}

static void pingpong(void) {
    uint8_t data[32];
    double *rtt = malloc((size_t)n_msgs * sizeof *rtt);
    long i;
    for (i = -1000; i < n_msgs; i++) {
        ENetEvent ev;
        uint64_t seq = (uint64_t)(i + 1000);
        double t0 = now_s();
        stamp(data, sizeof data, seq);
        enet_peer_send(peer, 0, enet_packet_create(data, sizeof data, ENET_PACKET_FLAG_RELIABLE));
        enet_host_flush(client);
        for (;;) {
            if (enet_host_service(client, &ev, 1) > 0 && ev.type == ENET_EVENT_TYPE_RECEIVE) {
                check(ev.packet->data, ev.packet->dataLength, sizeof data, seq);
                enet_packet_destroy(ev.packet);
                break;
            }
        }
        if (i >= 0) rtt[i] = now_s() - t0;
    }
    finish();
    print_rtt(rtt, (size_t)n_msgs);
}

int main(int argc, char **argv) {
    const char *mode;
    if (argc < 4) {
        fprintf(stderr, "usage: enet_bench MODE N SIZE\n");
        return 2;
    }
    mode = argv[1];
    n_msgs = atol(argv[2]);
    msg_size = (size_t)atol(argv[3]);
    if (!strcmp(mode, "reliable")) { setup(0, 0); throughput(ENET_PACKET_FLAG_RELIABLE, 1); }
    else if (!strcmp(mode, "deep")) { setup(0, 0); throughput(ENET_PACKET_FLAG_RELIABLE, 0); }
    else if (!strcmp(mode, "unreliable")) { setup(0, 1); throughput(ENET_PACKET_FLAG_UNSEQUENCED, 1); }
    else if (!strcmp(mode, "pingpong")) { setup(1, 0); pingpong(); }
    else { fprintf(stderr, "unknown mode\n"); return 2; }
    return 0;
}
