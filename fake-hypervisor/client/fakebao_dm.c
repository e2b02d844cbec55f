/* fakebao_dm.c - device-model side of fakebao: connect, map the control page, and the five
 * operations of Bao's io-dispatcher (get info, attach, complete, ioeventfd, irqfd). */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fakebao_ctl.h"
#include "fakebao_dm.h"
#include "log.h"

static int fakebao_dm_call(struct fakebao_dm_conn *c, struct fakebao_ctl_msg *m, int fd_out,
			   int *fd_in)
{
	char why[128];
	uint32_t op = m->op;
	int fd = -1, r;

	pthread_mutex_lock(&c->lock);
	m->magic = FAKEBAO_CTL_MAGIC;
	r = fakebao_ctl_msg_send(c->sock, m, fd_out);
	if (!r)
		r = fakebao_ctl_msg_recv(c->sock, m, &fd, 5000);
	pthread_mutex_unlock(&c->lock);
	if (r) {
		log_err("bao: control request %u to fakebao failed: %s", op, strerror(-r));
		return (r == -ECONNRESET || r == -EPIPE) ? -ENODEV : r;
	}
	r = fakebao_ctl_msg_check(m, sizeof(*m), fd >= 0, 1, why, sizeof(why));
	if (!r && m->op != op) {
		snprintf(why, sizeof(why), "reply op %u to request op %u", m->op, op);
		r = -EPROTO;
	}
	if (r) {
		log_err("bao: bad reply from fakebao: %s", why);
		if (fd >= 0)
			close(fd);
		return -EPROTO;
	}
	if (fd_in)
		*fd_in = fd;
	else if (fd >= 0)
		close(fd);
	return m->ret;
}

static int fakebao_dm_sock_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timespec pause = {0, 20 * 1000000L};
	int waited = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (;;) {
		int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

		if (s < 0)
			return -errno;
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return s;
		close(s);
		if (errno != ENOENT && errno != ECONNREFUSED)
			return -errno;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
		waited += 20;
	}
}

static int fakebao_dm_map_shm(struct fakebao_dm_conn *c, int fd)
{
	struct fakebao_shm *shm =
	    mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (shm == MAP_FAILED)
		return -errno;
	if (shm->magic != FAKEBAO_SHM_MAGIC || shm->version != FAKEBAO_SHM_VERSION ||
	    shm->nr_vcpus == 0 || shm->nr_vcpus > FAKEBAO_MAX_VCPUS) {
		log_err("bao: fakebao control page has magic 0x%" PRIx64 " version %u vcpus %u",
			shm->magic, shm->version, shm->nr_vcpus);
		munmap(shm, sizeof(*shm));
		return -EPROTO;
	}
	c->shm = shm;
	return 0;
}

int fakebao_dm_connect(struct fakebao_dm_conn *c, const char *path, int timeout_ms)
{
	struct fakebao_ctl_msg m = {.op = FAKEBAO_CTL_HELLO};
	int fd = -1, r;

	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->spin_us = 50;
	for (int i = 0; i < FAKEBAO_MAX_DMS; i++)
		c->doorbell[i] = c->irq_watch[i] = -1;
	c->sock = fakebao_dm_sock_connect(path, timeout_ms);
	if (c->sock < 0) {
		r = c->sock;
		log_err("bao: cannot reach the emulated hypervisor at %s: %s", path, strerror(-r));
		return r;
	}
	r = fakebao_dm_call(c, &m, -1, &fd);
	if (!r && fd < 0)
		r = -EPROTO;
	if (!r)
		r = fakebao_dm_map_shm(c, fd);
	if (fd >= 0)
		close(fd);
	if (r) {
		close(c->sock);
		c->sock = -1;
	}
	return r;
}

void fakebao_dm_disconnect(struct fakebao_dm_conn *c)
{
	if (c->shm)
		munmap(c->shm, sizeof(*c->shm));
	for (int i = 0; i < FAKEBAO_MAX_DMS; i++) {
		if (c->doorbell[i] >= 0)
			close(c->doorbell[i]);
		if (c->irq_watch[i] >= 0)
			close(c->irq_watch[i]);
	}
	if (c->sock >= 0)
		close(c->sock);
	c->shm = NULL;
	c->sock = -1;
	pthread_mutex_destroy(&c->lock);
}

