/* vhost_user.c - the vhost-user client: connect with bounded retry, send one request (fds by
 * SCM_RIGHTS), wait a bounded time for its reply. A timeout or malformed reply closes the
 * connection, since the stream can no longer be trusted to be in step. */
#include "clock.h"
#include "vhost_user.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int vhost_user_try_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, e;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	e = errno;
	close(fd);
	return -e;
}

int vhost_user_connect(struct vhost_user *vu, const char *path, int connect_ms)
{
	int64_t deadline = clock_now_ms() + connect_ms;
	int fd;

	memset(vu, 0, sizeof(*vu));
	vu->fd = -1;
	vu->timeout_ms = VHOST_USER_TIMEOUT_MS;
	if (strlen(path) >= sizeof(vu->path)) {
		log_err("vhost-user: socket path '%s' longer than %zu bytes", path,
			sizeof(vu->path) - 1);
		return -ENAMETOOLONG;
	}
	snprintf(vu->path, sizeof(vu->path), "%s", path);
	for (;;) {
		fd = vhost_user_try_connect(path);
		if (fd >= 0)
			break;
		if (fd != -ENOENT && fd != -ECONNREFUSED) {
			log_err("vhost-user: connect to %s failed: %s", path, strerror(-fd));
			return fd;
		}
		if (clock_now_ms() >= deadline) {
			log_err("virtiofsd socket %s not available after %d s", path,
				connect_ms / 1000);
			return -ETIMEDOUT;
		}
		usleep(50 * 1000);
	}
	vu->fd = fd;
	log_info("vhost-user: connected to %s", path);
	return 0;
}

void vhost_user_close(struct vhost_user *vu)
{
	/* shutdown first: a dup held by the hang-up watcher must not keep the connection up. */
	if (vu->fd >= 0) {
		shutdown(vu->fd, SHUT_RDWR);
		close(vu->fd);
	}
	vu->fd = -1;
}

