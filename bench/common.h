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
#endif
