/* el2_gic.c - interrupts at EL2 (GICv3), per vCPU: the guest's own physical interrupts are
 * acknowledged here (priority drop only, EOImode=1) and handed to the guest through this vCPU's
 * list registers with HW=1, so the guest's EOI deactivates them; the virtio interrupt the host
 * reports through the mailbox is injected as a purely virtual SPI (HW=0) once the guest has
 * enabled it, on the vCPU its GICD_IROUTER names (another vCPU's stub kicks that one with
 * EL2_SGI_KICK). The PL011's interrupt reaches the guest under the number its device tree gives
 * (the demo: INTID 43 for QEMU's INTID 33). A small queue holds what did not fit in the four
 * list registers (maintenance interrupt on underflow). */
#include "el2.h"

#define LR_STATE_PENDING (1ULL << 62)
#define LR_STATE_ACTIVE (1ULL << 63)
#define LR_HW (1ULL << 61)
#define LR_GROUP1 (1ULL << 60)
#define LR_PRIO (0xa0ULL << 48)
#define ICH_HCR_EN 1ULL
#define ICH_HCR_UIE (1ULL << 1)
#define GICR_ISENABLER0 0x100
#define GICD_ISENABLER(n) (0x100 + 4 * (n))
#define GICD_ICENABLER(n) (0x180 + 4 * (n))
#define GICD_IROUTER(n) (0x6000 + 8 * (n))
#define GICD_IROUTER_IRM (1ULL << 31)
#define GIC_SPURIOUS 1020
#define GIC_MAX_ACK 8 /* interrupts acknowledged per exception */

static unsigned int nr_lrs;

static uint64_t lr_read(unsigned int n)
{
	switch (n) {
	case 0:
		return sysreg_read(ich_lr0_el2);
	case 1:
		return sysreg_read(ich_lr1_el2);
	case 2:
		return sysreg_read(ich_lr2_el2);
	default:
		return sysreg_read(ich_lr3_el2);
	}
}

static void lr_write(unsigned int n, uint64_t v)
{
	switch (n) {
	case 0:
		sysreg_write(ich_lr0_el2, v);
		break;
	case 1:
		sysreg_write(ich_lr1_el2, v);
		break;
	case 2:
		sysreg_write(ich_lr2_el2, v);
		break;
	default:
		sysreg_write(ich_lr3_el2, v);
		break;
	}
}

/* This vCPU's CPU interface and list registers (every vCPU, on its own). */
void el2_gic_init(void)
{
	nr_lrs = (unsigned int)(sysreg_read(ich_vtr_el2) & 0x1f) + 1;
	if (nr_lrs > 4)
		nr_lrs = 4;
	sysreg_write(icc_sre_el2, 0xf); /* SRE | DFB | DIB | Enable (EL1 may use its SRE) */
	isb();
	sysreg_write(icc_ctlr_el1, sysreg_read(icc_ctlr_el1) | 2); /* EOImode: drop != deactivate */
	sysreg_write(icc_pmr_el1, 0xff);
	sysreg_write(icc_igrpen1_el1, 1);
	for (unsigned int i = 0; i < nr_lrs; i++)
		lr_write(i, 0);
	sysreg_write(ich_hcr_el2, ICH_HCR_EN);
	isb();
}

static void el2_gic_queue(struct el2_cpu *c, uint32_t intid, uint32_t pintid)
{
	if (c->queue_len == EL2_QUEUE_MAX)
		el2_panic("virtual interrupt queue overflow");
	c->queue[c->queue_len++] = (struct el2_virq){intid, pintid};
}

static uint32_t el2_gic_uart_virq(void)
{
	return el2_mb->uart_virq ? el2_mb->uart_virq : EL2_UART_INTID;
}

/* Put v in a list register: merge with an LR already holding the same vINTID (an edge on an
 * active virtual SPI becomes pending+active; a pending one absorbs it). 0, or -1 when full. */
