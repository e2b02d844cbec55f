/* el2_host_priv.h - el2_host's state shared by its polling server (el2_host.c) and its
 * doorbell server (el2_host_db.c). */
#ifndef EL2_HOST_PRIV_H
#define EL2_HOST_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "el2_host.h"

#define EL2_HOST_LAT_MAX 4096
#define EL2_HOST_ISR_OFF 0x60 /* virtio-mmio InterruptStatus: the guest handler's first read */

/* One interrupt's timeline: host clock at both ends, the stub's counter in between. */
struct el2_host_lat {
	int64_t raise_ns, seen_ns;
	uint64_t inject_cnt, req_cnt;
};

#define EL2_HOST_HOP_MAX 32768
#define EL2_HOST_BURST_US 200 /* a trap this soon after the vCPU's previous one is a burst's */

/* One trap's hops (harness/bench/limits.md): the stub's counter at its handler's start, when it
 * posted, when it saw the response; the host clock when it saw the request and when fakebao
 * (and the device model) had served it. */
struct el2_host_hop {
	uint64_t trap_cnt, req_cnt, resp_cnt; /* resp_cnt 0: not seen yet */
	int64_t seen_ns, done_ns;
	uint8_t burst;
};

struct el2_host {
	struct fakebao *fb;
	struct el2_mailbox *mb;
	struct vq_audit *audit; /* borrowed; NULL: none */
	pthread_t thread;	/* the polling server, or the doorbell's request server */
	pthread_t irq_thread;	/* doorbell mode: waits on the device's irqfd */
	int doorbell;
	int listen_fd; /* doorbell socket QEMU's pci-serial chardev connects to */
	atomic_int conn_fd;
	char db_path[108];
	atomic_int stop;
	int64_t poll_ns, hold_ns;
	int64_t spin_ns; /* doorbell mode: watch the mailbox this long after serving (0: no) */
	unsigned int nr_vcpus;
	uint64_t served[EL2_MAX_VCPUS]; /* last request sequence answered, per vCPU */
	int64_t irq_raised_ns;		/* pending latency measurement, 0 = none */
	int panic_logged;
	pthread_mutex_t lock; /* st and lat */
	struct el2_host_stats st;
	struct el2_host_lat lat[EL2_HOST_LAT_MAX];
	unsigned int n_lat;
	int64_t cnt_off_ns; /* host CLOCK_MONOTONIC - stub counter time, least seen (upper bound) */
	struct el2_host_hop hops[EL2_HOST_HOP_MAX];
	unsigned int n_hops;
	int last_hop[EL2_MAX_VCPUS]; /* each vCPU's latest sample (-1: none) */
};

#define EL2_HOST_DB_TICK_US 10000 /* the stub's backup tick when the doorbell runs */

/* Answer every request the stub's vCPUs have posted (one each at most). Returns how many. */
int el2_host_serve_pending(struct el2_host *h);
/* 1 when a vCPU's stub sleeps for its response (then ring the doorbell). */
int el2_host_any_sleeping(struct el2_host *h);
/* Tell the stub the device raised its interrupt (irq_seq++), stamping the latency sample. */
void el2_host_raise(struct el2_host *h);
/* Log the stub's panic report once. */
void el2_host_check_stub(struct el2_host *h);
/* el2_host_db.c: listen on path, start both threads / join them and close. */
int el2_host_db_start(struct el2_host *h, const char *path);
void el2_host_db_stop(struct el2_host *h);

#endif
