/* fakebao_ctl.h - the control protocol between bao_preload (device model side) and fakebao's
 * control thread: one SOCK_SEQPACKET message per request and per reply, fds by SCM_RIGHTS.
 * Only set-up traffic goes here (DM_GET_INFO, IOEVENTFD, IRQFD); requests use the shared page. */
#ifndef FAKEBAO_CTL_H
#define FAKEBAO_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "bao.h"

enum fakebao_ctl_op {
	FAKEBAO_CTL_HELLO = 1,	   /* reply carries the control-page memfd */
	FAKEBAO_CTL_GET_INFO = 2,  /* u.info.id in; u.info out + the window fd */
	FAKEBAO_CTL_IOEVENTFD = 3, /* u.ioeventfd + the eventfd (unless DEASSIGN) */
	FAKEBAO_CTL_IRQFD = 4,	   /* u.irqfd + the eventfd (unless DEASSIGN) */
	FAKEBAO_CTL_DOORBELL = 5,  /* reply carries dm_id's request doorbell eventfd */
};

#define FAKEBAO_CTL_MAGIC 0xfb0c7101u

struct fakebao_ctl_msg {
	uint32_t magic;
	uint32_t op;
	int32_t ret; /* reply: 0 or -errno */
	uint32_t dm_id;
	union {
		struct bao_dm_info info;
		struct bao_ioeventfd ioeventfd;
		struct bao_irqfd irqfd;
	} u;
};

/* Check a received message (pure): magic, known op, dm_id range, and whether an fd must
 * accompany it. Returns 0 or -EINVAL with a reason. */
int fakebao_ctl_msg_check(const void *buf, size_t len, int has_fd, int is_reply, char *why,
			  size_t whylen);
/* Send/receive one message with at most one fd (-1 for none). recv: *fd = -1 when none. */
int fakebao_ctl_msg_send(int sock, const struct fakebao_ctl_msg *m, int fd);
int fakebao_ctl_msg_recv(int sock, struct fakebao_ctl_msg *m, int *fd, int timeout_ms);

#endif
