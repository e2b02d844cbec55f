/* el2_host.h - the host's end of the EL2 stub's mailbox (el2_mailbox.h): back the stub's RAM and
 * the window with files QEMU maps share=on, configure the stub, and run the thread that serves
 * its trapped accesses through fakebao and reports the device's interrupts to it. */
#ifndef EL2_HOST_H
#define EL2_HOST_H

#include <stdint.h>

#include "el2_mailbox.h"
#include "fakebao.h"
#include "vq_audit.h"

#define EL2_HOST_DEFAULT_WINDOW 0x10000000ULL /* whole-RAM layout: 256 MiB of guest RAM */

/* The guest's memory as the stub maps it at stage 2 (el2_mailbox.h): the shared window at
 * EL2_WINDOW_IPA and, unless ram_size is 0 (the whole-RAM layout: the window is all the
 * guest's RAM), private RAM at ram_ipa; where the guest sees QEMU's PL011 and under which
 * interrupt (0: QEMU's own, 0x9000000 and INTID 33); where the guest is entered. */
struct el2_host_layout {
	uint64_t window_size;
	uint64_t ram_ipa, ram_size;
	uint64_t uart_ipa;
	uint32_t uart_virq;
	uint32_t vcpus; /* QEMU's -smp (0 = 1) */
	uint64_t kernel_ipa, dtb_ipa;
};

/* Wake tuning; 0 picks the default shown. */
struct el2_host_tuning {
	uint32_t tick_active_us; /* stub's mailbox poll tick while I/O is recent (50) */
	uint32_t tick_idle_us;	 /* stub's tick otherwise (1000) */
	uint32_t active_hold_us; /* stub keeps the short tick this long after I/O (20000) */
	uint32_t host_poll_us;	 /* host's poll period while I/O is recent (20) */
	uint32_t host_hold_ms;	 /* host polls fast this long after I/O, then waits 1 ms (20) */
	uint32_t resp_spin_us;	 /* stub spins this long for a response before sleeping (0) */
	uint32_t host_spin_us;	 /* doorbell mode: host watches the mailbox this long after
				  * serving before it waits for the doorbell again (0) */
	/* Non-NULL: wake both sides through QEMU's pci-serial whose chardev connects to this unix
	 * socket (el2_host_start listens on it, so start the host before QEMU); the ticks then
	 * default to a 10 ms backup. NULL: the stub's tick and host polling only. */
	const char *doorbell_path;
	/* Non-NULL: every served write to the device's registers is shown to it (vq_audit.h),
	 * which counts the frontend's buffers outside the shared window. Borrowed. */
	struct vq_audit *audit;
};

struct el2_host_stats {
	uint64_t requests, reads, writes, errors; /* accesses served through fakebao */
	uint64_t vcpu_requests[EL2_MAX_VCPUS];	  /* ... by vCPU (each its own Bao requests) */
	uint64_t injections;			  /* device interrupts reported to the stub */
	uint64_t lat_samples; /* interrupt raised -> guest handler's InterruptStatus read */
	uint64_t lat_p50_us, lat_p90_us, lat_max_us;
	/* The same interval in three stages (medians), using the stub's CNTPCT stamps: raised ->
	 * stub put it in a list register; -> the guest handler's read trapped; -> host saw it. */
	uint64_t lat_stub_p50_us, lat_guest_p50_us, lat_host_p50_us;
	/* One trap's hops, medians in ns, [0] isolated traps, [1] bursts (a trap within
	 * EL2_HOST_BURST_US of the vCPU's previous one): stub handler start -> request posted;
	 * -> host saw it; -> served (fakebao, the device model, the completion); -> stub saw the
	 * response (the guest resumes); and the whole trap on the stub's clock. */
	uint64_t hop_samples[2];
	uint64_t hop_stub_ns[2], hop_notice_ns[2], hop_serve_ns[2], hop_resume_ns[2],
	    hop_total_ns[2];
	uint64_t hop_total_p90_ns[2];
	uint64_t idle_waits, fast_polls; /* the host thread's sleeps */
	uint64_t db_rx, db_tx;		 /* doorbell bytes from / to the stub */
	/* The stub's own counters, from the mailbox. */
	uint64_t stub_state, stub_traps, stub_wfi, stub_ticks, stub_inject, stub_phys_irqs,
	    stub_lr_full, stub_smc, stub_resp_timeouts;
	uint64_t stub_gaps, stub_gap_wfi, stub_gap_irq; /* el2_mailbox.h dbg_gap_* */
	uint64_t stub_kicks;				/* EL2_SGI_KICKs between vCPUs */
	uint64_t vcpu_traps[EL2_MAX_VCPUS];		/* the stub's traps by vCPU */
	unsigned int vcpus_online;			/* vCPUs that entered the guest */
};

struct el2_host;

/* Create (or truncate) path as a size-byte file for a share=on QEMU memory backend. Returns
 * an O_RDWR fd or -errno. */
int el2_host_create_file(const char *path, uint64_t size);
/* Whether the stub can map l: 0, or -EINVAL with the reason in why. */
int el2_host_layout_check(const struct el2_host_layout *l, char *why, unsigned long whylen);
/* QEMU's physical address of guest address ipa under l (the window, then the private RAM
 * right after it), or 0 when ipa is in neither. */
uint64_t el2_host_layout_pa(const struct el2_host_layout *l, uint64_t ipa);
/* Map the mailbox page of the stub's node-0 RAM file, zeroed and configured for layout l
 * (tuning may be NULL). *out is unmapped with el2_host_unmap_mailbox. Returns 0 or -errno
 * (-EINVAL for a layout the stub cannot map, logged with the reason). */
int el2_host_map_mailbox(int ram0_fd, const struct el2_host_layout *l,
			 const struct el2_host_tuning *tuning, struct el2_mailbox **out);
void el2_host_unmap_mailbox(struct el2_mailbox *mb);

/* Start the server thread: every request a vCPU's stub posts is served with fakebao_mmio_access
 * as that vCPU's; every fakebao_wait_irq hit increments the mailbox's irq_seq. fb and mb must
 * outlive the host. Returns 0 or -errno. */
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
