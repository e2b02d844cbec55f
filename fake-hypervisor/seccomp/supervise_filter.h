/* supervise_filter.h - the seccomp filter that hands a device model's opens and Bao ioctls
 * (type byte 0xA6) to bao-dm-supervise, and what a Bao ioctl number means. Pure but for the
 * install, which acts on the calling thread. */
#ifndef SUPERVISE_FILTER_H
#define SUPERVISE_FILTER_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#define SUPERVISE_FILTER_MAX_INSNS 16

/* What an ioctl request number is to Bao's io-dispatcher driver. */
enum supervise_filter_ioctl {
	SUPERVISE_FILTER_NOT_BAO = 0, /* type byte is not 0xA6: the filter never sends it */
	SUPERVISE_FILTER_DM_GET_INFO,
	SUPERVISE_FILTER_IO_CLIENT_ATTACH,
	SUPERVISE_FILTER_IO_REQUEST_COMPLETE,
	SUPERVISE_FILTER_IOEVENTFD,
	SUPERVISE_FILTER_IRQFD,
	SUPERVISE_FILTER_UNKNOWN, /* type 0xA6 but no number Bao defines (or a wrong size) */
};

/* Writes the BPF program into prog (cap instructions): on this architecture, open, openat and
 * openat2 and every ioctl whose request's type byte (bits 8-15 of the 32-bit command the kernel
 * sees) is 0xA6 return SECCOMP_RET_USER_NOTIF; everything else, and any other architecture's
 * calls, SECCOMP_RET_ALLOW. Returns the number of instructions or -E2BIG. */
int supervise_filter_build(struct sock_filter *prog, size_t cap);

/* In the child, before exec: PR_SET_NO_NEW_PRIVS, then the filter with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER. Returns the listener fd (O_CLOEXEC) or -errno. */
int supervise_filter_install(void);

/* Classifies request as the kernel sees it (an unsigned int: the upper 32 bits of the
 * register are ignored, as ioctl(2) does). */
enum supervise_filter_ioctl supervise_filter_ioctl_kind(uint64_t request);
/* "BAO_IOCTL_IRQFD", "unknown Bao ioctl", "not a Bao ioctl". */
const char *supervise_filter_ioctl_name(enum supervise_filter_ioctl kind);

#endif