static int vhost_user_send(struct vhost_user *vu, const uint8_t *msg, size_t len, const int *fds,
			   unsigned nfds)
{
	char ctl[CMSG_SPACE(sizeof(int) * VHOST_USER_MAX_FDS)] = {0};
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct pollfd pfd = {.fd = vu->fd, .events = POLLOUT};
	ssize_t n;

	if (nfds > VHOST_USER_MAX_FDS)
		return -E2BIG;
	if (nfds) {
		struct cmsghdr *c;

		mh.msg_control = ctl;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	if (poll(&pfd, 1, vu->timeout_ms) <= 0)
		return -ETIMEDOUT;
	do
		n = sendmsg(vu->fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* Messages are at most 4 KiB + 12 and the socket buffer is far larger. */
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

/* Read exactly len bytes before the deadline; fds sent along are discarded by the kernel. */
static int vhost_user_recv(struct vhost_user *vu, uint8_t *buf, size_t len, int64_t deadline)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = {.fd = vu->fd, .events = POLLIN};
		int64_t left = deadline - clock_now_ms();
		ssize_t n;
		int rc;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		n = recv(vu->fd, buf + got, len - got, MSG_DONTWAIT);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		got += (size_t)n;
	}
	return 0;
}

static int vhost_user_fail(struct vhost_user *vu, uint32_t request, int rc, const char *why)
{
	if (rc == -ECONNRESET || rc == -EPIPE)
		log_err("vhost-user %s: %s: virtiofsd disconnected", vu->path,
			vhost_user_msg_name(request));
	else
		log_err("vhost-user %s: %s failed: %s", vu->path, vhost_user_msg_name(request),
			why ? why : strerror(-rc));
	vhost_user_close(vu);
	return rc;
}

/* Wait for the reply to request: header, then exactly its payload, then the checks. With
 * got, the payload may be shorter than expect (GET_CONFIG's refusal); *got is its size. */
static int vhost_user_reply(struct vhost_user *vu, uint32_t request, uint8_t *out, size_t expect,
			    size_t *got)
{
	uint8_t buf[VHOST_USER_MSG_MAX];
	int64_t deadline = clock_now_ms() + vu->timeout_ms;
	struct vhost_user_hdr hdr;
	char why[160];
	int rc;

	rc = vhost_user_recv(vu, buf, VHOST_USER_HDR_SIZE, deadline);
	if (rc)
		return vhost_user_fail(vu, request, rc,
				       rc == -ETIMEDOUT ? "no reply within the timeout" : NULL);
	rc = vhost_user_msg_decode_hdr(buf, VHOST_USER_HDR_SIZE, &hdr);
	if (rc) {
		snprintf(why, sizeof(why), "reply payload size %u exceeds %d", hdr.size,
			 VHOST_USER_PAYLOAD_MAX);
		return vhost_user_fail(vu, request, -EPROTO, why);
	}
	rc = vhost_user_recv(vu, buf + VHOST_USER_HDR_SIZE, hdr.size, deadline);
	if (rc)
		return vhost_user_fail(vu, request, rc, NULL);
	if (got && hdr.size <= expect)
		expect = hdr.size;
	if (vhost_user_msg_check_reply(&hdr, request, expect, why, sizeof(why)))
		return vhost_user_fail(vu, request, -EPROTO, why);
	memcpy(out, buf + VHOST_USER_HDR_SIZE, expect);
	if (got)
		*got = expect;
	return 0;
}

/* Send msg (built by a vhost_user_msg_* function, len or -errno) and collect its reply:
 * `expect` bytes into out for GET requests (up to expect, *got of them, when got is given), or
 * the u64 REPLY_ACK status when NEED_REPLY is set. */
static int vhost_user_xfer_var(struct vhost_user *vu, const uint8_t *msg, int len, const int *fds,
			       unsigned nfds, void *out, size_t expect, size_t *got)
{
	struct vhost_user_hdr hdr;
	uint64_t status;
	int rc;

	if (len < 0)
		return len;
	vhost_user_msg_decode_hdr(msg, (size_t)len, &hdr);
	if (vu->fd < 0) {
		log_err("vhost-user %s: %s: not connected", vu->path,
			vhost_user_msg_name(hdr.request));
		return -ENOTCONN;
	}
	log_debug("vhost-user: -> %s size %u flags 0x%x fds %u", vhost_user_msg_name(hdr.request),
		  hdr.size, hdr.flags, nfds);
	rc = vhost_user_send(vu, msg, (size_t)len, fds, nfds);
	if (rc)
		return vhost_user_fail(vu, hdr.request, rc, NULL);
	if (out)
		return vhost_user_reply(vu, hdr.request, out, expect, got);
	if (!(hdr.flags & VHOST_USER_NEED_REPLY))
		return 0;
	rc = vhost_user_reply(vu, hdr.request, (uint8_t *)&status, sizeof(status), NULL);
	if (rc)
		return rc;
	if (status != 0) {
		log_err("vhost-user %s: %s refused: status 0x%llx", vu->path,
			vhost_user_msg_name(hdr.request), (unsigned long long)status);
		return -EIO;
	}
	return 0;
}

static int vhost_user_xfer(struct vhost_user *vu, const uint8_t *msg, int len, const int *fds,
			   unsigned nfds, void *out, size_t expect)
{
	return vhost_user_xfer_var(vu, msg, len, fds, nfds, out, expect, NULL);
}

/* Setup messages ask for an ack once REPLY_ACK is negotiated, so failures surface at once. */
static uint32_t vhost_user_flags(const struct vhost_user *vu)
{
	return vu->reply_ack ? VHOST_USER_NEED_REPLY : 0;
}

static int vhost_user_get_u64(struct vhost_user *vu, uint32_t request, uint64_t *value)
{
	uint8_t m[VHOST_USER_HDR_SIZE];

	return vhost_user_xfer(vu, m, vhost_user_msg_encode(request, 0, NULL, 0, m, sizeof(m)),
			       NULL, 0, value, sizeof(*value));
}

static int vhost_user_set_u64(struct vhost_user *vu, uint32_t request, uint32_t flags,
			      uint64_t value, const int *fds, unsigned nfds)
{
	uint8_t m[VHOST_USER_HDR_SIZE + 8];

	return vhost_user_xfer(vu, m, vhost_user_msg_u64(request, flags, value, m, sizeof(m)), fds,
			       nfds, NULL, 0);
}

int vhost_user_get_features(struct vhost_user *vu, uint64_t *features)
{
	return vhost_user_get_u64(vu, VHOST_USER_GET_FEATURES, features);
}

int vhost_user_set_features(struct vhost_user *vu, uint64_t features)
{
	return vhost_user_set_u64(vu, VHOST_USER_SET_FEATURES, vhost_user_flags(vu), features, NULL,
				  0);
}

int vhost_user_get_protocol_features(struct vhost_user *vu, uint64_t *features)
{
	return vhost_user_get_u64(vu, VHOST_USER_GET_PROTOCOL_FEATURES, features);
}

/* Never NEED_REPLY: REPLY_ACK is not in force until this message is processed. */
int vhost_user_set_protocol_features(struct vhost_user *vu, uint64_t features)
{
	return vhost_user_set_u64(vu, VHOST_USER_SET_PROTOCOL_FEATURES, 0, features, NULL, 0);
}

int vhost_user_set_owner(struct vhost_user *vu)
{
	uint8_t m[VHOST_USER_HDR_SIZE];

	return vhost_user_xfer(vu, m,
			       vhost_user_msg_encode(VHOST_USER_SET_OWNER, vhost_user_flags(vu),
						     NULL, 0, m, sizeof(m)),
			       NULL, 0, NULL, 0);
}

int vhost_user_get_queue_num(struct vhost_user *vu, uint64_t *num)
{
	return vhost_user_get_u64(vu, VHOST_USER_GET_QUEUE_NUM, num);
}

int vhost_user_set_mem_table(struct vhost_user *vu, const struct vhost_user_mem_region *r,
			     const int *fds, unsigned n)
{
	uint8_t m[VHOST_USER_MSG_MAX];

	return vhost_user_xfer(vu, m,
			       vhost_user_msg_mem_table(vhost_user_flags(vu), r, n, m, sizeof(m)),
			       fds, n, NULL, 0);
}

static int vhost_user_vring_state(struct vhost_user *vu, uint32_t request, uint32_t index,
				  uint32_t num)
{
	uint8_t m[VHOST_USER_HDR_SIZE + 8];

	return vhost_user_xfer(
	    vu, m,
	    vhost_user_msg_vring_state(request, vhost_user_flags(vu), index, num, m, sizeof(m)),
	    NULL, 0, NULL, 0);
}

int vhost_user_set_vring_num(struct vhost_user *vu, uint32_t index, uint32_t num)
{
	return vhost_user_vring_state(vu, VHOST_USER_SET_VRING_NUM, index, num);
}

int vhost_user_set_vring_base(struct vhost_user *vu, uint32_t index, uint32_t base)
{
	return vhost_user_vring_state(vu, VHOST_USER_SET_VRING_BASE, index, base);
}

int vhost_user_set_vring_enable(struct vhost_user *vu, uint32_t index, bool enable)
{
	return vhost_user_vring_state(vu, VHOST_USER_SET_VRING_ENABLE, index, enable ? 1 : 0);
}

int vhost_user_set_vring_addr(struct vhost_user *vu, const struct vhost_user_vring_addr *addr)
{
	uint8_t m[VHOST_USER_HDR_SIZE + sizeof(*addr)];

	return vhost_user_xfer(vu, m,
			       vhost_user_msg_vring_addr(vhost_user_flags(vu), addr, m, sizeof(m)),
			       NULL, 0, NULL, 0);
}

/* fd < 0 sends the NOFD flag instead of a descriptor. */
static int vhost_user_vring_fd(struct vhost_user *vu, uint32_t request, uint32_t index, int fd)
{
	uint64_t v = (index & VHOST_USER_VRING_IDX_MASK) | (fd < 0 ? VHOST_USER_VRING_NOFD : 0);

	return vhost_user_set_u64(vu, request, vhost_user_flags(vu), v, fd < 0 ? NULL : &fd,
				  fd < 0 ? 0 : 1);
}

int vhost_user_set_vring_call(struct vhost_user *vu, uint32_t index, int fd)
{
	return vhost_user_vring_fd(vu, VHOST_USER_SET_VRING_CALL, index, fd);
}

int vhost_user_set_vring_kick(struct vhost_user *vu, uint32_t index, int fd)
{
	return vhost_user_vring_fd(vu, VHOST_USER_SET_VRING_KICK, index, fd);
}

/* GET_VRING_BASE has its own reply, so it never carries NEED_REPLY. */
int vhost_user_get_vring_base(struct vhost_user *vu, uint32_t index, uint32_t *base)
{
	struct vhost_user_vring_state s;
	uint8_t m[VHOST_USER_HDR_SIZE + 8];
	int rc;

	rc = vhost_user_xfer(
	    vu, m, vhost_user_msg_vring_state(VHOST_USER_GET_VRING_BASE, 0, index, 0, m, sizeof(m)),
	    NULL, 0, &s, sizeof(s));
	if (rc)
		return rc;
	if (s.index != index) {
		log_err("vhost-user %s: GET_VRING_BASE for queue %u answered for queue %u",
			vu->path, index, s.index);
		return -EPROTO;
	}
	*base = s.num;
	return 0;
}

int vhost_user_get_config(struct vhost_user *vu, uint32_t offset, uint32_t size, uint8_t *out)
{
	uint8_t m[VHOST_USER_MSG_MAX], reply[VHOST_USER_PAYLOAD_MAX];
	const uint8_t *cfg;
	char why[160];
	size_t got = 0;
	int rc;

	if (!(vu->protocol_acked & (1ULL << VHOST_USER_PROTOCOL_F_CONFIG)))
		return -ENOTSUP;
	if (size > VHOST_USER_PAYLOAD_MAX - 12)
		return -E2BIG;
	rc = vhost_user_xfer_var(vu, m, vhost_user_msg_get_config(0, offset, size, m, sizeof(m)),
				 NULL, 0, reply, 12 + (size_t)size, &got);
	if (rc)
		return rc;
	/* The whole reply was read: a refusal leaves the stream in step, the socket stays up. */
	rc = vhost_user_msg_parse_config(reply, got, offset, size, &cfg, why, sizeof(why));
	if (rc) {
		log_err("vhost-user %s: %s", vu->path, why);
		return rc;
	}
	memcpy(out, cfg, size);
	return 0;
}

int vhost_user_handshake(struct vhost_user *vu)
{
	const uint64_t want = (1ULL << VHOST_USER_PROTOCOL_F_MQ) |
			      (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK) |
			      (1ULL << VHOST_USER_PROTOCOL_F_CONFIG);
	int rc;

	rc = vhost_user_get_features(vu, &vu->features);
	if (rc)
		return rc;
	log_info("vhost-user: backend features 0x%llx", (unsigned long long)vu->features);
	if (vu->features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES)) {
		rc = vhost_user_get_protocol_features(vu, &vu->protocol_features);
		if (rc)
			return rc;
		vu->protocol_acked = vu->protocol_features & want;
		rc = vhost_user_set_protocol_features(vu, vu->protocol_acked);
		if (rc)
			return rc;
		vu->reply_ack = vu->protocol_acked & (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK);
		log_info("vhost-user: protocol features 0x%llx, acked 0x%llx",
			 (unsigned long long)vu->protocol_features,
			 (unsigned long long)vu->protocol_acked);
	}
	if (vu->protocol_acked & (1ULL << VHOST_USER_PROTOCOL_F_MQ)) {
		rc = vhost_user_get_queue_num(vu, &vu->queue_num);
		if (rc)
			return rc;
	}
	return vhost_user_set_owner(vu);
}
