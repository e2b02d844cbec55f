/* supervise_notif.c - thin, checked wrappers around the seccomp listener's ioctls and around
 * reading, writing and borrowing from the notifying thread (process_vm_*, pidfd_getfd, kcmp). */
#include "supervise_notif.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"

int supervise_notif_check_sizes(void)
{
	struct seccomp_notif_sizes sz;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0) {
		int e = errno;

		log_err("SECCOMP_GET_NOTIF_SIZES failed: %s (seccomp user notification needs Linux "
			"5.0, its flags here 5.14)",
			strerror(e));
		return -e;
	}
	/* A kernel whose structs grew would write past ours (RECV) or read past it (SEND). */
	if (sz.seccomp_notif > sizeof(struct seccomp_notif) ||
	    sz.seccomp_notif_resp > sizeof(struct seccomp_notif_resp)) {
		log_err(
		    "kernel's seccomp_notif is %u bytes and seccomp_notif_resp %u; built for %zu "
		    "and %zu",
		    sz.seccomp_notif, sz.seccomp_notif_resp, sizeof(struct seccomp_notif),
		    sizeof(struct seccomp_notif_resp));
		return -EPROTO;
	}
	return 0;
}

int supervise_notif_recv(int listener, struct seccomp_notif *req)
{
	memset(req, 0, sizeof(*req)); /* the kernel insists */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
		return -errno;
	return 0;
}

int supervise_notif_valid(int listener, uint64_t id)
{
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0 ? -errno : 0;
}

int supervise_notif_reply(int listener, uint64_t id, int64_t val, int error)
{
	struct seccomp_notif_resp resp = {.id = id};

	if (error)
		resp.error = error;
	else
		resp.val = val;
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 ? -errno : 0;
}

int supervise_notif_continue(int listener, uint64_t id)
{
	struct seccomp_notif_resp resp = {.id = id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};

	return ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 ? -errno : 0;
}

int supervise_notif_addfd(int listener, uint64_t id, int fd, unsigned int newfd_flags, int send)
{
	struct seccomp_notif_addfd a = {
	    .id = id,
	    .flags = send ? SECCOMP_ADDFD_FLAG_SEND : 0,
	    .srcfd = (uint32_t)fd,
	    .newfd_flags = newfd_flags,
	};
	int r = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a);

	return r < 0 ? -errno : r;
}

int supervise_notif_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

int supervise_notif_write(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = {(void *)(uintptr_t)buf, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = process_vm_writev(tid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

int supervise_notif_read_str(pid_t tid, uint64_t addr, char *buf, size_t cap)
{
	const uint64_t page = 4096;
	size_t got = 0;

	if (cap == 0)
		return -EINVAL;
	/* Page by page: a string that ends just before an unmapped page is still read whole. */
	while (got < cap - 1) {
		uint64_t at = addr + got;
		size_t chunk = (size_t)(page - at % page);

		if (chunk > cap - 1 - got)
			chunk = cap - 1 - got;
		if (supervise_notif_read(tid, at, buf + got, chunk))
			break;
		for (size_t i = got; i < got + chunk; i++)
			if (!buf[i])
				return (int)i;
		got += chunk;
	}
	buf[got] = '\0';
	if (got == 0)
		return -EFAULT;
	return got == cap - 1 ? -ENAMETOOLONG : -EFAULT;
}

/* pidfd_open wants a thread-group leader (before Linux 6.9): the tgid of tid. */
static pid_t supervise_notif_tgid(pid_t tid)
{
	char path[64], line[128];
	pid_t tgid = -ESRCH;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Tgid:", 5)) {
			tgid = (pid_t)strtol(line + 5, NULL, 10);
			break;
		}
	fclose(f);
	return tgid;
}

int supervise_notif_getfd(pid_t tid, int target_fd)
{
	pid_t tgid = supervise_notif_tgid(tid);
	long pidfd, fd;
	int e;

	if (tgid < 0)
		return tgid;
	pidfd = syscall(SYS_pidfd_open, tgid, 0);
	if (pidfd < 0)
		return -errno;
	fd = syscall(SYS_pidfd_getfd, (int)pidfd, target_fd, 0);
	e = errno;
	close((int)pidfd);
	return fd < 0 ? -e : (int)fd;
}

int supervise_notif_same_file(pid_t tid, int target_fd, int fd)
{
	long r = syscall(SYS_kcmp, getpid(), tid, KCMP_FILE, (unsigned long)fd,
			 (unsigned long)target_fd);

	if (r < 0)
		return -errno;
	return r == 0;
}
