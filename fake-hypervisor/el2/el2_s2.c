/* el2_s2.c - stage-2 translation for the guest: IPA 0-256 MiB identity-mapped as Device memory
 * (GIC, UART, ...) except the virtio-mmio page, which stays unmapped so every access faults to
 * EL2; IPA EL2_WINDOW_IPA.. mapped as Normal memory onto the window's physical pages. */
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

#define SZ_2M 0x200000ULL
#define SZ_4K 0x1000ULL
/* T0SZ=32 (4 GiB IPA), SL0=1 (start at level 1), IRGN0/ORGN0 WB, SH0 inner, TG0 4K, PS 32-bit,
 * RES1 bit 31. */
#define VTCR_VAL 0x80003560ULL

static uint64_t s2_l1[512] __attribute__((aligned(4096)));
static uint64_t s2_l2[512] __attribute__((aligned(4096))); /* IPA 0 - 1 GiB */
static uint64_t s2_l3[512] __attribute__((aligned(4096))); /* the 2 MiB around the trap page */

void el2_s2_init(uint64_t window_pa, uint64_t window_ipa, uint64_t window_size)
{
	uint64_t trap_page = EL2_MMIO_BASE & ~(SZ_4K - 1);
	uint64_t trap_block = EL2_MMIO_BASE & ~(SZ_2M - 1);

	for (uint64_t ipa = 0; ipa < window_ipa; ipa += SZ_2M)
		s2_l2[ipa / SZ_2M] = ipa | S2_DEVICE | S2_BLOCK;
	for (uint64_t i = 0; i < 512; i++) {
		uint64_t ipa = trap_block + i * SZ_4K;

		s2_l3[i] = ipa == trap_page ? 0 : (ipa | S2_DEVICE | S2_PAGE);
	}
	s2_l2[trap_block / SZ_2M] = (uint64_t)s2_l3 | S2_TABLE;
	for (uint64_t off = 0; off < window_size; off += SZ_2M)
		s2_l2[(window_ipa + off) / SZ_2M] = (window_pa + off) | S2_NORMAL | S2_BLOCK;
	s2_l1[0] = (uint64_t)s2_l2 | S2_TABLE;
	dsb_sy();
	sysreg_write(vtcr_el2, VTCR_VAL);
	sysreg_write(vttbr_el2, (uint64_t)s2_l1 | (1ULL << 48)); /* VMID 1 */
	isb();
	__asm__ volatile("tlbi vmalls12e1is\n\tdsb ish\n\tisb" ::: "memory");
}
