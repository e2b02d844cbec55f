/* fakebao_ctl.c - fakebao's control thread: accepts device models (through bao_preload), answers
 * DM_GET_INFO with the window fd and registers their ioeventfds and irqfds, as Bao's
 * io-dispatcher driver does; a device model that disconnects loses its registrations, as a
 * closed DM fd does on Bao. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fakebao_ctl.h"
#include "fakebao_priv.h"
#include "log.h"

static void fakebao_ctl_wake_irq_waiters(struct fakebao *fb)
{
	uint64_t one = 1;

	(void)!write(fb->irq_wake_efd, &one, sizeof(one));
}

void fakebao_ctl_drop_client(struct fakebao *fb, int client)
{
	for (int i = 0; i < FAKEBAO_MAX_IOEVENTFDS; i++) {
		if (fb->ioeventfds[i].fd >= 0 && fb->ioeventfds[i].client == client) {
			close(fb->ioeventfds[i].fd);
			fb->ioeventfds[i].fd = -1;
		}
	}
	for (int i = 0; i < FAKEBAO_MAX_IRQFDS; i++) {
		if (fb->irqfds[i].fd >= 0 && fb->irqfds[i].client == client) {
			close(fb->irqfds[i].fd);
			fb->irqfds[i].fd = -1;
		}
	}
	fakebao_ctl_wake_irq_waiters(fb);
}

static int fakebao_ctl_ioeventfd(struct fakebao *fb, int client, uint32_t dm_id,
				 const struct bao_ioeventfd *io, int fd)
{
	int freeslot = -1;

	if (io->len != 1 && io->len != 2 && io->len != 4 && io->len != 8)
		return -EINVAL;
	if (io->flags & ~(BAO_IOEVENTFD_FLAG_DATAMATCH | BAO_IOEVENTFD_FLAG_DEASSIGN))
		return -EINVAL;
	for (int i = 0; i < FAKEBAO_MAX_IOEVENTFDS; i++) {
		struct fakebao_ioeventfd *e = &fb->ioeventfds[i];
		int same;

		if (e->fd < 0) {
			if (freeslot < 0)
				freeslot = i;
			continue;
		}
		same = e->dm_id == dm_id && e->addr == io->addr && e->len == io->len &&
		       (e->flags & BAO_IOEVENTFD_FLAG_DATAMATCH) ==
			   (io->flags & BAO_IOEVENTFD_FLAG_DATAMATCH) &&
		       (!(io->flags & BAO_IOEVENTFD_FLAG_DATAMATCH) || e->data == io->data);
		if (!same)
			continue;
		if (io->flags & BAO_IOEVENTFD_FLAG_DEASSIGN) {
			close(e->fd);
			e->fd = -1;
			return 0;
		}
		return -EEXIST;
	}
	if (io->flags & BAO_IOEVENTFD_FLAG_DEASSIGN)
		return -ENOENT;
	if (freeslot < 0)
		return -ENOSPC;
	fb->ioeventfds[freeslot] =
	    (struct fakebao_ioeventfd){fd, client, dm_id, io->flags, io->addr, io->len, io->data};
	return 1; /* fd kept */
}

static int fakebao_ctl_irqfd(struct fakebao *fb, int client, uint32_t dm_id,
			     const struct bao_irqfd *irq, int fd)
{
	int freeslot = -1;

	if (irq->flags & ~BAO_IRQFD_FLAG_DEASSIGN)
		return -EINVAL;
	for (int i = 0; i < FAKEBAO_MAX_IRQFDS; i++) {
		struct fakebao_irqfd *q = &fb->irqfds[i];

		if (q->fd < 0) {
			if (freeslot < 0)
				freeslot = i;
			continue;
		}
		if (q->dm_id != dm_id)
			continue;
		if (irq->flags & BAO_IRQFD_FLAG_DEASSIGN) {
			close(q->fd);
			q->fd = -1;
			fakebao_ctl_wake_irq_waiters(fb);
			return 0;
		}
		return -EBUSY;
	}
	if (irq->flags & BAO_IRQFD_FLAG_DEASSIGN)
		return -ENOENT;
	if (freeslot < 0)
		return -ENOSPC;
	fb->irqfds[freeslot] = (struct fakebao_irqfd){fd, client, dm_id};
	/* A readable irqfd at registration injects at once (Bao does the same): waking the
	 * waiter makes it poll the new fd. */
	fakebao_ctl_wake_irq_waiters(fb);
	return 1;
}

/* Handle one request; returns the reply's ret. *reply_fd is an fd to send back (not owned). */
static int fakebao_ctl_handle(struct fakebao *fb, int client, struct fakebao_ctl_msg *m, int fd,
			      int *reply_fd)
{
	int r = 0;

	*reply_fd = -1;
	pthread_mutex_lock(&fb->lock);
	switch (m->op) {
	case FAKEBAO_CTL_HELLO:
		*reply_fd = fb->shm_fd;
		break;
	case FAKEBAO_CTL_GET_INFO:
		m->u.info.shmem_addr = fb->cfg.shmem_addr;
		m->u.info.shmem_size = fb->cfg.shmem_size;
		m->u.info.irq = fb->cfg.irq;
		m->u.info.fd = -1;
		*reply_fd = fb->window_fd;
		fakebao_fault_dm_attached(fb, client, m->dm_id);
		break;
	case FAKEBAO_CTL_DOORBELL:
		*reply_fd = fb->doorbell[m->dm_id];
		break;
	case FAKEBAO_CTL_IOEVENTFD:
		r = fakebao_ctl_ioeventfd(fb, client, m->dm_id, &m->u.ioeventfd, fd);
		break;
	case FAKEBAO_CTL_IRQFD:
		r = fakebao_ctl_irqfd(fb, client, m->dm_id, &m->u.irqfd, fd);
		break;
	default:
		r = -EINVAL;
	}
	pthread_mutex_unlock(&fb->lock);
	if (r == 1)
		return 1;
	return r;
}

