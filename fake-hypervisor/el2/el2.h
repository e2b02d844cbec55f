/* el2.h - the EL2 stub's internal interface: system-register and MMIO accessors, the saved
 * guest register frame, and the functions each stub file provides. */
#ifndef EL2_H
#define EL2_H

#include <stdint.h>

#include "el2_mailbox.h"

#define sysreg_read(r)                                                                             \
	({                                                                                         \
		uint64_t v_;                                                                       \
		__asm__ volatile("mrs %0, " #r : "=r"(v_));                                        \
		v_;                                                                                \
	})
#define sysreg_write(r, v) __asm__ volatile("msr " #r ", %0" ::"r"((uint64_t)(v)) : "memory")
#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb_sy() __asm__ volatile("dsb sy" ::: "memory")
#define wfi() __asm__ volatile("dsb sy\n\twfi" ::: "memory")

static inline uint32_t mmio_read32(uint64_t a)
{
	return *(volatile uint32_t *)a;
}

static inline void mmio_write32(uint64_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

/* QEMU virt, highmem=off (hw/arm/virt.c memmap). */
#define EL2_GICD_BASE 0x08000000ULL
#define EL2_GICR_BASE 0x080a0000ULL /* CPU n's frames at + n * 0x20000; SGI/PPI frame + 0x10000 */
#define EL2_GICR_STRIDE 0x20000ULL
#define EL2_UART_BASE 0x09000000ULL
#define EL2_STACK_SIZE 0x4000ULL /* per vCPU, after BSS (el2.ld) */

/* Interrupts the stub owns: its own hypervisor timer and the GIC maintenance interrupt. */
#define EL2_INTID_MAINT 25
#define EL2_INTID_CNTHP 26

/* Guest registers x0..x30 as the vectors saved them (start.S). */
struct el2_frame {
	uint64_t x[31];
	uint64_t pad;
};

/* Vector numbers passed by start.S. */
#define EL2_VEC_LOWER_SYNC 8
#define EL2_VEC_LOWER_IRQ 9

#define EL2_QUEUE_MAX 16

struct el2_virq {
	uint32_t intid;	 /* as the guest sees it */
	uint32_t pintid; /* the physical interrupt its EOI deactivates (HW=1), 0 for none */
};

/* Everything the stub keeps per vCPU; TPIDR_EL2 points at the running vCPU's. */
struct el2_cpu {
	unsigned int id;
	volatile struct el2_mb_vcpu *mbv; /* its request/response lines */
	volatile struct el2_mb_stats *st; /* its counters */
	uint64_t gicr_sgi;		  /* its redistributor's SGI/PPI frame */
	uint64_t entry, context;	  /* guest entry from PSCI CPU_ON */
	/* el2_gic.c */
	struct el2_virq queue[EL2_QUEUE_MAX];
	unsigned int queue_len;
	int uie_on;	     /* ICH_HCR_EL2.UIE as last written */
	uint64_t next_check; /* el2_gic_keep_ppis */
	/* Set when the virtio interrupt goes into an LR, cleared at the next trapped access:
	 * counts what the guest does in between (el2_mailbox.h dbg_gap_*). */
	int gap_open;
	volatile uint64_t kick_seq; /* irq_seq another vCPU last kicked this one for */
	/* el2_tick.c */
	uint64_t active_until;
	uint64_t armed_at; /* CNTHP_CVAL_EL2 while enabled, 0 when off */
	/* el2_mbox.c */
	uint64_t seq;
	uint64_t trap_cnt; /* CNTPCT at the data-abort handler's start (el2_trap.c) */
};

extern volatile struct el2_mailbox *const el2_mb;
extern struct el2_cpu el2_cpus[EL2_MAX_VCPUS];

static inline struct el2_cpu *el2_this_cpu(void)
{
	return (struct el2_cpu *)sysreg_read(tpidr_el2);
}

static inline unsigned int el2_nr_vcpus(void)
{
	uint32_t n = el2_mb->nr_vcpus;

	return n >= 1 && n <= EL2_MAX_VCPUS ? n : 1;
}

/* el2_main.c */
void el2_puts(const char *s);
void el2_puthex(uint64_t v);
void el2_panic(const char *msg) __attribute__((noreturn));
/* start.S: eret to the guest at entry with x0 = arg, the EL2 stack reset to stack_top. */
void el2_enter_guest(uint64_t entry, uint64_t arg, uint64_t stack_top) __attribute__((noreturn));
/* start.S: where QEMU's PSCI starts a secondary vCPU (x0 = its index). */
void el2_start_secondary(void);
/* el2_main.c: a secondary vCPU's set-up, then the guest's entry from its CPU_ON. */
void el2_secondary_main(uint64_t idx) __attribute__((noreturn));

/* el2_s2.c: build the stage-2 tables for the mailbox's layout (checked by el2_main, once) and
 * turn translation on for this vCPU (el2_s2_enable: each vCPU; HCR_EL2.VM set by caller). */
void el2_s2_init(const volatile struct el2_mailbox *mb);
void el2_s2_enable(void);

/* el2_trap.c: every exception from the guest (and stub bugs). */
void el2_exception(struct el2_frame *f, uint64_t vec);

/* el2_gic.c: physical interrupts, list registers, virtual injection. */
void el2_gic_init(void); /* this vCPU's CPU interface */
void el2_gic_irq(void);	 /* a physical IRQ reached EL2 */
/* The device's interrupt (from the mailbox; on the vCPU the guest routed it to, the others
 * kick that one) and queued ones into LRs. Returns 1 when the guest got (or still has queued)
 * a virtual interrupt. */
int el2_gic_flush(void);
/* Send EL2_SGI_KICK to vCPU idx. */
void el2_gic_kick(unsigned int idx);
/* Kick every other vCPU that sleeps for a response the host has given. */
void el2_gic_kick_sleepers(void);

/* el2_tick.c: the CNTHP poll tick and the activity window that picks its period. */
void el2_tick_init(void);	   /* once: frequency and periods */
void el2_tick_cpu_init(void);	   /* each vCPU: its timer off */
uint64_t el2_tick_now(void);	   /* CNTPCT */
uint64_t el2_tick_us(uint64_t us); /* microseconds to counter ticks */
void el2_tick_note_activity(void); /* I/O now: short ticks for active_hold_us */
void el2_tick_arm(void);	   /* next tick at now + period */
void el2_tick_arm_in(uint64_t us); /* next tick at now + us */
void el2_tick_disarm(void);	   /* after its interrupt was taken */
int el2_tick_fired(void);	   /* the armed deadline has passed */

/* el2_db.c: the optional pci-serial doorbell (el2_mailbox.h). */
void el2_db_init(void);
int el2_db_enabled(void);
void el2_db_ring(void);
void el2_db_drain(void);

/* el2_mbox.c: forward one trapped access to the host and wait (bounded). */
int el2_mbox_forward(uint64_t addr, unsigned int op, unsigned int width, uint64_t *value);
int el2_mbox_irq_pending(void);
int el2_mbox_irq_consume(void); /* 1 when this vCPU took the pending interrupt */

#endif
