/* supervise_bao.c - one seccomp notification at a time: an open of Bao's dispatcher gets a
 * stand-in fd, Bao ioctls on the supervisor's fds are answered through fakebao by reading and
 * writing the caller's memory, the blocking ATTACH goes to supervise_attach, and everything
 * else continues in the kernel untouched. */
#include "supervise_bao.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bao.h"
#include "fakebao.h"
#include "log.h"
#include "supervise_notif.h"

#define SUPERVISE_BAO_CONNECT_MS 10000
/* A handler's "no answer from here": a worker answers, or the caller is gone. */
#define SUPERVISE_BAO_NO_REPLY 1

int supervise_bao_init(struct supervise_bao *b, int listener)
{
	const char *tmo = getenv("BAO_FAKEBAO_CONNECT_TIMEOUT_MS");

	memset(b, 0, sizeof(*b));
	b->listener = listener;
	b->sock_path = getenv(FAKEBAO_SOCKET_ENV);
	b->connect_ms = tmo ? atoi(tmo) : SUPERVISE_BAO_CONNECT_MS;
	b->real_device = access(BAO_IO_DISPATCHER_PATH, F_OK) == 0;
	if (b->real_device)
		log_info("%s exists: a real Bao, every call goes to the kernel",
			 BAO_IO_DISPATCHER_PATH);
	supervise_fds_init(&b->fds);
	return supervise_attach_init(&b->attach, listener, &b->conn);
}

void supervise_bao_destroy(struct supervise_bao *b, int timeout_ms)
{
	/* A worker still inside fakebao_dm_attach_wait keeps the connection: leave it open. */
	if (supervise_attach_stop(&b->attach, timeout_ms))
		return;
	if (b->connected)
		fakebao_dm_disconnect(&b->conn);
	b->connected = 0;
	supervise_fds_close(&b->fds);
}

void supervise_bao_summary(struct supervise_bao *b)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line), "served %" PRIu64 " open(s) of %s", b->opens,
		     BAO_IO_DISPATCHER_PATH);
	for (int k = SUPERVISE_FILTER_DM_GET_INFO; k < SUPERVISE_FILTER_UNKNOWN; k++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, ", %" PRIu64 " %s", b->ioctls[k],
			      supervise_filter_ioctl_name((enum supervise_filter_ioctl)k));
	log_info("%s; %" PRIu64 " answered ENOTTY; %" PRIu64 " call(s) let through; %" PRIu64
		 " ATTACH(es) given up by an interrupted thread, %" PRIu64
		 " request(s) handed to a later ATTACH",
		 line, b->enotty, b->continued, b->attach.abandoned, b->attach.redelivered);
}

static void supervise_bao_continue(struct supervise_bao *b, const struct seccomp_notif *n)
{
	int r = supervise_notif_continue(b->listener, n->id);

	if (r && r != -ENOENT)
		log_warn("thread %d: letting system call %d continue failed: %s", (int)n->pid,
			 n->data.nr, strerror(-r));
	b->continued++;
}

static void supervise_bao_reply(struct supervise_bao *b, const struct seccomp_notif *n, int r)
{
	int e = supervise_notif_reply(b->listener, n->id, r < 0 ? -1 : r, r < 0 ? r : 0);

	if (e && e != -ENOENT)
		log_warn("thread %d: answering system call %d with %d failed: %s", (int)n->pid,
			 n->data.nr, r, strerror(-e));
}

static int supervise_bao_connect(struct supervise_bao *b)
{
	if (b->connected)
		return 0;
	if (!b->sock_path) {
		log_err("%s: no emulated hypervisor: %s is not set", BAO_IO_DISPATCHER_PATH,
			FAKEBAO_SOCKET_ENV);
		return -ENODEV;
	}
	if (fakebao_dm_connect(&b->conn, b->sock_path, b->connect_ms))
		return -ENODEV; /* what Bao's open would say without a dispatcher; logged */
	b->connected = 1;
	return 0;
}

