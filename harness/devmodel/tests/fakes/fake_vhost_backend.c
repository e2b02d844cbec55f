/* fake_vhost_backend.c - test-only vhost-user backend over a socketpair: one thread reads each
 * request (header, payload, fds), records it, and answers what a backend must answer. */
#include "fake_vhost_backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Read one message: header + payload into buf, up to VHOST_USER_MAX_FDS fds into fds. */
static int fake_vhost_backend_recv(int fd, uint8_t *buf, struct vhost_user_hdr *hdr, int *fds,
				   unsigned *nfds)
{
	char ctl[CMSG_SPACE(sizeof(int) * VHOST_USER_MAX_FDS)];
	struct iovec iov = {.iov_base = buf, .iov_len = VHOST_USER_HDR_SIZE};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;
	size_t got = 0;
	ssize_t n;

	*nfds = 0;
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	if (n != VHOST_USER_HDR_SIZE)
		return -1;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			*nfds = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(c), *nfds * sizeof(int));
		}
	if (vhost_user_msg_decode_hdr(buf, VHOST_USER_HDR_SIZE, hdr))
		return -1;
	while (got < hdr->size) {
		n = read(fd, buf + VHOST_USER_HDR_SIZE + got, hdr->size - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static void fake_vhost_backend_reply(struct fake_vhost_backend *b, uint32_t request,
				     const void *payload, uint32_t size)
{
	uint8_t msg[VHOST_USER_MSG_MAX];
	struct vhost_user_hdr h = {request, VHOST_USER_VERSION | VHOST_USER_REPLY, size};

	memcpy(msg, &h, sizeof(h));
	memcpy(msg + VHOST_USER_HDR_SIZE, payload, size);
	if (write(b->fd, msg, VHOST_USER_HDR_SIZE + size) < 0)
		perror("fake_vhost_backend: reply");
}

static void fake_vhost_backend_u64(struct fake_vhost_backend *b, uint32_t request, uint64_t v)
{
	fake_vhost_backend_reply(b, request, &v, sizeof(v));
}

/* GET_CONFIG: {offset, size, flags} echoed, then the config bytes (zeros past config_len). */
static void fake_vhost_backend_config(struct fake_vhost_backend *b, const uint8_t *payload)
{
	uint8_t out[12 + 256];
	uint32_t head[3];

	b->get_config_calls++;
	memcpy(head, payload, sizeof(head));
	if (b->refuse_config || head[1] > 256) {
		head[1] = 0;
		fake_vhost_backend_reply(b, VHOST_USER_GET_CONFIG, head, sizeof(head));
		return;
	}
	memset(out, 0, sizeof(out));
	for (uint32_t i = 0; i < head[1]; i++)
		if (head[0] + i < b->config_len)
			out[12 + i] = b->config[head[0] + i];
	if (b->config_bad_echo)
		head[0] += 4;
	memcpy(out, head, sizeof(head));
	fake_vhost_backend_reply(b, VHOST_USER_GET_CONFIG, out, 12 + head[1]);
}

/* A ring message: count it against its queue; keep what the checks need. */
static void fake_vhost_backend_ring(struct fake_vhost_backend *b, const struct vhost_user_hdr *h,
				    const uint8_t *payload, int *fds, unsigned nfds)
{
	uint32_t idx, num;
	struct fake_vhost_ring *r;

	memcpy(&idx, payload, sizeof(idx));
	memcpy(&num, payload + 4, sizeof(num));
	idx &= (uint32_t)VHOST_USER_VRING_IDX_MASK;
	if (idx >= FAKE_VHOST_QUEUES) {
		b->unknown++;
		return;
	}
	r = &b->ring[idx];
	switch (h->request) {
	case VHOST_USER_SET_VRING_NUM:
		r->num++;
		r->size = num;
		break;
	case VHOST_USER_SET_VRING_BASE:
		r->base++;
		break;
	case VHOST_USER_SET_VRING_ADDR:
		r->addr++;
		break;
	case VHOST_USER_SET_VRING_ENABLE:
		r->enable++;
		r->enabled = num != 0;
		break;
	case VHOST_USER_SET_VRING_CALL:
		r->call++;
		break;
	case VHOST_USER_SET_VRING_KICK:
		r->kick++;
		if (r->kick_fd_ok)
			close(r->kick_fd);
		r->kick_fd_ok = nfds == 1;
		if (r->kick_fd_ok) {
			r->kick_fd = fds[0];
			fds[0] = -1; /* kept: the test kicks through it */
		}
		break;
	case VHOST_USER_GET_VRING_BASE:
		r->get_base++;
		fake_vhost_backend_reply(b, h->request, &(struct vhost_user_vring_state){idx, 0},
					 sizeof(struct vhost_user_vring_state));
		break;
	}
}

static void fake_vhost_backend_one(struct fake_vhost_backend *b, const struct vhost_user_hdr *h,
				   const uint8_t *payload, int *fds, unsigned nfds)
{
	switch (h->request) {
	case VHOST_USER_GET_FEATURES:
		fake_vhost_backend_u64(b, h->request, b->features);
		return;
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		fake_vhost_backend_u64(b, h->request, b->protocol_features);
		return;
	case VHOST_USER_GET_QUEUE_NUM:
		fake_vhost_backend_u64(b, h->request, b->queue_num);
		return;
	case VHOST_USER_GET_CONFIG:
		fake_vhost_backend_config(b, payload);
		return;
	case VHOST_USER_SET_PROTOCOL_FEATURES:
		memcpy(&b->protocol_acked, payload, sizeof(uint64_t));
		break;
	case VHOST_USER_SET_FEATURES:
		memcpy(&b->features_set, payload, sizeof(uint64_t));
		break;
	case VHOST_USER_SET_MEM_TABLE:
		b->mem_tables++;
		break;
	case VHOST_USER_SET_OWNER:
		break;
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_SET_VRING_ADDR:
	case VHOST_USER_SET_VRING_ENABLE:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_GET_VRING_BASE:
		fake_vhost_backend_ring(b, h, payload, fds, nfds);
		break;
	default:
		b->unknown++;
	}
	if (h->flags & VHOST_USER_NEED_REPLY)
		fake_vhost_backend_u64(b, h->request, 0);
}

static void *fake_vhost_backend_main(void *arg)
{
	struct fake_vhost_backend *b = arg;
	uint8_t buf[VHOST_USER_MSG_MAX];
	struct vhost_user_hdr h;
	int fds[VHOST_USER_MAX_FDS];
	unsigned nfds, i;

	while (fake_vhost_backend_recv(b->fd, buf, &h, fds, &nfds) == 0) {
		fake_vhost_backend_one(b, &h, buf + VHOST_USER_HDR_SIZE, fds, nfds);
		for (i = 0; i < nfds; i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	return NULL;
}

int fake_vhost_backend_start(struct fake_vhost_backend *b, struct vhost_user *vu)
{
	int sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	memset(vu, 0, sizeof(*vu));
	vu->fd = sv[0];
	vu->timeout_ms = 2000;
	snprintf(vu->path, sizeof(vu->path), "fake-virtiofsd");
	b->fd = sv[1];
	rc = pthread_create(&b->thread, NULL, fake_vhost_backend_main, b);
	if (rc) {
		close(sv[0]);
		close(sv[1]);
		vu->fd = -1;
		return -rc;
	}
	b->running = true;
	return 0;
}

void fake_vhost_backend_stop(struct fake_vhost_backend *b, struct vhost_user *vu)
{
	if (!b->running)
		return;
	vhost_user_close(vu);
	pthread_join(b->thread, NULL);
	b->running = false;
	close(b->fd);
	b->fd = -1;
	for (unsigned q = 0; q < FAKE_VHOST_QUEUES; q++)
		if (b->ring[q].kick_fd_ok)
			close(b->ring[q].kick_fd);
}
