/* bench_rtt.h - round trips: a trapped register read through fakebao and the device model, and
 * the two cross-process floors it is judged against (eventfd ping-pong, shared-memory spin). */
#ifndef HARNESS_BENCH_RTT_H
#define HARNESS_BENCH_RTT_H

#include "bench.h"

/* Repeated 4-byte reads of DeviceID at mmio_base for dur_ns; samples into l. 0 or -errno. */
int bench_rtt_trap(struct fakebao *fb, uint64_t mmio_base, int64_t dur_ns, struct bench_lat *l);
/* Parent <-> forked child through two eventfds (both block in read), pinned to CPUs 0 and 1
 * (a cross-CPU wake-up, the floor for two processes) or both to CPU 0 (same_cpu: a context
 * switch). 0 or -errno. */
int bench_rtt_eventfd(int64_t dur_ns, struct bench_lat *l, int same_cpu);
/* Parent <-> forked child spinning on two words of a shared mapping, on CPUs 0 and 1. */
int bench_rtt_shm_spin(int64_t dur_ns, struct bench_lat *l);

#endif
