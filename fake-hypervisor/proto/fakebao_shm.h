/* fakebao_shm.h - the control page shared by fakebao (frontend process) and bao_preload (device
 * model process): per-DM request queues and per-vCPU completion slots. A trap costs one write
 * here and, only when the other side sleeps, one futex wake - no extra process hop. */
#ifndef FAKEBAO_SHM_H
#define FAKEBAO_SHM_H

#include <stdatomic.h>
#include <stdint.h>

#include "bao.h"
#include "fakebao.h"

#define FAKEBAO_SHM_MAGIC 0x314f41424b414646ULL /* "FFAKBAO1" */
#define FAKEBAO_SHM_VERSION 1u
#define FAKEBAO_QLEN BAO_IO_REQUEST_MAX

/* Completion slot tag bits: the low 62 bits are the request id. */
#define FAKEBAO_TAG_CLAIMED (1ULL << 62)
#define FAKEBAO_TAG_DONE (1ULL << 63)
#define FAKEBAO_TAG_ID_MASK (FAKEBAO_TAG_CLAIMED - 1)

struct fakebao_queue {
	_Atomic uint32_t head;	   /* next slot the frontend fills */
	_Atomic uint32_t tail;	   /* next slot the device model takes */
	_Atomic uint32_t futex;	   /* bumped on every enqueue; the device model sleeps on it */
	_Atomic uint32_t sleepers; /* device-model threads inside futex_wait */
	struct bao_virtio_request ring[FAKEBAO_QLEN];
};

struct fakebao_slot {
	_Atomic uint64_t tag;	/* 0 idle; id pending; id|CLAIMED being completed; id|DONE */
	uint64_t value;		/* read result, valid once DONE */
	_Atomic uint32_t futex; /* bumped on completion; the vCPU sleeps on it */
	_Atomic uint32_t sleeping;
};

struct fakebao_shm {
	uint64_t magic;
	uint32_t version;
	uint32_t nr_vcpus;
	uint64_t shmem_addr;
	uint64_t shmem_size;
	uint32_t irq;
	_Atomic uint32_t alive; /* cleared when fakebao is destroyed */
	struct fakebao_queue q[FAKEBAO_MAX_DMS];
	struct fakebao_slot slot[FAKEBAO_MAX_VCPUS];
};

/* Cross-process futex on shared memory (no FUTEX_PRIVATE_FLAG). */
int remio_futex_wait(_Atomic uint32_t *word, uint32_t expected, int timeout_ms);
void remio_futex_wake(_Atomic uint32_t *word);

/* Device-model side of the queues, used by bao_preload (and by tests directly). */
/* Take the oldest request for dm_id; wait up to timeout_ms (-1 forever, in slices that
 * re-check shm->alive), spinning spin_us first, then sleeping on doorbell_fd (an eventfd the
 * producer rings; -1: futex). irq_watch_fd (-1: none; needs a doorbell) is an epoll set of the
 * device model's irqfds, edge-triggered: an interrupt raised while asleep restarts the spin.
 * A signal interrupts the wait (-EINTR), as it does Bao's ioctl. Returns 0, -ETIMEDOUT,
 * -ENODEV (hypervisor gone) or -EINTR. */
int remio_fetch(struct fakebao_shm *shm, uint32_t dm_id, int spin_us, int timeout_ms,
		int doorbell_fd, int irq_watch_fd, struct bao_virtio_request *out);
/* Complete a fetched request: checks dm_id, op, request_id against the pending slot, stores the
 * read value and wakes the vCPU. -EINVAL for a bogus or stale request (message logged). */
int remio_complete(struct fakebao_shm *shm, const struct bao_virtio_request *req);
/* Validate a request as a device model hands it back; pure. Returns 0 or -EINVAL with why. */
int remio_request_check(const struct fakebao_shm *shm, const struct bao_virtio_request *req,
			char *why, size_t whylen);

#endif
