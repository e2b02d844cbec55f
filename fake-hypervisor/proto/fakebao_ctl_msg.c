/* fakebao_ctl_msg.c - framing and validation of fakebao control messages; the device model
 * side is untrusted from fakebao's point of view, so every field is checked before use. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fakebao.h"
#include "fakebao_ctl.h"

int fakebao_ctl_msg_check(const void *buf, size_t len, int has_fd, int is_reply, char *why,
			  size_t whylen)
{
	struct fakebao_ctl_msg m;
	int need_fd = 0;

	if (len != sizeof(m)) {
		snprintf(why, whylen, "message length %zu, expected %zu", len, sizeof(m));
		return -EINVAL;
	}
	memcpy(&m, buf, sizeof(m));
	if (m.magic != FAKEBAO_CTL_MAGIC) {
		snprintf(why, whylen, "bad magic 0x%x", m.magic);
		return -EINVAL;
	}
	switch (m.op) {
	case FAKEBAO_CTL_HELLO:
		need_fd = is_reply && m.ret == 0;
		break;
	case FAKEBAO_CTL_GET_INFO:
	case FAKEBAO_CTL_DOORBELL:
		need_fd = is_reply && m.ret == 0;
		break;
	case FAKEBAO_CTL_IOEVENTFD:
		need_fd = !is_reply && !(m.u.ioeventfd.flags & BAO_IOEVENTFD_FLAG_DEASSIGN);
		break;
	case FAKEBAO_CTL_IRQFD:
		need_fd = !is_reply && !(m.u.irqfd.flags & BAO_IRQFD_FLAG_DEASSIGN);
		break;
	default:
		snprintf(why, whylen, "unknown op %u", m.op);
		return -EINVAL;
	}
	if (m.dm_id >= FAKEBAO_MAX_DMS && m.op != FAKEBAO_CTL_HELLO) {
		snprintf(why, whylen, "dm_id %u out of range", m.dm_id);
		return -EINVAL;
	}
	if (need_fd && !has_fd) {
		snprintf(why, whylen, "op %u needs an fd and carries none", m.op);
		return -EINVAL;
	}
	if (is_reply && (m.ret > 0 || m.ret < -4095)) {
		snprintf(why, whylen, "reply ret %d out of range", m.ret);
		return -EINVAL;
	}
	return 0;
}

int fakebao_ctl_msg_send(int sock, const struct fakebao_ctl_msg *m, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {(void *)m, sizeof(*m)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	memset(cbuf, 0, sizeof(cbuf));
	if (fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*m) ? 0 : -EPROTO;
}

int fakebao_ctl_msg_recv(int sock, struct fakebao_ctl_msg *m, int *fd, int timeout_ms)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = {m, sizeof(*m)};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct pollfd p = {sock, POLLIN, 0};
	struct cmsghdr *c;
	ssize_t n;
	int r;

	*fd = -1;
	do {
		r = poll(&p, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fds[4];

			if (nfd > 4)
				nfd = 4;
			memcpy(fds, CMSG_DATA(c), nfd * sizeof(int));
			/* Keep the first; a peer sending more would otherwise leak them here. */
			for (size_t i = 0; i < nfd && i < 4; i++) {
				if (*fd < 0)
					*fd = fds[i];
				else
					close(fds[i]);
			}
		}
	}
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || n != (ssize_t)sizeof(*m)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -EPROTO;
	}
	return 0;
}