int fakebao_dm_get_info(struct fakebao_dm_conn *c, struct bao_dm_info *info)
{
	struct fakebao_ctl_msg m = {.op = FAKEBAO_CTL_GET_INFO, .dm_id = info->id};
	int fd = -1, r;

	if (info->id >= FAKEBAO_MAX_DMS)
		return -EINVAL;
	r = fakebao_dm_call(c, &m, -1, &fd);
	if (r)
		return r;
	if (fd < 0)
		return -EPROTO;
	info->shmem_addr = m.u.info.shmem_addr;
	info->shmem_size = m.u.info.shmem_size;
	info->irq = m.u.info.irq;
	info->fd = fd;
	return 0;
}

int fakebao_dm_ioeventfd(struct fakebao_dm_conn *c, uint32_t dm_id, const struct bao_ioeventfd *io)
{
	struct fakebao_ctl_msg m = {.op = FAKEBAO_CTL_IOEVENTFD, .dm_id = dm_id};
	int deassign = io->flags & BAO_IOEVENTFD_FLAG_DEASSIGN;

	if (dm_id >= FAKEBAO_MAX_DMS)
		return -EINVAL;
	m.u.ioeventfd = *io;
	return fakebao_dm_call(c, &m, deassign ? -1 : (int)io->fd, NULL);
}

/* Watch an assigned irqfd from the request wait too (see remio_fetch). Edge-triggered, so the
 * device model never busy-waits on an interrupt the frontend has not consumed yet. A failure
 * here only costs the wake-up optimisation: the irqfd itself is fakebao's. */
static void fakebao_dm_irq_watch(struct fakebao_dm_conn *c, uint32_t dm_id, int fd, bool add)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = fd};

	if (add && c->irq_watch[dm_id] < 0)
		c->irq_watch[dm_id] = epoll_create1(EPOLL_CLOEXEC);
	if (c->irq_watch[dm_id] < 0)
		return;
	if (epoll_ctl(c->irq_watch[dm_id], add ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, &ev) < 0 &&
	    add && errno != EEXIST)
		log_warn("bao: watching irqfd %d of dm %u failed: %s", fd, dm_id, strerror(errno));
}

int fakebao_dm_irqfd(struct fakebao_dm_conn *c, uint32_t dm_id, const struct bao_irqfd *irq)
{
	struct fakebao_ctl_msg m = {.op = FAKEBAO_CTL_IRQFD, .dm_id = dm_id};
	int deassign = irq->flags & BAO_IRQFD_FLAG_DEASSIGN;
	int r;

	if (dm_id >= FAKEBAO_MAX_DMS)
		return -EINVAL;
	m.u.irqfd = *irq;
	r = fakebao_dm_call(c, &m, deassign ? -1 : irq->fd, NULL);
	if (!r || deassign)
		fakebao_dm_irq_watch(c, dm_id, irq->fd, !deassign);
	return r;
}

static int fakebao_dm_peer_gone(struct fakebao_dm_conn *c)
{
	struct pollfd p = {c->sock, 0, 0};

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR));
}

static int fakebao_dm_doorbell(struct fakebao_dm_conn *c, uint32_t dm_id)
{
	struct fakebao_ctl_msg m = {.op = FAKEBAO_CTL_DOORBELL, .dm_id = dm_id};
	int fd = -1, r;

	if (c->doorbell[dm_id] >= 0)
		return 0;
	r = fakebao_dm_call(c, &m, -1, &fd);
	if (!r && fd < 0)
		r = -EPROTO;
	if (r)
		return r;
	c->doorbell[dm_id] = fd;
	return 0;
}

int fakebao_dm_attach_wait(struct fakebao_dm_conn *c, uint32_t dm_id,
			   struct bao_virtio_request *req, int timeout_ms)
{
	int r;

	if (dm_id >= FAKEBAO_MAX_DMS)
		return -EINVAL;
	r = fakebao_dm_doorbell(c, dm_id);
	if (r)
		return r;
	r = remio_fetch(c->shm, dm_id, c->spin_us, timeout_ms, c->doorbell[dm_id],
			c->irq_watch[dm_id], req);
	if (r == -ETIMEDOUT && fakebao_dm_peer_gone(c))
		return -ENODEV;
	return r;
}

int fakebao_dm_attach(struct fakebao_dm_conn *c, uint32_t dm_id, struct bao_virtio_request *req)
{
	for (;;) {
		/* Slices so that a frontend that died without clearing `alive` is still noticed. */
		int r = fakebao_dm_attach_wait(c, dm_id, req, 500);

		if (r != -ETIMEDOUT)
			return r;
	}
}

int fakebao_dm_complete(struct fakebao_dm_conn *c, const struct bao_virtio_request *req)
{
	return remio_complete(c->shm, req);
}
