/* el2_trap.c - what the guest's exceptions to EL2 mean: stage-2 data aborts on the virtio-mmio
 * page become the vCPU's mailbox requests (ESR_EL2 ISV/SAS/SSE/SRT/SF/WnR, IPA from
 * HPFAR_EL2/FAR_EL2), WFI waits for the next tick or interrupt, SMC (PSCI) is forwarded except
 * CPU_ON, which starts the secondary vCPU in the stub first, ICC_SGI1R_EL1 re-issued. */
#include "el2.h"

#define EC_WFX 0x01
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYSREG 0x18
#define EC_DABT_LOW 0x24

#define ESR_ISV (1ULL << 24)
#define ESR_SSE (1ULL << 21)
#define ESR_SF (1ULL << 15)
#define ESR_WNR (1ULL << 6)
#define ISR_IRQ (1ULL << 7) /* ISR_EL1.I read at EL2: a physical IRQ is pending */

static uint64_t el2_reg(const struct el2_frame *f, unsigned int r)
{
	return r == 31 ? 0 : f->x[r];
}

static void el2_skip(void)
{
	sysreg_write(elr_el2, sysreg_read(elr_el2) + 4);
}

static void el2_dabt(struct el2_frame *f, uint64_t esr)
{
	uint64_t t0 = el2_tick_now();
	uint64_t ipa =
	    ((sysreg_read(hpfar_el2) & 0xffffffffff0ULL) << 8) | (sysreg_read(far_el2) & 0xfff);
	unsigned int sas = (unsigned int)(esr >> 22) & 3, srt = (unsigned int)(esr >> 16) & 31;
	unsigned int width = 1u << sas;
	uint64_t mask = width == 8 ? ~0ULL : (1ULL << (8 * width)) - 1, val;

	struct el2_cpu *c = el2_this_cpu();

	if ((ipa & ~0xfffULL) != (EL2_MMIO_BASE & ~0xfffULL))
		el2_panic("stage-2 fault outside the guest's memory and devices");
	if (!(esr & ESR_ISV))
		el2_panic("trapped access without syndrome (ISV=0: pair/writeback access)");
	c->trap_cnt = t0;
	c->st->n_traps++;
	c->st->dbg_gaps += (uint64_t)c->gap_open;
	c->gap_open = 0;
	el2_tick_note_activity();
	if (esr & ESR_WNR) {
		val = el2_reg(f, srt) & mask;
		(void)el2_mbox_forward(ipa, EL2_OP_WRITE, width, &val);
	} else {
		(void)el2_mbox_forward(ipa, EL2_OP_READ, width, &val);
		val &= mask;
		if ((esr & ESR_SSE) && width < 8 && (val >> (8 * width - 1)) & 1)
			val |= ~mask;
		if (!(esr & ESR_SF))
			val &= 0xffffffffULL;
		if (srt != 31)
			f->x[srt] = val;
	}
	el2_skip();
}

/* The guest idles: sleep here, not in the guest. Return only when the guest has something to
 * take (a virtual interrupt just placed, the device's interrupt from the host, or one of its
 * physical interrupts pending at EL2); a bare poll tick stays in this loop, so an idle tick
 * costs QEMU one timer wake-up instead of a pass through Linux's idle loop. (A deliverable
 * virtual interrupt already in an LR makes QEMU complete the guest's WFI without trapping.)
 * WFI may return early by the architecture: the guest re-executes it. */
static void el2_wfi(void)
{
	struct el2_cpu *c = el2_this_cpu();

	c->st->n_wfi++;
	c->st->dbg_gap_wfi += (uint64_t)c->gap_open;
	el2_skip();
	for (;;) {
		el2_tick_arm(); /* also drops a fired tick's level before ISR_EL1 is read */
		if (sysreg_read(isr_el1) & ISR_IRQ)
			el2_db_drain(); /* the doorbell's too: its news is in the mailbox */
		if (el2_gic_flush() || (sysreg_read(isr_el1) & ISR_IRQ))
			return;
		wfi();
		if (el2_tick_fired())
			c->st->n_ticks++;
	}
}