/* open, openat, openat2: only the dispatcher's exact path is ours (as for bao_preload). */
static void supervise_bao_open(struct supervise_bao *b, const struct seccomp_notif *n)
{
	char path[sizeof(BAO_IO_DISPATCHER_PATH) + 1];
	uint64_t path_arg = n->data.args[1], flags = n->data.args[2];
	int r, fd;

	if (n->data.nr != __NR_openat && n->data.nr != __NR_openat2) {
		path_arg = n->data.args[0]; /* open(path, flags, mode) */
		flags = n->data.args[1];
	}
	if (b->real_device || supervise_notif_read_str(n->pid, path_arg, path, sizeof(path)) < 0 ||
	    strcmp(path, BAO_IO_DISPATCHER_PATH)) {
		supervise_bao_continue(b, n);
		return;
	}
	if (n->data.nr == __NR_openat2) {
		struct open_how how;

		if (n->data.args[3] < sizeof(how.flags) ||
		    supervise_notif_read(n->pid, n->data.args[2], &how.flags, sizeof(how.flags))) {
			supervise_bao_continue(b, n); /* the kernel reports the bad argument */
			return;
		}
		flags = how.flags;
	}
	/* The path was read from memory the thread may have left (signal, pid reuse). */
	if (supervise_notif_valid(b->listener, n->id))
		return;
	r = supervise_bao_connect(b);
	fd = r ? r : supervise_fds_dispatcher(&b->fds);
	if (fd < 0) {
		supervise_bao_reply(b, n, fd);
		return;
	}
	r = supervise_notif_addfd(b->listener, n->id, fd, (flags & O_CLOEXEC) ? O_CLOEXEC : 0, 1);
	if (r >= 0) {
		b->opens++;
		log_info("thread %d opened %s: fd %d", (int)n->pid, BAO_IO_DISPATCHER_PATH, r);
	} else if (r != -ENOENT) {
		log_err("thread %d: installing the dispatcher's fd failed: %s", (int)n->pid,
			strerror(-r));
		supervise_bao_reply(b, n, r);
	}
}

/* Reads the ioctl's argument and checks the caller is still there before anything is done. */
static int supervise_bao_arg(struct supervise_bao *b, const struct seccomp_notif *n, void *buf,
			     size_t len)
{
	int r = supervise_notif_read(n->pid, n->data.args[2], buf, len);

	if (r)
		return -EFAULT;
	return supervise_notif_valid(b->listener, n->id) ? SUPERVISE_BAO_NO_REPLY : 0;
}

static int supervise_bao_get_info(struct supervise_bao *b, const struct seccomp_notif *n)
{
	struct bao_dm_info info;
	int r, fd, tfd;

	r = supervise_bao_arg(b, n, &info, sizeof(info));
	if (r)
		return r;
	r = fakebao_dm_get_info(&b->conn, &info);
	if (r)
		return r;
	fd = supervise_fds_dm(&b->fds, info.id, info.fd);
	if (fd < 0)
		return fd;
	/* Bao's per-DM fd is O_CLOEXEC. */
	tfd = supervise_notif_addfd(b->listener, n->id, fd, O_CLOEXEC, 0);
	if (tfd == -ENOENT)
		return SUPERVISE_BAO_NO_REPLY;
	if (tfd < 0)
		return tfd;
	info.fd = tfd;
	r = supervise_notif_write(n->pid, n->data.args[2], &info, sizeof(info));
	if (r)
		return -EFAULT; /* fd tfd stays in the target, as a copy_to_user failure leaves it
				 */
	log_info("thread %d: dm %u: window 0x%llx+0x%llx, irq %u, per-DM fd %d", (int)n->pid,
		 info.id, (unsigned long long)info.shmem_addr, (unsigned long long)info.shmem_size,
		 info.irq, tfd);
	return 0;
}

static int supervise_bao_complete(struct supervise_bao *b, const struct seccomp_notif *n,
				  uint32_t dm_id)
{
	struct bao_virtio_request req;
	int r = supervise_bao_arg(b, n, &req, sizeof(req));

	if (r)
		return r;
	if (req.dm_id != dm_id)
		return -EINVAL;
	return fakebao_dm_complete(&b->conn, &req);
}

/* The eventfd is a number in the target's table: borrow it (pidfd_getfd) for fakebao. */
static int supervise_bao_ioeventfd(struct supervise_bao *b, const struct seccomp_notif *n,
				   uint32_t dm_id)
{
	struct bao_ioeventfd io;
	int r = supervise_bao_arg(b, n, &io, sizeof(io)), fd = -1;

	if (r)
		return r;
	if (!(io.flags & BAO_IOEVENTFD_FLAG_DEASSIGN)) {
		fd = supervise_notif_getfd(n->pid, (int)io.fd);
		if (fd < 0)
			return fd == -ESRCH ? SUPERVISE_BAO_NO_REPLY : -EBADF;
		io.fd = (uint32_t)fd;
	}
	r = fakebao_dm_ioeventfd(&b->conn, dm_id, &io);
	if (fd >= 0)
		close(fd); /* fakebao holds its own copy */
	return r;
}

