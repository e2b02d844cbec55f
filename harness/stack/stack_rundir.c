/* stack_rundir.c - a stack's run directory (TMPDIR/baoharness-XXXXXX: sockets, logs, config)
 * and its share (a fresh RUN/share, or the user's --share), and where the harness's own
 * programs and the guest image are found relative to this executable. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "stack.h"
#include "stack_priv.h"

int stack_rundir_sibling(const char *name, char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return -errno;
	self[n] = '\0';
	if ((size_t)snprintf(buf, len, "%s/%s", dirname(self), name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int stack_rundir_make(struct stack *s, const struct stack_opts *o)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(s->rundir, sizeof(s->rundir), "%s/baoharness-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->rundir)) {
		s->rundir[0] = '\0';
		return -errno;
	}
	if (o->share) {
		if (!realpath(o->share, s->share)) {
			log_err("--share %s: %s", o->share, strerror(errno));
			return -errno;
		}
		return 0;
	}
	snprintf(s->share, sizeof(s->share), "%s/share", s->rundir);
	s->own_share = 1;
	if (mkdir(s->share, 0755) < 0)
		return -errno;
	return chmod(s->share, 0755) < 0 ? -errno : 0;
}

/* The guest image lives in build/qemu whichever build (build/, build/asan/) runs. */
int stack_rundir_image_dir(char *buf, size_t len)
{
	const char *env = getenv("BAOHARNESS_QEMU_IMAGE_DIR");
	const char *cands[] = {"qemu", "../qemu"};
	char dir[PATH_MAX];

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	for (size_t i = 0; i < 2; i++) {
		char img[PATH_MAX + 32];

		if (stack_rundir_sibling(cands[i], dir, sizeof(dir)))
			continue;
		snprintf(img, sizeof(img), "%s/initramfs.cpio.gz", dir);
		if (access(img, R_OK) == 0) {
			snprintf(buf, len, "%s", dir);
			return 0;
		}
	}
	log_err("the QEMU guest image (initramfs.cpio.gz, Image) is missing next to this program: "
		"run make qemu-image (or set BAOHARNESS_QEMU_IMAGE_DIR)");
	return STACK_ENV_MISSING;
}

int stack_rundir_guest_dir(const char *guest, char *buf, size_t len)
{
	char dir[PATH_MAX], img[PATH_MAX + 32];
	int r = stack_rundir_image_dir(dir, sizeof(dir));

	if (r)
		return r;
	if (!guest || !strcmp(guest, "own")) {
		snprintf(buf, len, "%s", dir);
		return 0;
	}
	if (strcmp(guest, "debian")) {
		log_err("guest '%s' unknown (own, debian)", guest);
		return -EINVAL;
	}
	snprintf(buf, len, "%s/debian", dir);
	snprintf(img, sizeof(img), "%s/initramfs.cpio.gz", buf);
	if (access(img, R_OK) == 0)
		return 0;
	log_err("Debian's guest (%s/Image, initramfs.cpio.gz) is missing: run make qemu-image",
		buf);
	return STACK_ENV_MISSING;
}