#define PSCI_CPU_ON_32 0x84000003ULL
#define PSCI_CPU_ON_64 0xc4000003ULL
#define PSCI_INVALID_PARAMETERS (-2LL)

/* The stub's own SMC into QEMU's PSCI emulation. */
static void el2_smc_call(uint64_t *r)
{
	register uint64_t x0 __asm__("x0") = r[0];
	register uint64_t x1 __asm__("x1") = r[1];
	register uint64_t x2 __asm__("x2") = r[2];
	register uint64_t x3 __asm__("x3") = r[3];

	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
	r[0] = x0;
	r[1] = x1;
	r[2] = x2;
	r[3] = x3;
}

/* PSCI through QEMU's firmware emulation: the stub's own SMC with the guest's arguments. CPU_ON
 * starts the target in the stub (QEMU would start it at EL2 straight into Linux), which enters
 * the guest's entry point with its context once its EL2 is set up. */
static void el2_smc(struct el2_frame *f)
{
	uint64_t r[4] = {f->x[0], f->x[1], f->x[2], f->x[3]};

	el2_this_cpu()->st->n_smc++;
	if (r[0] == PSCI_CPU_ON_64 || r[0] == PSCI_CPU_ON_32) {
		uint64_t idx = r[1] & 0xff; /* QEMU virt: vCPU n has MPIDR Aff0 = n */

		if ((r[1] & 0xff00ffff00ULL) || idx >= el2_nr_vcpus()) {
			f->x[0] = (uint64_t)PSCI_INVALID_PARAMETERS;
			el2_skip();
			return;
		}
		el2_cpus[idx].entry = r[2];
		el2_cpus[idx].context = r[3];
		dsb_sy();
		r[2] = (uint64_t)el2_start_secondary;
		r[3] = idx;
	}
	el2_smc_call(r);
	f->x[0] = r[0];
	f->x[1] = r[1];
	f->x[2] = r[2];
	f->x[3] = r[3];
	el2_skip();
}

/* With IMO=1, EL1's SGI generation traps (no virtual equivalent): re-issue it physically; the
 * SGI then reaches EL2 and is injected (el2_gic_irq). Other trapped registers read as zero. */
static void el2_sysreg(struct el2_frame *f, uint64_t esr)
{
	unsigned int rt = (unsigned int)(esr >> 5) & 31;
	int is_read = esr & 1;
	uint64_t enc = esr & 0x3ffc1eULL; /* Op0, Op2, Op1, CRn, CRm */
	uint64_t sgi1r = (3ULL << 20) | (5ULL << 17) | (0ULL << 14) | (12ULL << 10) | (11ULL << 1);

	if (!is_read && enc == sgi1r) {
		sysreg_write(icc_sgi1r_el1, el2_reg(f, rt));
		isb();
	} else if (is_read && rt != 31) {
		f->x[rt] = 0;
	}
	el2_skip();
}

static void el2_sync(struct el2_frame *f)
{
	uint64_t esr = sysreg_read(esr_el2);

	switch (esr >> 26) {
	case EC_DABT_LOW:
		el2_dabt(f, esr);
		break;
	case EC_WFX:
		el2_wfi();
		break;
	case EC_SMC64:
		el2_smc(f);
		break;
	case EC_HVC64:
		f->x[0] = ~0ULL;
		break; /* SMCCC NOT_SUPPORTED; ELR is already past it */
	case EC_SYSREG:
		el2_sysreg(f, esr);
		break;
	default:
		el2_panic("unexpected exception from the guest");
	}
}

void el2_exception(struct el2_frame *f, uint64_t vec)
{
	if (vec == EL2_VEC_LOWER_SYNC)
		el2_sync(f);
	else if (vec == EL2_VEC_LOWER_IRQ)
		el2_gic_irq();
	else
		el2_panic(vec < 8 ? "exception taken at EL2 (stub bug)"
				  : "FIQ/SError/AArch32 exception from the guest");
	el2_gic_flush();
	el2_tick_arm();
}
