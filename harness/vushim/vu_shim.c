/* vu_shim.c - the vhost-user proxy between QEMU and virtiofsd: messages and their SCM_RIGHTS
 * fds pass unchanged, except that SET_VRING_CALL gives virtiofsd the relay's eventfd (QEMU's is
 * kept, signalled by the relay after it mutated), and the memory table and ring addresses are
 * mapped and translated here so the relay can find replies. Replies (REPLY_ACK's acks, GET_*
 * answers) come back unchanged in order: QEMU waits for each, so no state is needed for them. */
#include "vu_shim.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

#define VU_SHIM_TIMEOUT_MS 5000 /* the rest of a message whose header arrived */

void vu_shim_init(struct vu_shim *s, int front, int back, struct mut_relay *relay)
{
	memset(s, 0, sizeof(*s));
	s->front = front;
	s->back = back;
	s->relay = relay;
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		s->vq[i].call_fd = -1;
}

static void vu_shim_close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Exactly len bytes, each wait bounded; the first recvmsg collects the fds. */
static int vu_shim_recv(int sock, uint8_t *buf, size_t len, int *fds, unsigned *nfds, bool first)
{
	size_t got = 0;

	while (got < len) {
		char cbuf[CMSG_SPACE(VHOST_USER_MAX_FDS * sizeof(int))];
		struct iovec iov = {buf + got, len - got};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		struct pollfd p = {.fd = sock, .events = POLLIN};
		ssize_t n;

		if (!(first && got == 0)) {
			int pr = poll(&p, 1, VU_SHIM_TIMEOUT_MS);

			if (pr == 0)
				return -ETIMEDOUT;
			if (pr < 0 && errno != EINTR)
				return -errno;
		}
		if (fds) {
			mh.msg_control = cbuf;
			mh.msg_controllen = sizeof(cbuf);
		}
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return got == 0 && first ? -EPIPE : -EPROTO;
		for (struct cmsghdr *c = fds ? CMSG_FIRSTHDR(&mh) : NULL; c;
		     c = CMSG_NXTHDR(&mh, c)) {
			size_t k;

			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (*nfds < VHOST_USER_MAX_FDS)
					fds[(*nfds)++] = fd;
				else
					close(fd);
			}
		}
		got += (size_t)n;
	}
	return 0;
}

/* One whole message: header, then its payload. */
static int vu_shim_recv_msg(int sock, uint8_t *buf, size_t *len, int *fds, unsigned *nfds)
{
	struct vhost_user_hdr h;
	int rc;

	*nfds = 0;
	rc = vu_shim_recv(sock, buf, VHOST_USER_HDR_SIZE, fds, nfds, true);
	if (!rc && vhost_user_msg_decode_hdr(buf, VHOST_USER_HDR_SIZE, &h))
		rc = -E2BIG;
	if (!rc && h.size)
		rc = vu_shim_recv(sock, buf + VHOST_USER_HDR_SIZE, h.size, fds, nfds, false);
	*len = rc ? 0 : VHOST_USER_HDR_SIZE + (size_t)h.size;
	return rc;
}

static int vu_shim_send(int sock, const uint8_t *buf, size_t len, const int *fds, unsigned nfds)
{
	char cbuf[CMSG_SPACE(VHOST_USER_MAX_FDS * sizeof(int))] = {0};
	struct iovec iov = {(void *)buf, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	size_t put = 0;

	if (nfds) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	while (put < len) {
		ssize_t n;

		iov.iov_base = (void *)(buf + put);
		iov.iov_len = len - put;
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		put += (size_t)n;
		mh.msg_control = NULL; /* the fds go with the first bytes only */
		mh.msg_controllen = 0;
	}
	return 0;
}

static void vu_shim_unmap(struct vu_shim_region *g)
{
	if (g->map)
		munmap(g->map, g->map_len);
	g->map = NULL;
}

static int vu_shim_map(struct vu_shim_region *g, const struct vhost_user_mem_region *r, int fd,
		       const char *req)
{
	void *p;

	g->r = *r;
	g->map_len = (size_t)(r->mmap_offset + r->memory_size);
	p = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		int e = errno;

		log_err("shim: cannot map region gpa 0x%" PRIx64 " size 0x%" PRIx64
			" offset 0x%" PRIx64 " (fd %d): %s",
			r->guest_phys_addr, r->memory_size, r->mmap_offset, fd, strerror(e));
		g->map = NULL;
		return -e;
	}
	g->map = p;
	log_info("shim: %s: region gpa 0x%" PRIx64 " size 0x%" PRIx64 " at QEMU's 0x%" PRIx64
		 " mapped",
		 req, r->guest_phys_addr, r->memory_size, r->userspace_addr);
	return 0;
}