static void fakebao_ctl_close_client(struct fakebao *fb, int idx)
{
	pthread_mutex_lock(&fb->lock);
	fakebao_ctl_drop_client(fb, idx);
	fakebao_fault_dm_detached(fb, idx);
	close(fb->clients[idx]);
	fb->clients[idx] = -1;
	pthread_mutex_unlock(&fb->lock);
	log_info("fakebao: device model connection %d closed; its eventfds are unregistered", idx);
}

static void fakebao_ctl_serve(struct fakebao *fb, int idx)
{
	struct fakebao_ctl_msg m;
	char why[128];
	int fd, reply_fd, r;

	r = fakebao_ctl_msg_recv(fb->clients[idx], &m, &fd, 0);
	if (r == -ETIMEDOUT)
		return;
	if (r) {
		fakebao_ctl_close_client(fb, idx);
		return;
	}
	r = fakebao_ctl_msg_check(&m, sizeof(m), fd >= 0, 0, why, sizeof(why));
	if (r) {
		log_warn("fakebao: bad control message from device model %d: %s", idx, why);
		m.ret = r;
		if (fd >= 0)
			close(fd);
		fakebao_ctl_msg_send(fb->clients[idx], &m, -1);
		return;
	}
	r = fakebao_ctl_handle(fb, idx, &m, fd, &reply_fd);
	if (r != 1 && fd >= 0)
		close(fd); /* not kept */
	m.ret = r == 1 ? 0 : r;
	if (fakebao_ctl_msg_send(fb->clients[idx], &m, m.ret == 0 ? reply_fd : -1))
		fakebao_ctl_close_client(fb, idx);
}

static void fakebao_ctl_accept(struct fakebao *fb)
{
	int c = accept4(fb->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (c < 0)
		return;
	pthread_mutex_lock(&fb->lock);
	for (int i = 0; i < FAKEBAO_MAX_CLIENTS; i++) {
		if (fb->clients[i] < 0) {
			fb->clients[i] = c;
			fb->client_dm[i] = -1;
			c = -1;
			log_info("fakebao: device model connected as connection %d", i);
			break;
		}
	}
	pthread_mutex_unlock(&fb->lock);
	if (c >= 0) {
		log_warn("fakebao: more than %d device models: connection refused",
			 FAKEBAO_MAX_CLIENTS);
		close(c);
	}
}

static void *fakebao_ctl_main(void *arg)
{
	struct fakebao *fb = arg;

	for (;;) {
		struct pollfd p[FAKEBAO_MAX_CLIENTS + 2];
		int idx[FAKEBAO_MAX_CLIENTS];
		int n = 2;

		p[0] = (struct pollfd){fb->stop_efd, POLLIN, 0};
		p[1] = (struct pollfd){fb->listen_fd, POLLIN, 0};
		pthread_mutex_lock(&fb->lock);
		for (int i = 0; i < FAKEBAO_MAX_CLIENTS; i++) {
			if (fb->clients[i] >= 0) {
				idx[n - 2] = i;
				p[n++] = (struct pollfd){fb->clients[i], POLLIN, 0};
			}
		}
		pthread_mutex_unlock(&fb->lock);
		if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (p[1].revents & POLLIN)
			fakebao_ctl_accept(fb);
		for (int i = 2; i < n; i++)
			if (p[i].revents)
				fakebao_ctl_serve(fb, idx[i - 2]);
	}
	return NULL;
}

int fakebao_ctl_start(struct fakebao *fb)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int r;

	fb->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fb->listen_fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fb->socket_path);
	unlink(fb->socket_path);
	if (bind(fb->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fb->listen_fd, FAKEBAO_MAX_CLIENTS) < 0) {
		r = -errno;
		log_err("fakebao: cannot listen on %s: %s", fb->socket_path, strerror(-r));
		return r;
	}
	r = pthread_create(&fb->ctl_thread, NULL, fakebao_ctl_main, fb);
	if (r) {
		log_err("fakebao: cannot start the control thread: %s", strerror(r));
		return -r;
	}
	fb->ctl_running = 1;
	return 0;
}

void fakebao_ctl_stop(struct fakebao *fb)
{
	uint64_t one = 1;

	if (fb->ctl_running) {
		(void)!write(fb->stop_efd, &one, sizeof(one));
		pthread_join(fb->ctl_thread, NULL);
		fb->ctl_running = 0;
	}
	for (int i = 0; i < FAKEBAO_MAX_CLIENTS; i++) {
		if (fb->clients[i] >= 0) {
			close(fb->clients[i]);
			fb->clients[i] = -1;
		}
	}
	if (fb->listen_fd >= 0) {
		close(fb->listen_fd);
		fb->listen_fd = -1;
		unlink(fb->socket_path);
	}
}
