/* supervise_fds.c - the supervisor's own ends of the fds it installs in the device model, and
 * kcmp(KCMP_FILE) to recognise them in the target's table at each ioctl. */
#include "supervise_fds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "supervise_notif.h"

void supervise_fds_init(struct supervise_fds *t)
{
	t->dispatcher = -1;
	for (int i = 0; i < FAKEBAO_MAX_DMS; i++)
		t->dm[i] = t->irqfd[i] = -1;
}

void supervise_fds_close(struct supervise_fds *t)
{
	if (t->dispatcher >= 0)
		close(t->dispatcher);
	for (int i = 0; i < FAKEBAO_MAX_DMS; i++) {
		if (t->dm[i] >= 0)
			close(t->dm[i]);
		if (t->irqfd[i] >= 0)
			close(t->irqfd[i]);
	}
	supervise_fds_init(t);
}

int supervise_fds_dispatcher(struct supervise_fds *t)
{
	if (t->dispatcher < 0) {
		t->dispatcher = memfd_create("bao-io-dispatcher", MFD_CLOEXEC);
		if (t->dispatcher < 0) {
			int e = errno;

			log_err("memfd_create for the dispatcher's fd failed: %s", strerror(e));
			return -e;
		}
	}
	return t->dispatcher;
}

int supervise_fds_dm(struct supervise_fds *t, uint32_t dm_id, int window_fd)
{
	char path[64];
	int fd, e;

	if (dm_id >= FAKEBAO_MAX_DMS) {
		close(window_fd);
		return -EINVAL;
	}
	if (t->dm[dm_id] >= 0) {
		close(window_fd);
		return t->dm[dm_id];
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", window_fd);
	fd = open(path, O_RDWR | O_CLOEXEC);
	e = errno;
	close(window_fd);
	if (fd < 0) {
		log_err("reopening the window (%s) for dm %u failed: %s", path, dm_id, strerror(e));
		return -e;
	}
	t->dm[dm_id] = fd;
	return fd;
}

enum supervise_fds_kind supervise_fds_lookup(const struct supervise_fds *t, pid_t tid,
					     int target_fd, uint32_t *dm_id)
{
	int r;

	for (uint32_t i = 0; i < FAKEBAO_MAX_DMS; i++) {
		if (t->dm[i] < 0)
			continue;
		r = supervise_notif_same_file(tid, target_fd, t->dm[i]);
		if (r == 1) {
			*dm_id = i;
			return SUPERVISE_FDS_DM;
		}
		if (r == -EBADF)
			return SUPERVISE_FDS_NONE;
		if (r < 0)
			log_warn("kcmp of thread %d's fd %d with dm %u's file failed: %s", (int)tid,
				 target_fd, i, strerror(-r));
	}
	if (t->dispatcher >= 0 && supervise_notif_same_file(tid, target_fd, t->dispatcher) == 1)
		return SUPERVISE_FDS_DISPATCHER;
	return SUPERVISE_FDS_NONE;
}

void supervise_fds_set_irqfd(struct supervise_fds *t, uint32_t dm_id, int fd)
{
	if (dm_id >= FAKEBAO_MAX_DMS)
		return;
	if (t->irqfd[dm_id] >= 0 && t->irqfd[dm_id] != fd)
		close(t->irqfd[dm_id]);
	t->irqfd[dm_id] = fd;
}
