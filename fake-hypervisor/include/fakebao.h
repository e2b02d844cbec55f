/* fakebao.h - the emulated Bao, frontend side: the shared-memory window, trap regions that
 * turn a vCPU's MMIO accesses into Bao I/O requests, ioeventfd/irqfd routing, and the
 * listening socket through which a device model's Bao UAPI (bao_preload) reaches it. */
#ifndef FAKEBAO_H
#define FAKEBAO_H

#include <stdint.h>

#include "bao.h"

#define FAKEBAO_DEFAULT_SHMEM_ADDR 0x10000000ULL
#define FAKEBAO_DEFAULT_SHMEM_SIZE 0x01000000ULL
#define FAKEBAO_DEFAULT_IRQ 40 /* the backend io-dispatcher's interrupt in the demo (SPI 8) */
#define FAKEBAO_MAX_VCPUS 8
#define FAKEBAO_MAX_DMS 4
#define FAKEBAO_MMIO_STAT_REGS 128 /* per-register counters for offsets 0..0x1fc */

/* Environment variable that tells bao_preload where fakebao listens. */
#define FAKEBAO_SOCKET_ENV "BAO_FAKEBAO_SOCKET"

struct fakebao_config {
	uint64_t shmem_addr;
	uint64_t shmem_size;
	uint32_t irq;
	unsigned int nr_vcpus;
	int window_fd;		 /* -1: fakebao creates a memfd; else used (dup'ed) as the window */
	const char *socket_path; /* where to listen for device models (required) */
	int trap_timeout_ms;	 /* bound on one trapped access; 0 = 30000 */
	int spin_us;		 /* poll this long for a completion before sleeping; -1 = never */
	/* After the device model of a dm_id disconnects, a new request waits this long for a
	 * new one to attach (a restart window) before failing with -ENODEV; 0 = 500, -1 = no
	 * wait. Requests to a dm_id no device model ever attached to wait the trap timeout. */
	int dm_lost_grace_ms;
	/* Names the register at an offset in a trap region, for messages; NULL: "+0x70". fakebao
	 * itself knows nothing of virtio. */
	const char *(*reg_name)(uint64_t offset);
};

struct fakebao_stats {
	uint64_t mmio_traps;			/* every trapped access */
	uint64_t vcpu_traps[FAKEBAO_MAX_VCPUS]; /* ... by the vCPU that made it */
	uint64_t mmio_to_dm;			/* forwarded to a device model as requests */
	uint64_t ioeventfd_kicks;		/* writes completed by an ioeventfd */
	uint64_t irqs_injected;			/* interrupts delivered to the frontend */
	uint64_t trap_timeouts;
	uint64_t dm_lost_failures; /* accesses failed with -ENODEV: their device model was gone */
	uint64_t irqs_dropped;	   /* interrupts lost on purpose (fakebao_fault_set_irq) */
	uint64_t irqs_delayed;	   /* interrupts delivered late on purpose */
	uint64_t mmio_reads[FAKEBAO_MMIO_STAT_REGS]; /* by (addr - region base) / 4 */
	uint64_t mmio_writes[FAKEBAO_MMIO_STAT_REGS];
};

struct fakebao;

/* Create the window (or adopt cfg->window_fd), map it, listen on cfg->socket_path and start
 * the control thread. Returns 0 or -errno (message logged). */
int fakebao_create(const struct fakebao_config *cfg, struct fakebao **out);
/* Stop the control thread, tell attached device models the hypervisor is gone, unmap, close,
 * unlink the socket. NULL is fine. */
void fakebao_destroy(struct fakebao *fb);

/* Trap accesses to [base, base + size) and deliver them to device model dm_id. */
int fakebao_add_trap_region(struct fakebao *fb, uint64_t base, uint64_t size, uint32_t dm_id);

/* A vCPU's trapped access. op is BAO_IO_READ or BAO_IO_WRITE; width 1, 2, 4 or 8. The vCPU
 * waits until the access completes (or timeout: -ETIMEDOUT, naming address and op). For reads
 * *value receives the result. Returns 0 or -errno. One outstanding access per vcpu. */
int fakebao_mmio_access(struct fakebao *fb, unsigned int vcpu, uint64_t addr, unsigned int op,
			unsigned int width, uint64_t *value);

/* Wait up to timeout_ms (0 = poll, -1 = the trap timeout) for a frontend interrupt raised
 * through an irqfd. Returns 1 (consumed), 0 on timeout, or -errno. */
int fakebao_wait_irq(struct fakebao *fb, int timeout_ms);

void *fakebao_window(const struct fakebao *fb);
uint64_t fakebao_window_gpa(const struct fakebao *fb);
uint64_t fakebao_window_size(const struct fakebao *fb);
int fakebao_window_fd(const struct fakebao *fb);
/* Number of device models currently connected. */
int fakebao_dm_connected(struct fakebao *fb);
void fakebao_set_trap_timeout(struct fakebao *fb, int timeout_ms);
void fakebao_get_stats(struct fakebao *fb, struct fakebao_stats *out);

/* Who watches the frontend's boundary (`run --record`): access is called for every trapped
 * access twice, before it is served (after = 0; value: the value to write, or 0 for a read) and
 * once it completed (after = 1; value: the value read, or written; rc: 0 or -errno); irq for
 * every interrupt fakebao_wait_irq delivers. Called in the vCPU's thread, no fakebao lock held;
 * NULL fields are skipped. Set before the frontend starts; NULL o removes it. */
struct fakebao_observer {
	void (*access)(void *arg, int after, unsigned int vcpu, uint64_t addr, unsigned int op,
		       unsigned int width, uint64_t value, int rc);
	void (*irq)(void *arg);
	void *arg;
};
void fakebao_set_observer(struct fakebao *fb, const struct fakebao_observer *o);

/* Fault injection (fakebao_fault.c). The next drop_n interrupts are consumed and lost; each
 * later one becomes visible to fakebao_wait_irq delay_ms after it was raised (interrupts
 * raised meanwhile merge into it, as on an edge-triggered line). delay_ms 0 ends the delay
 * and releases a pending late interrupt at once. A negative value keeps that setting. Call
 * from the vCPU's thread. */
void fakebao_fault_set_irq(struct fakebao *fb, int drop_n, int delay_ms);
/* 1 when the device model of dm_id disconnected and none has attached since. */
int fakebao_fault_dm_lost(struct fakebao *fb, uint32_t dm_id);

#endif
