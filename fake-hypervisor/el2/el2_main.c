/* el2_main.c - the EL2 stub's set-up: check the host's mailbox configuration, build stage-2,
 * prepare the GIC and the hypervisor timer, configure EL2 traps and enter Linux at EL1; a
 * secondary vCPU's the same for itself, then the guest's CPU_ON entry. */
#include "el2.h"

volatile struct el2_mailbox *const el2_mb = (volatile struct el2_mailbox *)EL2_MAILBOX_PA;
struct el2_cpu el2_cpus[EL2_MAX_VCPUS];
extern char __stack_top[];

#define PL011_DR 0x00
#define PL011_FR 0x18
#define PL011_FR_TXFF (1u << 5)

#define HCR_VM (1ULL << 0)
#define HCR_FMO (1ULL << 3)
#define HCR_IMO (1ULL << 4)
#define HCR_AMO (1ULL << 5)
#define HCR_TWI (1ULL << 13)
#define HCR_TSC (1ULL << 19)
#define HCR_RW (1ULL << 31)

#define PSCI_SYSTEM_OFF 0x84000008ULL

static void el2_putc(char c)
{
	for (int i = 0; i < 100000 && (mmio_read32(EL2_UART_BASE + PL011_FR) & PL011_FR_TXFF); i++)
		;
	mmio_write32(EL2_UART_BASE + PL011_DR, (uint32_t)(unsigned char)c);
}

void el2_puts(const char *s)
{
	while (*s)
		el2_putc(*s++);
}

void el2_puthex(uint64_t v)
{
	el2_puts("0x");
	for (int i = 60; i >= 0; i -= 4)
		el2_putc("0123456789abcdef"[(v >> i) & 0xf]);
}

/* Record why in the mailbox (the host reports it), say it on the UART, then power off through
 * PSCI so QEMU exits instead of hanging the run. */
void el2_panic(const char *msg)
{
	int i;

	el2_mb->panic_esr = sysreg_read(esr_el2);
	el2_mb->panic_elr = sysreg_read(elr_el2);
	el2_mb->panic_far = sysreg_read(far_el2);
	el2_mb->panic_hpfar = sysreg_read(hpfar_el2);
	for (i = 0; msg[i] && i < (int)sizeof(el2_mb->panic_msg) - 1; i++)
		el2_mb->panic_msg[i] = msg[i];
	el2_mb->panic_msg[i] = '\0';
	__atomic_store_n(&el2_mb->state, EL2_ST_PANIC, __ATOMIC_RELEASE);
	el2_puts("\r\nbao-el2: PANIC on vCPU ");
	el2_puthex(sysreg_read(mpidr_el1) & 0xff);
	el2_puts(": ");
	el2_puts(msg);
	el2_puts(" esr=");
	el2_puthex(el2_mb->panic_esr);
	el2_puts(" elr=");
	el2_puthex(el2_mb->panic_elr);
	el2_puts(" far=");
	el2_puthex(el2_mb->panic_far);
	el2_puts("\r\n");
	{
		register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;

		__asm__ volatile("smc #0" : "+r"(x0)::"x1", "x2", "x3", "memory");
	}
	for (;;)
		wfi();
}

/* EL2 controls for an AArch64 EL1 guest (values from shared/el2-notes.md). */
static void el2_setup_regs(void)
{
	uint64_t pmcr = sysreg_read(pmcr_el0);

	sysreg_write(cnthctl_el2, 3); /* EL1PCTEN | EL1PCEN: guest reads the counters freely */
	sysreg_write(cntvoff_el2, 0);
	sysreg_write(vpidr_el2, sysreg_read(midr_el1));
	sysreg_write(vmpidr_el2, sysreg_read(mpidr_el1));
	sysreg_write(cptr_el2, 0x22ff); /* RES1 bits only: no FP/SIMD traps */
	sysreg_write(hstr_el2, 0);
	sysreg_write(mdcr_el2, (pmcr >> 11) & 0x1f); /* HPMN = PMCR_EL0.N: all counters to EL1 */
	sysreg_write(sctlr_el1, 0x30d00800);	     /* guest enters with MMU and caches off */
	sysreg_write(hcr_el2, HCR_RW | HCR_TSC | HCR_TWI | HCR_IMO | HCR_FMO | HCR_AMO | HCR_VM);
	isb();
}

/* The guest's memory as the host configured it: the window, and the private RAM above it
 * (2 MiB aligned, inside the 32-bit IPA space, its physical pages right after the window). */
