/* ENet 1.3 (Debian's libenet-dev) with the same workloads, client and server hosts in one
   process. Usage: enet_bench MODE N SIZE
     reliable    N reliable SIZE-byte packets, sent in bursts of 1000, serviced between
     deep        N reliable packets all queued before the first service call
     unreliable  N unreliable packets in bursts of 1000 -> rate, received, dropped
     pingpong    32-byte reliable ping-pong, the server on its own thread -> median_us, p99_us */
#include "common.h"

#include <enet/enet.h>
#include <pthread.h>

static long n_msgs;
static size_t msg_size;
static ENetHost *server, *client;
static ENetPeer *to_server;
static long received;

static void service(ENetHost *h, ENetPeer **peer_out) {
    ENetEvent ev;
    while (enet_host_service(h, &ev, 0) > 0) {
        if (ev.type == ENET_EVENT_TYPE_RECEIVE) {
            received++;
            enet_packet_destroy(ev.packet);
        } else if (ev.type == ENET_EVENT_TYPE_CONNECT && peer_out) {
            *peer_out = ev.peer;
        }
    }
}

static void setup(void) {
    ENetAddress addr;
    ENetPeer *srv_peer = NULL;
    double t0 = now_s();
    if (enet_initialize()) die("enet_initialize");
    enet_address_set_host(&addr, "127.0.0.1");
    addr.port = 0;
    server = enet_host_create(&addr, 4, 2, 0, 0);
    if (!server) die("enet_host_create");
    enet_socket_get_address(server->socket, &addr);
    client = enet_host_create(NULL, 1, 2, 0, 0);
    to_server = enet_host_connect(client, &addr, 2, 0);
    while (to_server->state != ENET_PEER_STATE_CONNECTED || !srv_peer) {
        service(client, NULL);
        service(server, &srv_peer);
        if (now_s() - t0 > 5) die("enet connect");
    }
}

static void throughput(int flags, int burst) {
    uint8_t data[65536];
    long sent = 0;
    double t0, idle_since;
    memset(data, 1, sizeof data);
    t0 = now_s();
    while (sent < n_msgs) {
        long k = burst ? (n_msgs - sent < 1000 ? n_msgs - sent : 1000) : n_msgs;
        long i;
        for (i = 0; i < k; i++)
            enet_peer_send(to_server, 0, enet_packet_create(data, msg_size, (enet_uint32)flags));
        sent += k;
        service(client, NULL);
        service(server, NULL);
    }
    idle_since = now_s();
    while (received < n_msgs && now_s() - idle_since < 1.0) {
        long before = received;
        service(client, NULL);
        service(server, NULL);
        if (received != before) idle_since = now_s();
    }
    if (flags & ENET_PACKET_FLAG_RELIABLE) {
        printf("rate=%.0f\n", (double)received / (now_s() - t0));
    } else {
        printf("rate=%.0f received=%ld dropped=%ld\n", (double)n_msgs / (now_s() - t0), received,
               n_msgs - received);
    }
}

static volatile int stop;

static void *echo(void *arg) {
    ENetEvent ev;
    (void)arg;
    while (!stop) {
        if (enet_host_service(server, &ev, 1) > 0 && ev.type == ENET_EVENT_TYPE_RECEIVE) {
            ENetPacket *p = enet_packet_create(ev.packet->data, ev.packet->dataLength,
                                               ENET_PACKET_FLAG_RELIABLE);
            enet_peer_send(ev.peer, 0, p);
            enet_packet_destroy(ev.packet);
            enet_host_flush(server);
        }
    }
    return NULL;
}

static void pingpong(void) {
    pthread_t t;
    uint8_t data[32];
    double *rtt = malloc((size_t)n_msgs * sizeof *rtt);
    long i;
    memset(data, 7, sizeof data);
    pthread_create(&t, NULL, echo, NULL);
    for (i = -1000; i < n_msgs; i++) {
        ENetEvent ev;
        double t0 = now_s();
        enet_peer_send(to_server, 0, enet_packet_create(data, sizeof data, ENET_PACKET_FLAG_RELIABLE));
        enet_host_flush(client);
        for (;;) {
            if (enet_host_service(client, &ev, 1) > 0 && ev.type == ENET_EVENT_TYPE_RECEIVE) {
                enet_packet_destroy(ev.packet);
                break;
            }
        }
        if (i >= 0) rtt[i] = now_s() - t0;
    }
    stop = 1;
    pthread_join(t, NULL);
    print_rtt(rtt, (size_t)n_msgs);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: enet_bench MODE N SIZE\n");
        return 2;
    }
    n_msgs = atol(argv[2]);
    msg_size = (size_t)atol(argv[3]);
    setup();
    if (!strcmp(argv[1], "reliable")) throughput(ENET_PACKET_FLAG_RELIABLE, 1);
    else if (!strcmp(argv[1], "deep")) throughput(ENET_PACKET_FLAG_RELIABLE, 0);
    else if (!strcmp(argv[1], "unreliable")) throughput(ENET_PACKET_FLAG_UNSEQUENCED, 1);
    else if (!strcmp(argv[1], "pingpong")) pingpong();
    else { fprintf(stderr, "unknown mode\n"); return 2; }
    return 0;
}
