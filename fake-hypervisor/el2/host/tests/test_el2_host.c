/* test_el2_host.c - the host's end of the EL2 stub's mailbox, with the test playing the stub (it
 * writes requests into the mailbox page as the stub would), QEMU (it connects to the doorbell
 * socket) and the device model (fakebao_dm attach/complete, an irqfd): layout and configuration
 * checks, one request served through fakebao, one interrupt reported, polling and doorbell. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "el2_host.h"
#include "fakebao.h"
#include "fakebao_dm.h"

struct fixture {
	char dir[40], sock[64], ram0[64], db[64];
	int ram0_fd;
	struct fakebao *fb;
	struct fakebao_dm_conn dm;
	struct el2_mailbox *mb;
	struct el2_host *host;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct fakebao_config cfg = {
	    .shmem_addr = EL2_WINDOW_IPA,
	    .shmem_size = FAKEBAO_DEFAULT_SHMEM_SIZE,
	    .irq = FAKEBAO_DEFAULT_IRQ,
	    .nr_vcpus = 2,
	    .window_fd = -1,
	    .trap_timeout_ms = 2000,
	    .spin_us = 10,
	};

	snprintf(f->dir, sizeof(f->dir), "/tmp/el2host-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/fb.sock", f->dir);
	snprintf(f->ram0, sizeof(f->ram0), "%s/ram0", f->dir);
	snprintf(f->db, sizeof(f->db), "%s/db.sock", f->dir);
	cfg.socket_path = f->sock;
	assert_int_equal(fakebao_create(&cfg, &f->fb), 0);
	assert_int_equal(fakebao_add_trap_region(f->fb, EL2_MMIO_BASE, EL2_MMIO_SIZE, 0), 0);
	assert_int_equal(fakebao_dm_connect(&f->dm, f->sock, 1000), 0);
	f->ram0_fd = el2_host_create_file(f->ram0, EL2_RAM0_SIZE);
	assert_true(f->ram0_fd >= 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	el2_host_stop(f->host);
	fakebao_dm_disconnect(&f->dm);
	fakebao_destroy(f->fb);
	el2_host_unmap_mailbox(f->mb);
	close(f->ram0_fd);
	unlink(f->ram0);
	unlink(f->db);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Spin (bounded, 2 s) until *p == want. */
static int wait_u64(const uint64_t *p, uint64_t want)
{
	struct timespec ms = {0, 1000000};

	for (int i = 0; i < 2000; i++) {
		if (__atomic_load_n(p, __ATOMIC_ACQUIRE) == want)
			return 0;
		nanosleep(&ms, NULL);
	}
	return -ETIMEDOUT;
}

/* The whole-RAM layout (a guest kernel without the restricted DMA pool). */
static const struct el2_host_layout whole = {
    .window_size = 0x10000000ULL,
    .kernel_ipa = EL2_WINDOW_IPA + EL2_WIN_KERNEL_OFF,
    .dtb_ipa = EL2_WINDOW_IPA + EL2_WIN_DTB_OFF,
};

/* The demo's: a 16 MiB window, 1 GiB of private RAM at 0x30000000, the PL011 at 0x9002000
 * under SPI 11. */
static const struct el2_host_layout demo = {
    .window_size = 0x01000000ULL,
    .ram_ipa = 0x30000000ULL,
    .ram_size = 0x40000000ULL,
    .uart_ipa = 0x09002000ULL,
    .uart_virq = 43,
    .kernel_ipa = 0x30000000ULL + EL2_WIN_KERNEL_OFF,
    .dtb_ipa = 0x30000000ULL + EL2_WIN_DTB_OFF,
};