static int el2_gic_lr_put(const struct el2_virq *v)
{
	uint64_t empty = sysreg_read(ich_elrsr_el2);
	int free_lr = -1;

	for (unsigned int i = 0; i < nr_lrs; i++) {
		uint64_t lr;

		if (empty & (1ULL << i)) {
			if (free_lr < 0)
				free_lr = (int)i;
			continue;
		}
		lr = lr_read(i);
		if ((lr & 0xffffffffULL) != v->intid || v->pintid)
			continue;
		if (!(lr & LR_STATE_PENDING))
			lr_write(i, lr | LR_STATE_PENDING);
		return 0;
	}
	if (free_lr < 0)
		return -1;
	lr_write((unsigned int)free_lr, LR_STATE_PENDING | LR_GROUP1 | LR_PRIO |
					    (v->pintid ? LR_HW | ((uint64_t)v->pintid << 32) : 0) |
					    v->intid);
	return 0;
}

static int el2_gic_spi_enabled(uint32_t intid)
{
	return (mmio_read32(EL2_GICD_BASE + GICD_ISENABLER(intid / 32)) >> (intid % 32)) & 1;
}

/* Linux's GIC driver disables every PPI it does not use at boot (including the stub's timer
 * and maintenance PPIs) on each vCPU's redistributor: turn them back on whenever the stub
 * runs there. */
static void el2_gic_keep_ppis(struct el2_cpu *c)
{
	uint32_t want = (1u << EL2_INTID_CNTHP) | (1u << EL2_INTID_MAINT) | (1u << EL2_SGI_KICK);
	uint64_t now = el2_tick_now();

	/* GIC registers cost QEMU's big lock: look every 2 ms, enough to follow Linux's one-off
	 * GIC set-up (the stub's ticks and traps run meanwhile). */
	if (now < c->next_check)
		return;
	c->next_check = now + el2_tick_us(2000);

	if ((mmio_read32(c->gicr_sgi + GICR_ISENABLER0) & want) != want)
		mmio_write32(c->gicr_sgi + GICR_ISENABLER0, want);
	if (c->id)
		return; /* the distributor's SPIs: vCPU 0 minds them */
	/* The doorbell's SPI, likewise disabled by Linux's distributor set-up. */
	if (el2_db_enabled() && !el2_gic_spi_enabled(EL2_DB_INTID))
		mmio_write32(EL2_GICD_BASE + GICD_ISENABLER(EL2_DB_INTID / 32),
			     1u << (EL2_DB_INTID % 32));
	/* A PL011 the guest knows under another number: the physical line follows the guest's
	 * enable of its number (the guest programs only the distributor entry it knows). */
	if (el2_gic_uart_virq() != EL2_UART_INTID) {
		int want_on = el2_gic_spi_enabled(el2_gic_uart_virq());

		if (want_on != el2_gic_spi_enabled(EL2_UART_INTID))
			mmio_write32(EL2_GICD_BASE + (want_on
							  ? GICD_ISENABLER(EL2_UART_INTID / 32)
							  : GICD_ICENABLER(EL2_UART_INTID / 32)),
				     1u << (EL2_UART_INTID % 32));
	}
}

/* The vCPU the guest routed the virtio SPI to (its GICD_IROUTER's Aff0; QEMU's MPIDR of vCPU n
 * is n). "Any" (IRM) or a vCPU that is not running: the one looking. */
static unsigned int el2_gic_virtio_target(const struct el2_cpu *c)
{
	uint64_t r;
	unsigned int t;

	if (el2_nr_vcpus() == 1)
		return 0;
	r = *(volatile uint64_t *)(EL2_GICD_BASE + GICD_IROUTER(EL2_VIRTIO_INTID));
	t = (unsigned int)(r & 0xff);
	if ((r & GICD_IROUTER_IRM) || t >= el2_nr_vcpus() ||
	    !__atomic_load_n(&el2_mb->vcpu[t].online, __ATOMIC_ACQUIRE))
		return c->id;
	return t;
}

void el2_gic_kick(unsigned int idx)
{
	/* ICC_SGI1R_EL1: INTID [27:24], Aff1..3 0, TargetList bit = Aff0. */
	sysreg_write(icc_sgi1r_el1, ((uint64_t)EL2_SGI_KICK << 24) | (1ULL << idx));
	isb();
	el2_this_cpu()->st->n_kicks++;
}

