/* el2_mailbox.h - the ABI between the EL2 trap stub (fake-hypervisor/el2, running inside QEMU)
 * and its host-side server (el2_host.c): one 4 KiB page of QEMU's node-0 RAM that both map,
 * plus the fixed physical memory map both sides (and the QEMU command line) agree on.
 * Freestanding: compiles for the stub (no libc) and the host alike. */
#ifndef EL2_MAILBOX_H
#define EL2_MAILBOX_H

#include <stdint.h>

/* Physical memory map under `-machine virt,highmem=off` with two or three NUMA nodes:
 * node 0 = EL2_RAM0_SIZE of stub RAM at 0x40000000 (a share=on file holding the mailbox),
 * node 1 = the shared window (its own share=on file, offset 0 = IPA EL2_WINDOW_IPA), right after,
 * node 2 = the guest's private RAM (its own file, never mapped by the host side), right after
 * the window; absent in the whole-RAM layout, where the window is all the guest's RAM (a guest
 * kernel without CONFIG_DMA_RESTRICTED_POOL). QEMU writes its own DTB at the base of node 0:
 * keep clear of the first MiB. */
#define EL2_RAM0_PA 0x40000000ULL
#define EL2_RAM0_SIZE 0x01000000ULL   /* 16 MiB */
#define EL2_STUB_PA 0x40200000ULL     /* link address of the stub (ELF -kernel) */
#define EL2_MAILBOX_OFF 0x00f00000ULL /* offset of the mailbox page in the node-0 file */
#define EL2_MAILBOX_PA (EL2_RAM0_PA + EL2_MAILBOX_OFF)
#define EL2_MAILBOX_SIZE 0x1000ULL
#define EL2_WINDOW_PA (EL2_RAM0_PA + EL2_RAM0_SIZE)
#define EL2_WINDOW_IPA 0x10000000ULL
#define EL2_WINDOW_MIN 0x00200000ULL	   /* one 2 MiB stage-2 block */
#define EL2_WINDOW_MAX 0x30000000ULL	   /* IPA 0x10000000..0x40000000 */
#define EL2_WINDOW_WHOLE_MIN 0x08000000ULL /* whole-RAM layout: kernel + initramfs + room */
/* The private RAM: 2 MiB aligned, above the window, below 4 GiB (a 32-bit IPA space), and
 * small enough for QEMU's RAM below 4 GiB next to the stub's and the window's. */
#define EL2_RAM_MIN 0x08000000ULL /* 128 MiB */
#define EL2_RAM_MAX 0x80000000ULL /* 2 GiB */
#define EL2_IPA_LIMIT 0x100000000ULL
/* Where the host loads the guest's pieces, as offsets into the memory the guest boots from
 * (the private RAM, or the window in the whole-RAM layout; 2 MiB aligned kernel). */
#define EL2_WIN_DTB_OFF 0x00100000ULL
#define EL2_WIN_DTB_MAX 0x00100000ULL /* the DTB at most 1 MiB */
#define EL2_WIN_KERNEL_OFF 0x00200000ULL
#define EL2_WIN_INITRD_OFF 0x04000000ULL
#define EL2_WIN_INITRD_MAX 0x02000000ULL			     /* initramfs at most 32 MiB */
#define EL2_WIN_KERNEL_MAX (EL2_WIN_INITRD_OFF - EL2_WIN_KERNEL_OFF) /* Image incl. its BSS */

/* QEMU virt's PL011 and its interrupt (SPI 1); the guest may see it elsewhere (the demo's
 * frontend has it at 0x9002000, SPI 11): stage-2 maps that page onto it and the stub injects
 * the physical interrupt under the guest's number. */
#define EL2_UART_PA 0x09000000ULL
#define EL2_UART_INTID 33

/* The frontend's virtio-mmio device (Bao demo-3) and its interrupt (SPI 47, edge). */
#define EL2_MMIO_BASE 0x0a003e00ULL
#define EL2_MMIO_SIZE 0x200ULL
#define EL2_VIRTIO_INTID 79