static void el2_check_layout(void)
{
	uint64_t size = el2_mb->window_size, ram = el2_mb->ram_size, ram_ipa = el2_mb->ram_ipa;
	uint64_t uart = el2_mb->uart_ipa;

	if (el2_mb->window_pa != EL2_WINDOW_PA || el2_mb->window_ipa != EL2_WINDOW_IPA ||
	    size < EL2_WINDOW_MIN || size > EL2_WINDOW_MAX || (size & 0x1fffff))
		el2_panic("mailbox window outside the supported layout");
	if (ram && (ram < EL2_RAM_MIN || ram > EL2_RAM_MAX || (ram & 0x1fffff) ||
		    (ram_ipa & 0x1fffff) || ram_ipa < EL2_WINDOW_IPA + size ||
		    ram_ipa + ram > EL2_IPA_LIMIT || el2_mb->ram_pa != EL2_WINDOW_PA + size))
		el2_panic("mailbox private RAM outside the supported layout");
	if (uart && ((uart & 0xfff) || uart >= EL2_WINDOW_IPA ||
		     (uart & ~0xfffULL) == (EL2_MMIO_BASE & ~0xfffULL)))
		el2_panic("mailbox PL011 address outside the device range");
	if (el2_mb->uart_virq && (el2_mb->uart_virq < 32 || el2_mb->uart_virq >= 1020))
		el2_panic("mailbox PL011 interrupt is not an SPI");
	if (el2_mb->nr_vcpus > EL2_MAX_VCPUS)
		el2_panic("mailbox asks for more vCPUs than the stub has stacks for");
}

static int el2_in_guest_ram(uint64_t ipa)
{
	return ipa - EL2_WINDOW_IPA < el2_mb->window_size ||
	       (el2_mb->ram_size && ipa - el2_mb->ram_ipa < el2_mb->ram_size);
}

/* This vCPU's state, reachable through TPIDR_EL2 from every handler. */
static struct el2_cpu *el2_cpu_setup(unsigned int idx)
{
	struct el2_cpu *c = &el2_cpus[idx];
	uint64_t entry = c->entry, context = c->context;

	for (uint64_t i = 0; i < sizeof(*c); i++) /* no memset: -nostdlib */
		((volatile char *)c)[i] = 0;
	c->id = idx;
	c->entry = entry;
	c->context = context;
	c->mbv = &el2_mb->vcpu[idx];
	c->st = &el2_mb->stats[idx];
	c->gicr_sgi = EL2_GICR_BASE + idx * EL2_GICR_STRIDE + 0x10000;
	sysreg_write(tpidr_el2, (uint64_t)c);
	isb();
	return c;
}

static uint64_t el2_stack_top(unsigned int idx)
{
	return (uint64_t)__stack_top - idx * EL2_STACK_SIZE;
}

void el2_main(void)
{
	struct el2_cpu *c;

	__atomic_store_n(&el2_mb->state, EL2_ST_BOOTING, __ATOMIC_RELEASE);
	c = el2_cpu_setup(0);
	el2_puts("bao-el2: stub at EL2\r\n");
	if (el2_mb->magic != EL2_MB_MAGIC || el2_mb->version != EL2_MB_VERSION)
		el2_panic("mailbox not configured by the host (magic/version)");
	el2_check_layout();
	if (!el2_in_guest_ram(el2_mb->kernel_ipa) || !el2_in_guest_ram(el2_mb->dtb_ipa))
		el2_panic("kernel or DTB outside the guest's memory");
	el2_s2_init(el2_mb);
	el2_s2_enable();
	el2_gic_init();
	el2_tick_init();
	el2_tick_cpu_init();
	if (el2_mb->doorbell)
		el2_db_init();
	el2_setup_regs();
	__atomic_store_n(&el2_mb->state, EL2_ST_GUEST, __ATOMIC_RELEASE);
	__atomic_store_n(&c->mbv->online, 1, __ATOMIC_RELEASE);
	el2_puts("bao-el2: entering Linux at EL1\r\n");
	el2_enter_guest(el2_mb->kernel_ipa, el2_mb->dtb_ipa, el2_stack_top(0));
}

/* Started by QEMU's PSCI on the stub's own CPU_ON (el2_trap.c), with the guest's entry and
 * context recorded in el2_cpus[idx]. The tables and the GIC distributor are set up already. */
void el2_secondary_main(uint64_t idx)
{
	struct el2_cpu *c;

	if (idx >= el2_nr_vcpus())
		el2_panic("secondary vCPU started with a bad index");
	c = el2_cpu_setup((unsigned int)idx);
	el2_s2_enable();
	el2_gic_init();
	el2_tick_cpu_init();
	el2_setup_regs();
	__atomic_store_n(&c->mbv->online, 1, __ATOMIC_RELEASE);
	el2_enter_guest(c->entry, c->context, el2_stack_top(c->id));
}