/* The relay's view of ring i: the region holding its descriptor table, the used ring there
 * too (QEMU's rings are in guest RAM, one region); a ring it cannot place is not mutated. */
static void vu_shim_relay_ring(struct vu_shim *s, unsigned i)
{
	struct vu_shim_vring *v = &s->vq[i];
	struct vhost_user_mem_region regs[VHOST_USER_MEM_REGIONS_MAX];
	uint64_t doff, uoff;
	int ri, ru;

	if (!s->relay || i >= VIRTIO_MMIO_MAX_QUEUES)
		return;
	mut_relay_queue_clear(s->relay, i);
	if (!v->started || !v->have_addr || !v->num)
		return;
	for (unsigned k = 0; k < s->nreg; k++)
		regs[k] = s->reg[k].r;
	ri = vu_shim_msg_uva(regs, s->nreg, v->desc_uva, 16ULL * v->num, &doff);
	ru = vu_shim_msg_uva(regs, s->nreg, v->used_uva, 6ULL + 8ULL * v->num, &uoff);
	if (ri < 0 || ru != ri) {
		log_warn("shim: ring %u (desc 0x%" PRIx64 ", used 0x%" PRIx64
			 ") not inside one mapped region: its replies are not mutated",
			 i, v->desc_uva, v->used_uva);
		return;
	}
	mut_relay_queue_set(s->relay, i, s->reg[ri].map + s->reg[ri].r.mmap_offset,
			    s->reg[ri].r.guest_phys_addr, s->reg[ri].r.memory_size, v->num, doff,
			    uoff);
}

static void vu_shim_relay_all(struct vu_shim *s)
{
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		vu_shim_relay_ring(s, i);
}

/* The memory changes: the relay lets go of every ring before a mapping goes away. */
static int vu_shim_mem(struct vu_shim *s, const struct vu_shim_msg *m, const int *fds)
{
	int rc = 0;

	if (s->relay)
		mut_relay_stop(s->relay);
	if (m->kind == VU_SHIM_MSG_MEM_TABLE) {
		for (unsigned i = 0; i < s->nreg; i++)
			vu_shim_unmap(&s->reg[i]);
		s->nreg = 0;
		for (unsigned i = 0; i < m->nregions && !rc; i++)
			if (!(rc = vu_shim_map(&s->reg[s->nreg], &m->reg[i], fds[i],
					       "SET_MEM_TABLE")))
				s->nreg++;
	} else if (m->kind == VU_SHIM_MSG_ADD_REG) {
		if (s->nreg >= VHOST_USER_MEM_REGIONS_MAX) {
			log_err("shim: ADD_MEM_REG: already %u regions", s->nreg);
			rc = -E2BIG;
		} else if (!(rc = vu_shim_map(&s->reg[s->nreg], &m->reg[0], fds[0], "ADD_MEM_REG")))
			s->nreg++;
	} else {
		for (unsigned i = 0; i < s->nreg; i++)
			if (s->reg[i].r.guest_phys_addr == m->reg[0].guest_phys_addr &&
			    s->reg[i].r.memory_size == m->reg[0].memory_size) {
				vu_shim_unmap(&s->reg[i]);
				s->reg[i] = s->reg[--s->nreg];
				break;
			}
	}
	vu_shim_relay_all(s);
	return rc;
}

/* SET_VRING_CALL: QEMU's fd becomes the relay's target for that ring; virtiofsd gets the
 * relay's eventfd (one for every ring: the relay scans them all). */
static void vu_shim_call(struct vu_shim *s, const struct vu_shim_msg *m, int *fds, unsigned *nfds)
{
	struct vu_shim_vring *v;

	if (!s->relay || m->vring >= VIRTIO_MMIO_MAX_QUEUES)
		return;
	v = &s->vq[m->vring];
	mut_relay_set_notify(s->relay, m->vring, -1);
	if (v->call_fd >= 0)
		close(v->call_fd);
	v->call_fd = -1;
	if (m->nofd)
		return;
	v->call_fd = fds[0];
	fds[0] = s->relay->call_fd;
	mut_relay_set_notify(s->relay, m->vring, v->call_fd);
	*nfds = 1;
}