/* Optional doorbell both ways: a QEMU pci-serial (16550) at PCI 00:01.0 whose chardev is a unix
 * socket to the host. The stub writes a byte to ring the host; the host writes a byte to raise
 * its RX interrupt (PCI INTA of slot 1 = SPI 4 = INTID 36 on virt) and wake the stub at once.
 * The guest's DT has no PCIe node, so only the stub touches it. */
#define EL2_DB_ECAM_PA 0x3f000000ULL /* virt, highmem=off */
#define EL2_DB_PIO_PA 0x3eff0000ULL  /* PCI I/O window */
#define EL2_DB_PCI_SLOT 1
#define EL2_DB_IO_BAR 0x1000ULL /* I/O address the stub assigns to BAR0 */
#define EL2_DB_INTID 36

#define EL2_MB_MAGIC 0x4c45324d4f41425fULL /* "_BAOM2EL" */
#define EL2_MB_VERSION 4

/* Stub states (el2_mailbox.state), written by the stub. */
enum el2_mb_state {
	EL2_ST_OFF = 0,	    /* not started (host zeroed the page) */
	EL2_ST_BOOTING = 1, /* stub running its set-up */
	EL2_ST_GUEST = 2,   /* guest Linux entered */
	EL2_ST_PANIC = 3,   /* stub stopped: see panic_* and panic_msg */
};

/* Request ops: Bao's BAO_IO_WRITE / BAO_IO_READ values. */
#define EL2_OP_WRITE 0
#define EL2_OP_READ 1

/* vCPUs: QEMU's -smp N, started by the guest's PSCI CPU_ON through the stub. The stub's own SGI
 * tells another vCPU's stub to look at the mailbox (an interrupt routed to it, a response it
 * sleeps for); Linux uses SGIs 0-7. */
#define EL2_MAX_VCPUS 4
#define EL2_SGI_KICK 15

/* One vCPU's request line (stub-written) and response line (host-written). Sequence protocol:
 * the stub fills addr/op/value/width then store-release req_seq = n; the host load-acquires
 * req_seq, serves (as that vCPU's Bao request), writes resp_value/resp_status then
 * store-release resp_seq = n; the stub waits with load-acquire for resp_seq == n. At most one
 * request outstanding per vCPU, as on Bao. */
struct el2_mb_vcpu {
	uint64_t req_seq;
	uint64_t req_addr;
	uint64_t req_op;
	uint64_t req_value;
	uint64_t req_width;
	uint64_t req_cntpct;   /* CNTPCT when posted (latency breakdown) */
	uint64_t req_sleeping; /* 1 while the stub sleeps for this response: ring the doorbell */
	uint64_t online;       /* 1 once this vCPU entered the guest */
	uint64_t resp_seq;
	uint64_t resp_value;
	int64_t resp_status; /* 0 or -errno from fakebao (the stub then reads all-ones) */
	/* The hop timing of one trap (harness/bench/limits.md), stub-written: CNTPCT when the
	 * stub's data-abort handler began (before the request was posted), and when it saw the
	 * response of request resp_seen_seq (just before the guest resumes). */
	uint64_t req_trap_cntpct;
	uint64_t resp_seen_cntpct;
	uint64_t resp_seen_seq;
	uint64_t pad[2];
};

/* One vCPU's counters, written by its stub only. */
struct el2_mb_stats {
	uint64_t n_traps;     /* stage-2 data aborts forwarded */
	uint64_t n_wfi;	      /* guest WFIs trapped */
	uint64_t n_ticks;     /* CNTHP ticks taken */
	uint64_t n_inject;    /* virtio interrupts put in a list register */
	uint64_t n_phys_irqs; /* guest physical interrupts passed through */
	uint64_t n_lr_full;   /* passes that found no free list register */
	uint64_t n_smc;
	uint64_t n_resp_timeouts;
	uint64_t dbg_gap_wfi; /* guest WFIs between an injection and the next trapped access */
	uint64_t dbg_gap_irq; /* physical IRQs in the same gaps */
	uint64_t dbg_gaps;    /* gaps counted */
	uint64_t n_db_rx;     /* doorbell bytes from the host */
	uint64_t n_kicks;     /* EL2_SGI_KICKs sent to other vCPUs */
	uint64_t pad[3];
};