static int supervise_bao_irqfd(struct supervise_bao *b, const struct seccomp_notif *n,
			       uint32_t dm_id)
{
	struct bao_irqfd irq;
	int r = supervise_bao_arg(b, n, &irq, sizeof(irq)), fd;

	if (r)
		return r;
	if (irq.flags & BAO_IRQFD_FLAG_DEASSIGN) {
		irq.fd = b->fds.irqfd[dm_id]; /* the number fakebao_dm watches */
		r = fakebao_dm_irqfd(&b->conn, dm_id, &irq);
		if (!r)
			supervise_fds_set_irqfd(&b->fds, dm_id, -1);
		return r;
	}
	fd = supervise_notif_getfd(n->pid, irq.fd);
	if (fd < 0)
		return fd == -ESRCH ? SUPERVISE_BAO_NO_REPLY : -EBADF;
	irq.fd = fd;
	r = fakebao_dm_irqfd(&b->conn, dm_id, &irq);
	if (r)
		close(fd);
	else
		supervise_fds_set_irqfd(&b->fds, dm_id, fd); /* kept: fakebao_dm watches it */
	return r;
}

static int supervise_bao_attach(struct supervise_bao *b, const struct seccomp_notif *n,
				uint32_t dm_id)
{
	struct supervise_attach_job j = {n->id, (pid_t)n->pid, n->data.args[2], dm_id};
	int r = supervise_attach_submit(&b->attach, &j);

	if (r)
		log_err("thread %d: BAO_IOCTL_IO_CLIENT_ATTACH of dm %u refused: %s (%d already "
			"waiting)",
			(int)n->pid, dm_id, strerror(-r), SUPERVISE_ATTACH_QUEUE);
	return r ? r : SUPERVISE_BAO_NO_REPLY;
}

static int supervise_bao_enotty(struct supervise_bao *b, const struct seccomp_notif *n,
				const char *on)
{
	uint32_t cmd = (uint32_t)n->data.args[1];

	b->enotty++;
	log_warn("thread %d: %s 0x%08x (nr 0x%02x, size %u) on %s fd %d: answered ENOTTY, as "
		 "Bao's driver does",
		 (int)n->pid,
		 supervise_filter_ioctl_name(supervise_filter_ioctl_kind(n->data.args[1])), cmd,
		 _IOC_NR(cmd), _IOC_SIZE(cmd), on, (int)n->data.args[0]);
	return -ENOTTY;
}

static void supervise_bao_ioctl(struct supervise_bao *b, const struct seccomp_notif *n)
{
	enum supervise_filter_ioctl kind = supervise_filter_ioctl_kind(n->data.args[1]);
	uint32_t dm_id = 0;
	enum supervise_fds_kind fk =
	    supervise_fds_lookup(&b->fds, (pid_t)n->pid, (int)n->data.args[0], &dm_id);
	int r;

	if (fk == SUPERVISE_FDS_NONE || kind == SUPERVISE_FILTER_NOT_BAO) {
		supervise_bao_continue(b, n); /* not our fd: a real device, or the kernel's error */
		return;
	}
	if (fk == SUPERVISE_FDS_DISPATCHER)
		r = kind == SUPERVISE_FILTER_DM_GET_INFO ? supervise_bao_get_info(b, n)
							 : supervise_bao_enotty(b, n, "dispatcher");
	else if (kind == SUPERVISE_FILTER_IO_CLIENT_ATTACH)
		r = supervise_bao_attach(b, n, dm_id);
	else if (kind == SUPERVISE_FILTER_IO_REQUEST_COMPLETE)
		r = supervise_bao_complete(b, n, dm_id);
	else if (kind == SUPERVISE_FILTER_IOEVENTFD)
		r = supervise_bao_ioeventfd(b, n, dm_id);
	else if (kind == SUPERVISE_FILTER_IRQFD)
		r = supervise_bao_irqfd(b, n, dm_id);
	else
		r = supervise_bao_enotty(b, n, "per-DM");
	if (r != -ENOTTY)
		b->ioctls[kind]++; /* served ones; ENOTTY answers are counted apart */
	if (r == SUPERVISE_BAO_NO_REPLY)
		return;
	if (r < 0 && r != -ENOTTY)
		log_debug("thread %d: %s on dm %u: %s", (int)n->pid,
			  supervise_filter_ioctl_name(kind), dm_id, strerror(-r));
	supervise_bao_reply(b, n, r);
}

void supervise_bao_handle(struct supervise_bao *b, const struct seccomp_notif *n)
{
	switch (n->data.nr) {
#ifdef __NR_open
	case __NR_open:
#endif
	case __NR_openat:
	case __NR_openat2:
		supervise_bao_open(b, n);
		return;
	case __NR_ioctl:
		supervise_bao_ioctl(b, n);
		return;
	default:
		supervise_bao_continue(b, n);
	}
}