static void test_layout_check(void **state)
{
	struct el2_host_layout l;
	char why[256];

	(void)state;
	assert_int_equal(el2_host_layout_check(&whole, why, sizeof(why)), 0);
	assert_int_equal(el2_host_layout_check(&demo, why, sizeof(why)), 0);
	/* Sizes and places the stub's stage-2 cannot map are refused, with the reason. */
	l = whole;
	l.window_size = EL2_WINDOW_MAX + 0x200000;
	assert_int_equal(el2_host_layout_check(&l, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "window size"));
	l.window_size = 0x10000001ULL;
	assert_int_equal(el2_host_layout_check(&l, why, sizeof(why)), -EINVAL);
	l.window_size = 0x01000000ULL; /* 16 MiB as the only RAM: too small */
	assert_int_equal(el2_host_layout_check(&l, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "only RAM"));
	l = demo;
	l.ram_ipa = 0x10800000ULL; /* inside the window */
	assert_int_equal(el2_host_layout_check(&l, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "above the window"));
	l = demo;
	l.ram_ipa = 0xe0000000ULL; /* past 4 GiB at its end */
	assert_int_equal(el2_host_layout_check(&l, why, sizeof(why)), -EINVAL);
	l = demo;
	l.uart_ipa = 0x0a003000ULL; /* the trap page */
	assert_int_equal(el2_host_layout_check(&l, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "PL011"));
	l = demo;
	l.kernel_ipa = 0x20000000ULL; /* between the window and the RAM */
	assert_int_equal(el2_host_layout_check(&l, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "outside the guest's memory"));
	/* Physical addresses: the window right after the stub's node, the RAM after the window. */
	assert_int_equal(el2_host_layout_pa(&demo, 0x10000000ULL), EL2_WINDOW_PA);
	assert_int_equal(el2_host_layout_pa(&demo, 0x30200000ULL), EL2_WINDOW_PA + 0x01200000ULL);
	assert_int_equal(el2_host_layout_pa(&demo, 0x11000000ULL), 0);
	assert_int_equal(el2_host_layout_pa(&whole, 0x1ff00000ULL), EL2_WINDOW_PA + 0x0ff00000ULL);
}

static void test_configure(void **state)
{
	struct fixture *f = *state;
	struct el2_host_tuning t = {.doorbell_path = f->db};
	struct el2_host_layout bad = demo;

	bad.ram_size = 0x1000;
	assert_int_equal(el2_host_map_mailbox(f->ram0_fd, &bad, NULL, &f->mb), -EINVAL);
	assert_null(f->mb);
	/* A good one is written where the stub looks: layout, entry points, doorbell ticks. */
	assert_int_equal(el2_host_map_mailbox(f->ram0_fd, &demo, &t, &f->mb), 0);
	assert_int_equal(f->mb->magic, EL2_MB_MAGIC);
	assert_int_equal(f->mb->version, EL2_MB_VERSION);
	assert_int_equal(f->mb->window_pa, EL2_WINDOW_PA);
	assert_int_equal(f->mb->window_size, 0x01000000ULL);
	assert_int_equal(f->mb->ram_pa, EL2_WINDOW_PA + 0x01000000ULL);
	assert_int_equal(f->mb->ram_ipa, 0x30000000ULL);
	assert_int_equal(f->mb->ram_size, 0x40000000ULL);
	assert_int_equal(f->mb->uart_ipa, 0x09002000ULL);
	assert_int_equal(f->mb->uart_virq, 43);
	assert_int_equal(f->mb->kernel_ipa, 0x30000000ULL + EL2_WIN_KERNEL_OFF);
	assert_int_equal(f->mb->dtb_ipa, 0x30000000ULL + EL2_WIN_DTB_OFF);
	assert_int_equal(f->mb->doorbell, 1);
	assert_int_equal(f->mb->tick_idle_us, 10000);
}

/* The stub posts a read of InterruptStatus; the device model answers 1; then the device's
 * irqfd fires and the stub must see irq_seq move. doorbell_fd >= 0: ring and expect rings. */