/* What the shim learns from, or changes in, one message of QEMU's. */
static int vu_shim_interpose(struct vu_shim *s, const struct vu_shim_msg *m, int *fds,
			     unsigned *nfds, bool *keep_fd0)
{
	struct vu_shim_vring *v = m->vring < VIRTIO_MMIO_MAX_QUEUES ? &s->vq[m->vring] : NULL;

	switch (m->kind) {
	case VU_SHIM_MSG_MEM_TABLE:
	case VU_SHIM_MSG_ADD_REG:
	case VU_SHIM_MSG_REM_REG:
		return vu_shim_mem(s, m, fds);
	case VU_SHIM_MSG_VRING_NUM:
		if (v)
			v->num = m->num;
		break;
	case VU_SHIM_MSG_VRING_ADDR:
		if (v) {
			v->desc_uva = m->desc_uva;
			v->used_uva = m->used_uva;
			v->have_addr = true;
		}
		break;
	case VU_SHIM_MSG_VRING_KICK: /* virtiofsd starts the ring here */
		if (v) {
			v->started = true;
			vu_shim_relay_ring(s, m->vring);
		}
		break;
	case VU_SHIM_MSG_GET_VRING_BASE: /* ... and stops it here */
		if (v) {
			v->started = false;
			vu_shim_relay_ring(s, m->vring);
		}
		break;
	case VU_SHIM_MSG_VRING_CALL:
		if (s->relay && v) {
			vu_shim_call(s, m, fds, nfds);
			/* QEMU's fd lives in s->vq now; fds[0] is the relay's, not closed. */
			*keep_fd0 = !m->nofd;
		}
		break;
	case VU_SHIM_MSG_PASS:
		break;
	}
	return 0;
}

int vu_shim_front_msg(struct vu_shim *s)
{
	uint8_t buf[VHOST_USER_MSG_MAX];
	int fds[VHOST_USER_MAX_FDS];
	struct vu_shim_msg m;
	unsigned nfds = 0;
	bool keep_fd0 = false;
	char why[200];
	size_t len;
	int rc = vu_shim_recv_msg(s->front, buf, &len, fds, &nfds);

	if (rc) {
		if (rc != -EPIPE)
			log_err("shim: message from QEMU: %s", strerror(-rc));
		vu_shim_close_fds(fds, nfds);
		return rc;
	}
	s->msgs_front++;
	if (vu_shim_msg_parse(buf, len, nfds, &m, why, sizeof(why))) {
		log_err("shim: from QEMU: %s", why);
		vu_shim_close_fds(fds, nfds);
		return -EPROTO;
	}
	log_debug("shim: QEMU -> virtiofsd request %u (%s) size %u fds %u", m.hdr.request,
		  vhost_user_msg_name(m.hdr.request), m.hdr.size, nfds);
	rc = vu_shim_interpose(s, &m, fds, &nfds, &keep_fd0);
	if (!rc)
		rc = vu_shim_send(s->back, buf, len, fds, nfds);
	if (rc)
		log_err("shim: %s to virtiofsd: %s", vhost_user_msg_name(m.hdr.request),
			strerror(-rc));
	/* Sent fds are virtiofsd's now; ours (the relay's call fd) and kept ones stay open. */
	vu_shim_close_fds(fds + (keep_fd0 ? 1 : 0), nfds - (keep_fd0 ? 1 : 0));
	return rc;
}

int vu_shim_back_msg(struct vu_shim *s)
{
	uint8_t buf[VHOST_USER_MSG_MAX];
	int fds[VHOST_USER_MAX_FDS];
	unsigned nfds = 0;
	size_t len;
	int rc = vu_shim_recv_msg(s->back, buf, &len, fds, &nfds);

	if (rc) {
		if (rc != -EPIPE)
			log_err("shim: message from virtiofsd: %s", strerror(-rc));
		vu_shim_close_fds(fds, nfds);
		return rc;
	}
	s->msgs_back++;
	rc = vu_shim_send(s->front, buf, len, fds, nfds);
	if (rc)
		log_err("shim: reply to QEMU: %s", strerror(-rc));
	vu_shim_close_fds(fds, nfds);
	return rc;
}

int vu_shim_run(struct vu_shim *s)
{
	struct pollfd p[2] = {{.fd = s->front, .events = POLLIN},
			      {.fd = s->back, .events = POLLIN}};

	for (;;) {
		int rc;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				return 0;
			return -errno;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			rc = vu_shim_front_msg(s);
			if (rc)
				return rc == -EPIPE ? 0 : rc;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			rc = vu_shim_back_msg(s);
			if (rc)
				return rc == -EPIPE ? 0 : rc;
		}
	}
}

void vu_shim_destroy(struct vu_shim *s)
{
	if (s->relay)
		mut_relay_stop(s->relay);
	for (unsigned i = 0; i < s->nreg; i++)
		vu_shim_unmap(&s->reg[i]);
	s->nreg = 0;
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
		if (s->relay)
			mut_relay_set_notify(s->relay, i, -1);
		if (s->vq[i].call_fd >= 0)
			close(s->vq[i].call_fd);
		s->vq[i].call_fd = -1;
	}
}
