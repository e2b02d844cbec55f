/* el2_host.h - the host's end of the EL2 stub's mailbox (el2_mailbox.h): back the stub's RAM and
 * the window with files QEMU maps share=on, configure the stub, and run the thread that serves
 * its trapped accesses through fakebao and reports the device's interrupts to it. */
#ifndef EL2_HOST_H
#define EL2_HOST_H

#include <stdint.h>

#include "el2_mailbox.h"
#include "fakebao.h"

#define EL2_HOST_DEFAULT_WINDOW 0x10000000ULL /* 256 MiB of guest RAM = the window */

/* Wake tuning; 0 picks the default shown. */
struct el2_host_tuning {
	uint32_t tick_active_us; /* stub's mailbox poll tick while I/O is recent (50) */
	uint32_t tick_idle_us;	 /* stub's tick otherwise (1000) */
	uint32_t active_hold_us; /* stub keeps the short tick this long after I/O (20000) */
	uint32_t host_poll_us;	 /* host's poll period while I/O is recent (20) */
	uint32_t host_hold_ms;	 /* host polls fast this long after I/O, then waits 1 ms (20) */
	/* Non-NULL: wake both sides through QEMU's pci-serial whose chardev connects to this unix
	 * socket (el2_host_start listens on it, so start the host before QEMU); the ticks then
	 * default to a 10 ms backup. NULL: the stub's tick and host polling only. */
	const char *doorbell_path;
};

struct el2_host_stats {
	uint64_t requests, reads, writes, errors; /* accesses served through fakebao */
	uint64_t injections;			  /* device interrupts reported to the stub */
	uint64_t lat_samples; /* interrupt raised -> guest handler's InterruptStatus read */
	uint64_t lat_p50_us, lat_p90_us, lat_max_us;
	/* The same interval in three stages (medians), using the stub's CNTPCT stamps: raised ->
	 * stub put it in a list register; -> the guest handler's read trapped; -> host saw it. */
	uint64_t lat_stub_p50_us, lat_guest_p50_us, lat_host_p50_us;
	uint64_t idle_waits, fast_polls; /* the host thread's sleeps */
	uint64_t db_rx, db_tx;		 /* doorbell bytes from / to the stub */
	/* The stub's own counters, from the mailbox. */
	uint64_t stub_state, stub_traps, stub_wfi, stub_ticks, stub_inject, stub_phys_irqs,
	    stub_lr_full, stub_smc, stub_resp_timeouts;
	uint64_t stub_gaps, stub_gap_wfi, stub_gap_irq; /* el2_mailbox.h dbg_gap_* */
};

struct el2_host;

/* Create (or truncate) path as a size-byte file for a share=on QEMU memory backend. Returns
 * an O_RDWR fd or -errno. */
int el2_host_create_file(const char *path, uint64_t size);
/* Map the mailbox page of the stub's node-0 RAM file, zeroed and configured for a guest whose
 * RAM is a window of window_size bytes (tuning may be NULL). *out is unmapped with
 * el2_host_unmap_mailbox. Returns 0 or -errno (-EINVAL for an unsupported window size). */
int el2_host_map_mailbox(int ram0_fd, uint64_t window_size, const struct el2_host_tuning *tuning,
			 struct el2_mailbox **out);
void el2_host_unmap_mailbox(struct el2_mailbox *mb);

/* Start the server thread: every request the stub posts is served with fakebao_mmio_access
 * (vCPU 0); every fakebao_wait_irq hit increments the mailbox's irq_seq. fb and mb must outlive
 * the host. Returns 0 or -errno. */
int el2_host_start(struct fakebao *fb, struct el2_mailbox *mb, const struct el2_host_tuning *tuning,
		   struct el2_host **out);
/* Stop (tell the stub to stop waiting, join the thread within one bounded wait) and free. */
void el2_host_stop(struct el2_host *h);
void el2_host_get_stats(struct el2_host *h, struct el2_host_stats *out);
/* Write one CSV line per latency sample (microseconds after the raise: stub injected, guest
 * trapped, host saw the trap). Returns 0 or -errno. */
int el2_host_dump_latency(struct el2_host *h, const char *path);
/* The stub's state: 0 when running or booting; -EFAULT with its panic report in why. */
int el2_host_stub_health(struct el2_host *h, char *why, unsigned long whylen);

#endif
