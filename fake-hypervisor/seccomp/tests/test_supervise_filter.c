/* test_supervise_filter.c - which calls the seccomp filter hands to the supervisor, checked by
 * running a child under it and recording every notification, and how a Bao ioctl number is
 * classified (the five numbers, wrong sizes, unknown numbers, other types, the upper half). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "bao.h"
#include "supervise_child.h"
#include "supervise_filter.h"
#include "supervise_notif.h"

#define MARK "/dev/null"

static void test_ioctl_kinds(void **state)
{
	(void)state;
	/* Bao's five numbers, exactly as bao-remio.md lists them. */
	assert_int_equal(supervise_filter_ioctl_kind(0xC020A601), SUPERVISE_FILTER_DM_GET_INFO);
	assert_int_equal(supervise_filter_ioctl_kind(0xC030A602),
			 SUPERVISE_FILTER_IO_CLIENT_ATTACH);
	assert_int_equal(supervise_filter_ioctl_kind(0x4030A603),
			 SUPERVISE_FILTER_IO_REQUEST_COMPLETE);
	assert_int_equal(supervise_filter_ioctl_kind(0x4020A604), SUPERVISE_FILTER_IOEVENTFD);
	assert_int_equal(supervise_filter_ioctl_kind(0x4008A605), SUPERVISE_FILTER_IRQFD);
	/* The kernel sees a 32-bit command: garbage above it changes nothing. */
	assert_int_equal(supervise_filter_ioctl_kind(0xdeadbeef00000000ULL | 0x4008A605),
			 SUPERVISE_FILTER_IRQFD);
	/* Type 0xA6 but a number, size or direction Bao's driver has no case for. */
	assert_int_equal(supervise_filter_ioctl_kind(_IO(0xA6, 0x7f)), SUPERVISE_FILTER_UNKNOWN);
	assert_int_equal(supervise_filter_ioctl_kind(_IOWR(0xA6, 0x02, uint32_t)),
			 SUPERVISE_FILTER_UNKNOWN);
	assert_int_equal(supervise_filter_ioctl_kind(_IOR(0xA6, 0x01, struct bao_dm_info)),
			 SUPERVISE_FILTER_UNKNOWN);
	assert_int_equal(supervise_filter_ioctl_kind(_IO(0xA6, 0x00)), SUPERVISE_FILTER_UNKNOWN);
	/* Not Bao's type at all. */
	assert_int_equal(supervise_filter_ioctl_kind(TCGETS), SUPERVISE_FILTER_NOT_BAO);
	assert_int_equal(supervise_filter_ioctl_kind(0xA6ULL << 40 | TCGETS),
			 SUPERVISE_FILTER_NOT_BAO);
	assert_string_equal(supervise_filter_ioctl_name(SUPERVISE_FILTER_IRQFD), "BAO_IOCTL_IRQFD");
	assert_string_equal(supervise_filter_ioctl_name(SUPERVISE_FILTER_UNKNOWN),
			    "unknown Bao ioctl");
}

static void test_build_bounds(void **state)
{
	struct sock_filter prog[SUPERVISE_FILTER_MAX_INSNS];
	int n = supervise_filter_build(prog, SUPERVISE_FILTER_MAX_INSNS);

	(void)state;
	assert_true(n > 0 && n <= SUPERVISE_FILTER_MAX_INSNS);
	/* The last two instructions are the verdicts. */
	assert_int_equal(prog[n - 1].code, BPF_RET | BPF_K);
	assert_int_equal(prog[n - 1].k, SECCOMP_RET_ALLOW);
	assert_int_equal(prog[n - 2].k, SECCOMP_RET_USER_NOTIF);
	assert_int_equal(supervise_filter_build(prog, (size_t)n - 1), -E2BIG);
}

/* The child: a series of calls, some the filter must send and some it must not. Its exit
 * status says whether each call still behaved as the kernel makes it behave. */
static int filter_child(void *arg)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC};
	struct termios t;
	int fd, bad = 0;

	(void)arg;
	getpid();					   /* allowed */
	fd = openat(AT_FDCWD, MARK, O_RDONLY | O_CLOEXEC); /* sent */
	bad |= fd < 0;
