/* test_bao_uapi.c - the UAPI header must match Bao's ABI byte for byte: ioctl numbers,
 * struct sizes and field offsets as bao-linux-drivers defines them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bao.h"

static void test_ioctl_numbers(void **state)
{
	(void)state;
	assert_int_equal(BAO_IOCTL_DM_GET_INFO, 0xC020A601u);
	assert_int_equal(BAO_IOCTL_IO_CLIENT_ATTACH, 0xC030A602u);
	assert_int_equal(BAO_IOCTL_IO_REQUEST_COMPLETE, 0x4030A603u);
	assert_int_equal(BAO_IOCTL_IOEVENTFD, 0x4020A604u);
	assert_int_equal(BAO_IOCTL_IRQFD, 0x4008A605u);
}

static void test_struct_layouts(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct bao_virtio_request), 48);
	assert_int_equal(offsetof(struct bao_virtio_request, addr), 8);
	assert_int_equal(offsetof(struct bao_virtio_request, op), 16);
	assert_int_equal(offsetof(struct bao_virtio_request, value), 24);
	assert_int_equal(offsetof(struct bao_virtio_request, access_width), 32);
	assert_int_equal(offsetof(struct bao_virtio_request, request_id), 40);
	assert_int_equal(sizeof(struct bao_ioeventfd), 32);
	assert_int_equal(offsetof(struct bao_ioeventfd, addr), 8);
	assert_int_equal(offsetof(struct bao_ioeventfd, len), 16);
	assert_int_equal(offsetof(struct bao_ioeventfd, data), 24);
	assert_int_equal(sizeof(struct bao_irqfd), 8);
	assert_int_equal(sizeof(struct bao_dm_info), 32);
	assert_int_equal(offsetof(struct bao_dm_info, shmem_addr), 8);
	assert_int_equal(offsetof(struct bao_dm_info, shmem_size), 16);
	assert_int_equal(offsetof(struct bao_dm_info, irq), 24);
	assert_int_equal(offsetof(struct bao_dm_info, fd), 28);
}

static void test_ops_and_flags(void **state)
{
	(void)state;
	assert_int_equal(BAO_IO_WRITE, 0);
	assert_int_equal(BAO_IO_READ, 1);
	assert_int_equal(BAO_IO_ASK, 2);
	assert_int_equal(BAO_IO_NOTIFY, 3);
	assert_int_equal(BAO_IOEVENTFD_FLAG_DATAMATCH, 2);
	assert_int_equal(BAO_IOEVENTFD_FLAG_DEASSIGN, 4);
	assert_int_equal(BAO_IRQFD_FLAG_DEASSIGN, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ioctl_numbers),
	    cmocka_unit_test(test_struct_layouts),
	    cmocka_unit_test(test_ops_and_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