void el2_gic_kick_sleepers(void)
{
	struct el2_cpu *me = el2_this_cpu();

	for (unsigned int i = 0; i < el2_nr_vcpus(); i++) {
		volatile struct el2_mb_vcpu *v = &el2_mb->vcpu[i];

		if (i != me->id && __atomic_load_n(&v->req_sleeping, __ATOMIC_ACQUIRE) &&
		    __atomic_load_n(&v->resp_seq, __ATOMIC_ACQUIRE) ==
			__atomic_load_n(&v->req_seq, __ATOMIC_ACQUIRE))
			el2_gic_kick(i);
	}
}

/* The device's interrupt, if the host raised one: injected here when this vCPU is its target,
 * else the target is kicked (once per interrupt sequence). */
static void el2_gic_virtio(struct el2_cpu *c)
{
	unsigned int t;
	uint64_t seq;

	if (!el2_mbox_irq_pending() || !el2_gic_spi_enabled(EL2_VIRTIO_INTID))
		return;
	t = el2_gic_virtio_target(c);
	if (t != c->id) {
		seq = __atomic_load_n(&el2_mb->irq_seq, __ATOMIC_ACQUIRE);
		if (el2_cpus[t].kick_seq != seq) {
			el2_cpus[t].kick_seq = seq;
			el2_gic_kick(t);
		}
		return;
	}
	if (!el2_mbox_irq_consume())
		return;
	el2_gic_queue(c, EL2_VIRTIO_INTID, 0);
	c->st->n_inject++;
	el2_mb->inject_cntpct = el2_tick_now();
	c->gap_open = 1;
	el2_tick_note_activity();
}

int el2_gic_flush(void)
{
	struct el2_cpu *c = el2_this_cpu();
	unsigned int kept = 0, had;

	el2_gic_keep_ppis(c);
	el2_gic_virtio(c);
	had = c->queue_len;
	if (!c->queue_len && !c->uie_on)
		return 0; /* nothing to place: spare QEMU's lock-taking GIC registers */
	for (unsigned int i = 0; i < c->queue_len; i++)
		if (el2_gic_lr_put(&c->queue[i]) < 0)
			c->queue[kept++] = c->queue[i];
	if (kept)
		c->st->n_lr_full++;
	c->queue_len = kept;
	if (c->uie_on != (kept != 0)) {
		c->uie_on = kept != 0;
		sysreg_write(ich_hcr_el2, ICH_HCR_EN | (c->uie_on ? ICH_HCR_UIE : 0));
	}
	return had != 0;
}

void el2_gic_irq(void)
{
	struct el2_cpu *c = el2_this_cpu();

	for (int n = 0; n < GIC_MAX_ACK; n++) {
		uint32_t intid = (uint32_t)sysreg_read(icc_iar1_el1) & 0xffffff;

		if (intid >= GIC_SPURIOUS)
			break;
		sysreg_write(icc_eoir1_el1, intid); /* priority drop only */
		if (intid == EL2_DB_INTID) {
			el2_db_drain(); /* lowers the level first: deactivating would re-fire it */
			sysreg_write(icc_dir_el1, intid);
			el2_gic_kick_sleepers(); /* another vCPU's response may have come with it */
			continue;
		}
		if (intid == EL2_INTID_CNTHP || intid == EL2_INTID_MAINT || intid < 16) {
			/* The stub's own (or an SGI, which cannot use HW=1): deactivate here. */
			sysreg_write(icc_dir_el1, intid);
			if (intid == EL2_INTID_CNTHP) {
				c->st->n_ticks++;
				el2_tick_disarm();
			}
			/* A kick only makes this vCPU look (el2_exception flushes after this). */
			if (intid < 16 && intid != EL2_SGI_KICK)
				el2_gic_queue(c, intid, 0);
			continue;
		}
		c->st->n_phys_irqs++;
		c->st->dbg_gap_irq += (uint64_t)c->gap_open;
		el2_gic_queue(c, intid == EL2_UART_INTID ? el2_gic_uart_virq() : intid, intid);
	}
}
