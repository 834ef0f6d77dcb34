/* Shared helpers of the benchmark programs: time, sorting, printing one result line. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Prints "median_us=... p99_us=..." for n round trips (seconds). */
static inline void print_rtt(double *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_d);
    printf("median_us=%.2f p99_us=%.2f\n", v[n / 2] * 1e6, v[n * 99 / 100] * 1e6);
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

/* Every benchmark message carries its sequence number in its first 8 bytes (little
   endian, as far as the message is long) and the number's low byte in every other
   byte, so both sides of every row stamp the same bytes and check the same things. */
static inline void stamp(uint8_t *p, size_t len, uint64_t seq) {
    size_t i;
    memset(p, (int)(seq & 0xff), len);
    for (i = 0; i < 8 && i < len; i++) p[i] = (uint8_t)(seq >> (8 * i));
}

/* Re-stamps only the sequence number and the last byte of a buffer stamp() filled for
   sequence number seq - k (the middle bytes are left: checks read the ends). */
static inline void restamp(uint8_t *p, size_t len, uint64_t seq) {
    size_t i;
    for (i = 0; i < 8 && i < len; i++) p[i] = (uint8_t)(seq >> (8 * i));
    if (len > 8) p[len - 1] = (uint8_t)seq;
}

/* Checks a received message: its length, its sequence number and its last byte (which a
   misframed, truncated or shifted message gets wrong). Exits with a message on a
   mismatch: a row whose receiver got something else is not a result. */
static inline void check(const uint8_t *p, size_t len, size_t want_len, uint64_t seq) {
    uint64_t got = 0;
    size_t i;
    if (len != want_len) {
        fprintf(stderr, "message %llu: %zu bytes, expected %zu\n", (unsigned long long)seq, len,
                want_len);
        exit(3);
    }
    for (i = 0; i < 8 && i < len; i++) got |= (uint64_t)p[i] << (8 * i);
    if (len >= 8 && got != seq) {
        fprintf(stderr, "message %llu: sequence number %llu\n", (unsigned long long)seq,
                (unsigned long long)got);
        exit(3);
    }
    if (len > 8 && p[len - 1] != (uint8_t)seq) {
        fprintf(stderr, "message %llu: last byte %u\n", (unsigned long long)seq, p[len - 1]);
        exit(3);
    }
}

/* The sequence number of a message that may arrive out of order or not at all (UDP). */
static inline uint64_t seq_of(const uint8_t *p, size_t len) {
    uint64_t got = 0;
    size_t i;
    for (i = 0; i < 8 && i < len; i++) got |= (uint64_t)p[i] << (8 * i);
    return got;
}
#endif
