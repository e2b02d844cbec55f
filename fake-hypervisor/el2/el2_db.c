/* el2_db.c - the optional doorbell between stub and host: a QEMU pci-serial (16550) the stub
 * alone owns. Transmitting a byte wakes the host's server (its end of the chardev socket);
 * the host's bytes raise the UART's receive interrupt, a physical IRQ that wakes the stub from
 * WFI at once, instead of at its next poll tick. Found and set up by PCI config cycles (ECAM). */
#include "el2.h"

#define PCI_VENDOR_REDHAT 0x1b36
#define PCI_DEVICE_SERIAL 0x0002
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 0x1
#define PCI_BAR0 0x10

#define UART_RBR 0 /* read: receive buffer */
#define UART_THR 0 /* write: transmit holding */
#define UART_IER 1
#define UART_IER_RDI 0x01
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20

static uint64_t db_io;

static inline uint8_t db_in(unsigned int reg)
{
	return *(volatile uint8_t *)(db_io + reg);
}

static inline void db_out(unsigned int reg, uint8_t v)
{
	*(volatile uint8_t *)(db_io + reg) = v;
}

void el2_db_init(void)
{
	uint64_t cfg = EL2_DB_ECAM_PA + ((uint64_t)EL2_DB_PCI_SLOT << 15);
	uint32_t id = mmio_read32(cfg);

	if ((id & 0xffff) != PCI_VENDOR_REDHAT || (id >> 16) != PCI_DEVICE_SERIAL)
		el2_panic("doorbell configured but no pci-serial at PCI 00:01.0");
	mmio_write32(cfg + PCI_BAR0, (uint32_t)EL2_DB_IO_BAR | 1);
	mmio_write32(cfg + PCI_COMMAND, mmio_read32(cfg + PCI_COMMAND) | PCI_COMMAND_IO);
	db_io = EL2_DB_PIO_PA + EL2_DB_IO_BAR;
	db_out(UART_LCR, 0x03); /* 8N1, DLAB off */
	db_out(UART_FCR, 0x07); /* FIFO on, both cleared */
	db_out(UART_MCR, 0x08); /* OUT2: interrupt line enabled on real 16550s */
	db_out(UART_IER, UART_IER_RDI);
	el2_db_drain();
}

int el2_db_enabled(void)
{
	return db_io != 0;
}

/* One byte to the host; if the FIFO is full the host has bytes to read anyway. */
void el2_db_ring(void)
{
	if (db_io && (db_in(UART_LSR) & UART_LSR_THRE))
		db_out(UART_THR, 'r');
}

/* Read what the host sent (the bytes carry no data), which lowers the receive interrupt. */
void el2_db_drain(void)
{
	for (int i = 0; db_io && i < 64 && (db_in(UART_LSR) & UART_LSR_DR); i++) {
		(void)db_in(UART_RBR);
		el2_this_cpu()->st->n_db_rx++;
	}
}
