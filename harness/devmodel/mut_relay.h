/* mut_relay.h - the hostile backend's ring logic (issue 18, mutation mode only), shared by the
 * device model and the vhost-user shim (harness/vushim): virtiofsd signals used buffers on an
 * eventfd of ours; a thread then walks the new used-ring entries, mutates some replies
 * (reply_mut.c), logs each mutation, and only then signals the driver (the device model's irqfd,
 * or each queue's own call fd in the shim). Off unless --mutate-replies is given. */
#ifndef MUT_RELAY_H
#define MUT_RELAY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "reply_mut.h"
#include "virtio_mmio.h"

struct mut_relay_queue {
	bool live;
	uint8_t *win; /* the memory the ring and its buffers lie in, as mapped here */
	uint64_t win_gpa, win_size;
	uint32_t num;
	uint64_t desc_off, used_off; /* in win */
	uint16_t last;		     /* used index up to which entries were seen */
	uint16_t lag; /* entries dropped (MISSING): the driver's used index is ours - lag */
	uint32_t prev_id;
	int notify_fd; /* the driver's call fd for this queue (not owned), -1: irq_fd only */
};

/* One mutation of a saved finding, replayed (mutate.script): on the next reply of that queue
 * and opcode, that class with the engine's state as it was then. */
struct mut_relay_step {
	uint32_t queue, opcode;
	int cls;
	uint64_t rng;
	uint64_t seq; /* the reply's number on its guest (mutations.log's first field), 0: none */
};

#define MUT_RELAY_SCRIPT_MAX 256 /* a finding record's mutation lines (fuzz_guest.c) */

struct mut_relay {
	int call_fd; /* what virtiofsd signals */
	int irq_fd;  /* the transport's irqfd (not owned) */
	int stop_fd;
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	struct mut_relay_queue q[VIRTIO_MMIO_MAX_QUEUES];
	struct reply_mut_rng rng;
	uint32_t rate;	   /* one reply in rate is mutated */
	uint32_t ctl_rate; /* mutate.ctl's "rate=N", 0: none */
	uint32_t mask;	   /* classes allowed; re-read from ctl_path when it changes */
	char ctl_path[512];
	long long ctl_mtime_ns;
	FILE *log;
	uint64_t seen, mutated;
	struct mut_relay_step script[MUT_RELAY_SCRIPT_MAX]; /* mutate.ctl "script" */
	unsigned nscript, next_step;
	bool script_loaded;
	bool script_on;	  /* mutate.ctl says "script": the script's steps apply now */
	bool script_only; /* ... and "only": nothing else is mutated (a replay's shrinking) */
	bool script_at;	  /* ... and "at": a step waits for its reply's number (seq, +-2) */
	uint8_t *scratch; /* one reply gathered from its segments */
};

/* One line of mutate.script, "QUEUE OPCODE CLASS RNG [SEQ]" (the fields of a mutations.log
 * line: SEQ q1 op 3 ... rng 0x... class). 0 or -EINVAL. Pure. */
int mut_relay_parse_step(const char *line, struct mut_relay_step *st);
/* Parse "SEED:RATE" (RATE >= 1: one reply in RATE). 0 or -EINVAL. */
int mut_relay_parse(const char *spec, uint64_t *seed, uint32_t *rate);
/* Set up (not started): log file and control file under dir (mutations.log appended,
 * mutate.ctl read: class names or "all" or "none" and an optional "rate=N", one line; while it
 * is missing nothing is mutated). 0 or -errno. */
int mut_relay_init(struct mut_relay *r, uint64_t seed, uint32_t rate, const char *dir);
/* The rings just handed to virtiofsd, and the transport's irq fd. Starts the thread the first
 * time. Returns the fd virtiofsd must signal (ours), or -errno. */
int mut_relay_start(struct mut_relay *r, uint8_t *win, uint64_t win_gpa, uint64_t win_size,
		    const struct virtio_dev_queue *q, unsigned nq, int irq_fd);
/* The rings are stopped (reset): forget them. */
void mut_relay_stop(struct mut_relay *r);
void mut_relay_destroy(struct mut_relay *r);
/* One ring, for a relay that does not own a window (the shim): its descriptor table and used
 * ring at desc_off/used_off of win (guest address win_gpa, win_size bytes: descriptors outside
 * are left alone), num entries; entries already used are not mutated. 0, or -EINVAL when the
 * ring is not inside win or qi is no queue. */
int mut_relay_queue_set(struct mut_relay *r, unsigned qi, uint8_t *win, uint64_t win_gpa,
			uint64_t win_size, uint32_t num, uint64_t desc_off, uint64_t used_off);
/* Forget one ring (stopped, or its memory is going away). */
void mut_relay_queue_clear(struct mut_relay *r, unsigned qi);
/* After a pass that found new entries on queue qi, fd (not owned; -1: none) is signalled. */
void mut_relay_set_notify(struct mut_relay *r, unsigned qi, int fd);
/* Start the thread if it does not run yet. 0 or -errno. */
int mut_relay_run(struct mut_relay *r);
/* One pass over every live queue's new used entries (the thread's body; tests call it).
 * Returns the queues that had new entries, one bit each. */
uint32_t mut_relay_scan(struct mut_relay *r);

#endif
