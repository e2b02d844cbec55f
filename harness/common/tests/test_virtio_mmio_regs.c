/* test_virtio_mmio_regs.c - the one register table: every register of virtio 1.2 §4.2.2 with
 * its name, width and access, and the names messages use for the rest. */
#include <linux/virtio_mmio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "virtio_mmio_regs.h"

static void test_names_and_access(void **state)
{
	const struct virtio_mmio_regs_desc *r;

	(void)state;
	assert_string_equal(virtio_mmio_regs_name(VIRTIO_MMIO_STATUS), "Status");
	assert_string_equal(virtio_mmio_regs_name(VIRTIO_MMIO_QUEUE_NOTIFY), "QueueNotify");
	assert_string_equal(virtio_mmio_regs_name(0x104), "Config");
	assert_string_equal(virtio_mmio_regs_name(0x3), "reserved");
	r = virtio_mmio_regs_find(VIRTIO_MMIO_INTERRUPT_ACK);
	assert_non_null(r);
	assert_int_equal(r->access, VIRTIO_MMIO_REGS_W);
	assert_int_equal(r->width, 4);
	r = virtio_mmio_regs_find(VIRTIO_MMIO_QUEUE_READY);
	assert_int_equal(r->access, VIRTIO_MMIO_REGS_R | VIRTIO_MMIO_REGS_W);
	assert_null(virtio_mmio_regs_find(0x100));
}

/* Every offset Linux's uapi header names is in the table, readable or writable. */
static void test_every_linux_register(void **state)
{
	static const uint32_t offs[] = {
	    VIRTIO_MMIO_MAGIC_VALUE,	 VIRTIO_MMIO_VERSION,
	    VIRTIO_MMIO_DEVICE_ID,	 VIRTIO_MMIO_VENDOR_ID,
	    VIRTIO_MMIO_DEVICE_FEATURES, VIRTIO_MMIO_DEVICE_FEATURES_SEL,
	    VIRTIO_MMIO_DRIVER_FEATURES, VIRTIO_MMIO_DRIVER_FEATURES_SEL,
	    VIRTIO_MMIO_QUEUE_SEL,	 VIRTIO_MMIO_QUEUE_NUM_MAX,
	    VIRTIO_MMIO_QUEUE_NUM,	 VIRTIO_MMIO_QUEUE_READY,
	    VIRTIO_MMIO_QUEUE_NOTIFY,	 VIRTIO_MMIO_INTERRUPT_STATUS,
	    VIRTIO_MMIO_INTERRUPT_ACK,	 VIRTIO_MMIO_STATUS,
	    VIRTIO_MMIO_QUEUE_DESC_LOW,	 VIRTIO_MMIO_QUEUE_DESC_HIGH,
	    VIRTIO_MMIO_QUEUE_AVAIL_LOW, VIRTIO_MMIO_QUEUE_AVAIL_HIGH,
	    VIRTIO_MMIO_QUEUE_USED_LOW,	 VIRTIO_MMIO_QUEUE_USED_HIGH,
	    VIRTIO_MMIO_SHM_SEL,	 VIRTIO_MMIO_SHM_LEN_LOW,
	    VIRTIO_MMIO_SHM_LEN_HIGH,	 VIRTIO_MMIO_SHM_BASE_LOW,
	    VIRTIO_MMIO_SHM_BASE_HIGH,	 VIRTIO_MMIO_CONFIG_GENERATION,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		const struct virtio_mmio_regs_desc *r = virtio_mmio_regs_find(offs[i]);

		assert_non_null(r);
		assert_true(r->access != 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_and_access),
	    cmocka_unit_test(test_every_linux_register),
	};

	return cmocka_run_group_tests_name("virtio_mmio_regs", tests, NULL, NULL);
}
