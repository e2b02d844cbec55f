/* el2_s2.c - stage-2 translation for the guest, as Bao gives a frontend its view: IPA 0-256 MiB
 * identity-mapped as Device memory (GIC, ...) except the virtio-mmio page, which stays unmapped
 * so every access faults to EL2; the PL011 page where the guest's device tree puts it; the
 * shared window at EL2_WINDOW_IPA and the private RAM (when there is one) as Normal memory onto
 * their physical pages. Everything else faults (a stub panic naming the address). */
#include "el2.h"

#define S2_BLOCK 0x1ULL
#define S2_TABLE 0x3ULL
#define S2_PAGE 0x3ULL
#define S2_AF (1ULL << 10)
#define S2_SH_INNER (3ULL << 8)
#define S2_AP_RW (3ULL << 6)
#define S2_MEM_NORMAL (0xfULL << 2) /* outer/inner write-back */
#define S2_MEM_DEVICE (0x1ULL << 2) /* Device-nGnRE */
#define S2_XN (1ULL << 54)
#define S2_NORMAL (S2_MEM_NORMAL | S2_AP_RW | S2_SH_INNER | S2_AF)
#define S2_DEVICE (S2_MEM_DEVICE | S2_AP_RW | S2_AF | S2_XN)
#define S2_ADDR_MASK 0x0000fffffffff000ULL

#define SZ_1G 0x40000000ULL
#define SZ_2M 0x200000ULL
#define SZ_4K 0x1000ULL
#define DEVICES_END 0x10000000ULL /* QEMU virt's devices below the window (highmem=off) */
#define S2_L3_MAX 4
/* T0SZ=32 (4 GiB IPA), SL0=1 (start at level 1), IRGN0/ORGN0 WB, SH0 inner, TG0 4K, PS 32-bit,
 * RES1 bit 31. */
#define VTCR_VAL 0x80003560ULL

static uint64_t s2_l1[512] __attribute__((aligned(4096)));
static uint64_t s2_l2[4][512] __attribute__((aligned(4096))); /* one per GiB of IPA */
static uint64_t s2_l3[S2_L3_MAX][512] __attribute__((aligned(4096)));
static unsigned int s2_l3_used;

static uint64_t *el2_s2_l2e(uint64_t ipa)
{
	return &s2_l2[ipa / SZ_1G][(ipa % SZ_1G) / SZ_2M];
}

static void el2_s2_blocks(uint64_t ipa, uint64_t pa, uint64_t size, uint64_t attr)
{
	for (uint64_t off = 0; off < size; off += SZ_2M)
		*el2_s2_l2e(ipa + off) = (pa + off) | attr | S2_BLOCK;
}

/* Map (desc = pa | attr) or unmap (desc = 0) one 4 KiB page, splitting its 2 MiB block into a
 * page table that keeps the block's other pages as they were. */
static void el2_s2_page(uint64_t ipa, uint64_t desc)
{
	uint64_t *l2e = el2_s2_l2e(ipa), *l3;

	if ((*l2e & 3) == S2_TABLE) {
		l3 = (uint64_t *)(*l2e & S2_ADDR_MASK);
	} else {
		uint64_t block = *l2e;

		if (s2_l3_used == S2_L3_MAX)
			el2_panic("stage-2: too many page-mapped blocks");
		l3 = s2_l3[s2_l3_used++];
		for (uint64_t i = 0; i < 512; i++)
			l3[i] = block ? ((block & S2_ADDR_MASK & ~(SZ_2M - 1)) + i * SZ_4K) |
					    (block & ~S2_ADDR_MASK & ~3ULL) | S2_PAGE
				      : 0;
		*l2e = (uint64_t)l3 | S2_TABLE;
	}
	l3[(ipa % SZ_2M) / SZ_4K] = desc ? desc | S2_PAGE : 0;
}

void el2_s2_init(const volatile struct el2_mailbox *mb)
{
	uint64_t uart_ipa = mb->uart_ipa ? mb->uart_ipa : EL2_UART_PA;

	el2_s2_blocks(0, 0, DEVICES_END, S2_DEVICE);
	el2_s2_page(EL2_MMIO_BASE & ~(SZ_4K - 1), 0);
	if (uart_ipa != EL2_UART_PA) {
		el2_s2_page(EL2_UART_PA, 0);
		el2_s2_page(uart_ipa, EL2_UART_PA | S2_DEVICE);
	}
	el2_s2_blocks(mb->window_ipa, mb->window_pa, mb->window_size, S2_NORMAL);
	if (mb->ram_size)
		el2_s2_blocks(mb->ram_ipa, mb->ram_pa, mb->ram_size, S2_NORMAL);
	for (uint64_t i = 0; i < 4; i++)
		s2_l1[i] = (uint64_t)s2_l2[i] | S2_TABLE;
	dsb_sy();
}

/* The tables are shared by every vCPU (one VMID, one guest). */
void el2_s2_enable(void)
{
	sysreg_write(vtcr_el2, VTCR_VAL);
	sysreg_write(vttbr_el2, (uint64_t)s2_l1 | (1ULL << 48)); /* VMID 1 */
	isb();
	__asm__ volatile("tlbi vmalls12e1is\n\tdsb ish\n\tisb" ::: "memory");
}