#ifdef __NR_open
	close(fd);
	fd = (int)syscall(__NR_open, MARK, O_RDONLY | O_CLOEXEC, 0); /* sent */
	bad |= (fd < 0) << 1;
#endif
	close(fd);
	fd = (int)syscall(__NR_openat2, AT_FDCWD, MARK, &how, sizeof(how)); /* sent */
	bad |= (fd < 0) << 2;
	/* A Bao-type ioctl on /dev/null: sent, continued, the kernel says ENOTTY. */
	bad |= (ioctl(fd, _IO(0xA6, 0x42)) != -1 || errno != ENOTTY) << 3;
	/* Upper half of the register set: the command is still 0xA6 type. */
	bad |= (syscall(__NR_ioctl, fd, 0xffffffff00000000UL | BAO_IOCTL_IRQFD, 0) != -1 ||
		errno != ENOTTY)
	       << 4;
	/* Not sent: another type, and 0xA6 above the 32 bits the kernel looks at. */
	bad |= (ioctl(fd, TCGETS, &t) != -1) << 5;
	bad |= (syscall(__NR_ioctl, fd, 0xA6UL << 40 | TCGETS, &t) != -1) << 6;
	close(fd);
	return bad;
}

struct seen {
	int nr;
	uint64_t arg1;
	char path[32];
};

static void test_filter_decisions(void **state)
{
	struct supervise_child c;
	struct seen seen[16];
	struct seccomp_notif n;
	int count = 0, st = -1;

	(void)state;
	assert_int_equal(supervise_child_spawn(filter_child, NULL, &c), 0);
	/* Play supervisor: record every notification and let it continue. */
	for (;;) {
		struct pollfd p = {c.listener, POLLIN, 0};

		assert_true(poll(&p, 1, 5000) > 0);
		if (!(p.revents & POLLIN))
			break; /* the child is gone: no task under the filter */
		if (supervise_notif_recv(c.listener, &n))
			continue;
		assert_true(count < 16);
		seen[count].nr = n.data.nr;
		seen[count].arg1 = n.data.args[1];
		seen[count].path[0] = '\0';
		if (n.data.nr != __NR_ioctl)
			supervise_notif_read_str(
			    n.pid,
			    n.data.nr == __NR_openat || n.data.nr == __NR_openat2 ? n.data.args[1]
										  : n.data.args[0],
			    seen[count].path, sizeof(seen[count].path));
		count++;
		assert_int_equal(supervise_notif_continue(c.listener, n.id), 0);
	}
	assert_int_equal(waitpid(c.pid, &st, 0), c.pid);
	close(c.listener);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* Exactly the opens and the two 0xA6 ioctls, in order. */
	{
		int i = 0;

		assert_int_equal(seen[i].nr, __NR_openat);
		assert_string_equal(seen[i++].path, MARK);
#ifdef __NR_open
		assert_int_equal(seen[i].nr, __NR_open);
		assert_string_equal(seen[i++].path, MARK);
#endif
		assert_int_equal(seen[i].nr, __NR_openat2);
		assert_string_equal(seen[i++].path, MARK);
		assert_int_equal(seen[i].nr, __NR_ioctl);
		assert_int_equal((uint32_t)seen[i++].arg1, _IO(0xA6, 0x42));
		assert_int_equal(seen[i].nr, __NR_ioctl);
		assert_int_equal((uint32_t)seen[i++].arg1, BAO_IOCTL_IRQFD);
		assert_int_equal(count, i);
	}
}

/* A child that dies before exec: the parent gets its status, no listener is leaked. */
static int exit_child(void *arg)
{
	return *(int *)arg;
}

static void test_child_status(void **state)
{
	struct supervise_child c;
	int code = 3, st = -1;

	(void)state;
	assert_int_equal(supervise_child_spawn(exit_child, &code, &c), 0);
	assert_int_equal(waitpid(c.pid, &st, 0), c.pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
	close(c.listener);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ioctl_kinds),
	    cmocka_unit_test(test_build_bounds),
	    cmocka_unit_test(test_filter_decisions),
	    cmocka_unit_test(test_child_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
