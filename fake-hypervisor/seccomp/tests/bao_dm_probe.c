/* bao_dm_probe.c - a tiny device-model stand-in, linked statically by `make static-dm`, for
 * test_seccomp_dm.py: exits with a given status, dies of a given signal, or checks that Bao
 * ioctls the driver does not define are answered ENOTTY and then runs a real device model
 * (`enotty --then PROGRAM ORIGINAL ARGS...` runs PROGRAM with ARGS, as a wrapper would). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bao.h"

static void probe_usage(void)
{
	fprintf(stderr, "usage: bao-dm-probe exit N | signal N | "
			"enotty [--then PROGRAM ORIGINAL [ARGS...]]\n");
}

/* One ioctl that must fail with ENOTTY; prints what happened. Returns 0 if it did. */
static int probe_enotty(int fd, unsigned long req, const char *what)
{
	unsigned char arg[64] = {0};
	int r = ioctl(fd, req, arg), e = errno;

	if (r == -1 && e == ENOTTY) {
		fprintf(stderr, "bao-dm-probe: %s 0x%08lx on fd %d: ENOTTY\n", what, req, fd);
		return 0;
	}
	fprintf(stderr, "bao-dm-probe: %s 0x%08lx on fd %d: returned %d (%s), want ENOTTY\n", what,
		req, fd, r, r < 0 ? strerror(e) : "success");
	return 1;
}

static int probe_unknown_ioctls(void)
{
	struct bao_dm_info info = {.id = 0};
	int fd = open(BAO_IO_DISPATCHER_PATH, O_RDWR | O_CLOEXEC), bad = 0;

	if (fd < 0) {
		fprintf(stderr, "bao-dm-probe: open %s failed: %s\n", BAO_IO_DISPATCHER_PATH,
			strerror(errno));
		return 1;
	}
	bad |= probe_enotty(fd, _IO(BAO_IOCTL_TYPE, 0x7f), "unknown ioctl on the dispatcher");
	bad |= probe_enotty(fd, BAO_IOCTL_IRQFD, "IRQFD on the dispatcher");
	if (ioctl(fd, BAO_IOCTL_DM_GET_INFO, &info) < 0) {
		fprintf(stderr, "bao-dm-probe: DM_GET_INFO failed: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	bad |= probe_enotty(info.fd, _IOW(BAO_IOCTL_TYPE, 0x06, __u64),
			    "unknown ioctl on the per-DM fd");
	bad |= probe_enotty(info.fd, _IOWR(BAO_IOCTL_TYPE, 0x02, __u32),
			    "ATTACH with a wrong size on the per-DM fd");
	bad |= probe_enotty(info.fd, BAO_IOCTL_DM_GET_INFO, "DM_GET_INFO on the per-DM fd");
	close(info.fd);
	close(fd);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "signal")) {
		signal(atoi(argv[2]), SIG_DFL);
		raise(atoi(argv[2]));
		return 1;
	}
	if (argc >= 2 && !strcmp(argv[1], "enotty")) {
		if (probe_unknown_ioctls())
			return 1;
		if (argc < 5 || strcmp(argv[2], "--then"))
			return 0;
		/* argv[3] replaces ORIGINAL (argv[4]) and gets its arguments. */
		argv[4] = argv[3];
		execv(argv[3], &argv[4]);
		fprintf(stderr, "bao-dm-probe: exec %s failed: %s\n", argv[3], strerror(errno));
		return 127;
	}
	probe_usage();
	return 2;
}