static void stub_round_trip(struct fixture *f, int doorbell_fd)
{
	struct bao_virtio_request req;
	struct bao_irqfd irqfd;
	struct el2_host_stats st;
	struct pollfd p = {doorbell_fd, POLLIN, 0};
	char byte;
	int efd;

	/* Stub: post request 1 and (doorbell) say it sleeps, then ring. */
	f->mb->vcpu[0].req_addr = EL2_MMIO_BASE + 0x60;
	f->mb->vcpu[0].req_op = EL2_OP_READ;
	f->mb->vcpu[0].req_width = 4;
	f->mb->vcpu[0].req_sleeping = doorbell_fd >= 0;
	__atomic_store_n(&f->mb->vcpu[0].req_seq, 1, __ATOMIC_RELEASE);
	if (doorbell_fd >= 0)
		assert_int_equal(write(doorbell_fd, "r", 1), 1);
	/* Device model: the access arrives as a Bao request. */
	assert_int_equal(fakebao_dm_attach(&f->dm, 0, &req), 0);
	assert_int_equal(req.addr, EL2_MMIO_BASE + 0x60);
	assert_int_equal(req.op, BAO_IO_READ);
	req.value = 1;
	assert_int_equal(fakebao_dm_complete(&f->dm, &req), 0);
	/* Stub: the answer, and (doorbell) a ring because it said it sleeps. */
	assert_int_equal(wait_u64(&f->mb->vcpu[0].resp_seq, 1), 0);
	assert_int_equal(f->mb->vcpu[0].resp_value, 1);
	assert_int_equal(f->mb->vcpu[0].resp_status, 0);
	if (doorbell_fd >= 0) {
		assert_int_equal(poll(&p, 1, 2000), 1);
		assert_int_equal(read(doorbell_fd, &byte, 1), 1);
	}
	/* Device: its interrupt through the irqfd reaches the stub's irq_seq. */
	efd = eventfd(0, EFD_CLOEXEC);
	assert_true(efd >= 0);
	irqfd = (struct bao_irqfd){.fd = efd, .flags = 0};
	assert_int_equal(fakebao_dm_irqfd(&f->dm, 0, &irqfd), 0);
	assert_int_equal(eventfd_write(efd, 1), 0);
	assert_int_equal(wait_u64(&f->mb->irq_seq, 1), 0);
	if (doorbell_fd >= 0) {
		assert_int_equal(poll(&p, 1, 2000), 1);
		assert_int_equal(read(doorbell_fd, &byte, 1), 1);
	}
	el2_host_get_stats(f->host, &st);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.reads, 1);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.injections, 1);
	close(efd);
}

static void test_serve_polling(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(el2_host_map_mailbox(f->ram0_fd, &whole, NULL, &f->mb), 0);
	assert_int_equal(el2_host_start(f->fb, f->mb, NULL, &f->host), 0);
	stub_round_trip(f, -1);
}

/* Two vCPUs post at once: each access is that vCPU's own Bao request (fakebao's per-vCPU slot),
 * each answered in its own response line. */
static void test_serve_two_vcpus(void **state)
{
	struct fixture *f = *state;
	struct el2_host_layout two = whole;
	struct bao_virtio_request req[2];
	struct el2_host_stats st;
	struct fakebao_stats fs;

	two.vcpus = 2;
	assert_int_equal(el2_host_map_mailbox(f->ram0_fd, &two, NULL, &f->mb), 0);
	assert_int_equal(f->mb->nr_vcpus, 2);
	assert_int_equal(el2_host_start(f->fb, f->mb, NULL, &f->host), 0);
	for (unsigned int i = 0; i < 2; i++) {
		f->mb->vcpu[i].req_addr = EL2_MMIO_BASE + (i ? 0x70 : 0x60);
		f->mb->vcpu[i].req_op = EL2_OP_READ;
		f->mb->vcpu[i].req_width = 4;
		__atomic_store_n(&f->mb->vcpu[i].req_seq, 1, __ATOMIC_RELEASE);
	}
	/* The device model answers them in the order they come, each with its own value. */
	for (unsigned int i = 0; i < 2; i++) {
		assert_int_equal(fakebao_dm_attach(&f->dm, 0, &req[i]), 0);
		req[i].value = req[i].addr == EL2_MMIO_BASE + 0x70 ? 0xf : 1;
		assert_int_equal(fakebao_dm_complete(&f->dm, &req[i]), 0);
	}
	assert_int_equal(wait_u64(&f->mb->vcpu[0].resp_seq, 1), 0);
	assert_int_equal(wait_u64(&f->mb->vcpu[1].resp_seq, 1), 0);
	assert_int_equal(f->mb->vcpu[0].resp_value, 1);
	assert_int_equal(f->mb->vcpu[1].resp_value, 0xf);
	el2_host_get_stats(f->host, &st);
	assert_int_equal(st.vcpu_requests[0], 1);
	assert_int_equal(st.vcpu_requests[1], 1);
	fakebao_get_stats(f->fb, &fs);
	assert_int_equal(fs.vcpu_traps[0], 1);
	assert_int_equal(fs.vcpu_traps[1], 1);
}

static void test_serve_doorbell(void **state)
{
	struct fixture *f = *state;
	struct el2_host_tuning t = {.doorbell_path = f->db};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	assert_int_equal(el2_host_map_mailbox(f->ram0_fd, &whole, &t, &f->mb), 0);
	assert_int_equal(el2_host_start(f->fb, f->mb, &t, &f->host), 0);
	/* QEMU's pci-serial chardev connects (server=off) to the host's socket. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->db);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	stub_round_trip(f, fd);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout_check),
	    cmocka_unit_test_setup_teardown(test_configure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_serve_polling, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_serve_doorbell, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_serve_two_vcpus, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