/* Fields are grouped by writer, each group on its own 64-byte lines. Interrupts: the host
 * increments irq_seq (release) per interrupt the device raised; the stub of the vCPU the
 * guest's GICD_IROUTER names injects when irq_done != irq_seq and sets irq_done = irq_seq. */
struct el2_mailbox {
	/* Line 0-1: configuration, host-written before QEMU starts, read-only afterwards. */
	uint64_t magic;
	uint32_t version;
	uint32_t tick_active_us; /* stub's poll tick while I/O is recent (0 = 50) */
	uint64_t window_pa;	 /* EL2_WINDOW_PA */
	uint64_t window_ipa;	 /* EL2_WINDOW_IPA */
	uint64_t window_size;
	uint64_t kernel_ipa; /* guest entry (Image start) */
	uint64_t dtb_ipa;
	uint32_t tick_idle_us;	  /* stub's poll tick otherwise (0 = 1000) */
	uint32_t active_hold_us;  /* how long after I/O the active tick stays (0 = 20000) */
	uint32_t resp_timeout_ms; /* stub's bound on one forwarded access (0 = 5000) */
	uint32_t doorbell;  /* 1: the pci-serial doorbell is there (QEMU -device pci-serial) */
	uint32_t uart_virq; /* the guest's INTID for the PL011 (0 = EL2_UART_INTID) */
	uint32_t nr_vcpus;  /* QEMU's -smp (1..EL2_MAX_VCPUS; 0 = 1) */
	uint64_t ram_pa;    /* the guest's private RAM (node 2); ram_size 0: whole-RAM layout */
	uint64_t ram_ipa;
	uint64_t ram_size;
	uint64_t uart_ipa;     /* where the guest sees the PL011 (0 = EL2_UART_PA, identity) */
	uint32_t resp_spin_us; /* stub spins this long for a response before it sleeps (0: 200
				* polls only) */
	uint32_t pad1a;
	uint64_t pad1[1];

	/* Line 2: host-written. */
	uint64_t irq_seq;
	uint64_t host_stop; /* host going away: the stub stops waiting for responses */
	uint64_t pad2[6];

	/* Line 3: stub-written. */
	uint64_t state; /* enum el2_mb_state */
	uint64_t irq_done;
	uint64_t cntfrq;	/* the counter's frequency, for the host's latency breakdown */
	uint64_t inject_cntpct; /* CNTPCT when the virtio interrupt last went into an LR */
	uint64_t pad3[4];

	/* Line 4-5: panic report, stub-written once. */
	uint64_t panic_esr;
	uint64_t panic_elr;
	uint64_t panic_far;
	uint64_t panic_hpfar;
	char panic_msg[96];

	struct el2_mb_vcpu vcpu[EL2_MAX_VCPUS];
	struct el2_mb_stats stats[EL2_MAX_VCPUS];
};

/* The page must hold it; stub and host must agree on offsets (checked by both). */
_Static_assert(sizeof(struct el2_mailbox) <= EL2_MAILBOX_SIZE, "mailbox larger than its page");
_Static_assert(sizeof(struct el2_mb_vcpu) == 128 && sizeof(struct el2_mb_stats) == 128,
	       "mailbox layout");
_Static_assert(__builtin_offsetof(struct el2_mailbox, irq_seq) == 128, "mailbox layout");
_Static_assert(__builtin_offsetof(struct el2_mailbox, state) == 192, "mailbox layout");
_Static_assert(__builtin_offsetof(struct el2_mailbox, panic_esr) == 256, "mailbox layout");
_Static_assert(__builtin_offsetof(struct el2_mailbox, vcpu) == 384, "mailbox layout");

#endif
