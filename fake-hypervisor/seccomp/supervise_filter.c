/* supervise_filter.c - the device model's seccomp filter (opens and type-0xA6 ioctls to user
 * notification, everything else allowed) and the table of Bao's ioctl numbers. */
#include "supervise_filter.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bao.h"

#if defined(__x86_64__)
#define SUPERVISE_FILTER_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SUPERVISE_FILTER_ARCH AUDIT_ARCH_AARCH64
#else
#error "bao-dm-supervise: add this architecture's AUDIT_ARCH_* value"
#endif

/* ioctl's command is an unsigned int: the low half of args[1] (the high half on big endian). */
#if __BYTE_ORDER == __LITTLE_ENDIAN
#define SUPERVISE_FILTER_ARG1_LO offsetof(struct seccomp_data, args[1])
#else
#define SUPERVISE_FILTER_ARG1_LO (offsetof(struct seccomp_data, args[1]) + 4)
#endif

static const struct {
	uint32_t request;
	enum supervise_filter_ioctl kind;
	const char *name;
} supervise_filter_ioctls[] = {
    {BAO_IOCTL_DM_GET_INFO, SUPERVISE_FILTER_DM_GET_INFO, "BAO_IOCTL_DM_GET_INFO"},
    {BAO_IOCTL_IO_CLIENT_ATTACH, SUPERVISE_FILTER_IO_CLIENT_ATTACH, "BAO_IOCTL_IO_CLIENT_ATTACH"},
    {BAO_IOCTL_IO_REQUEST_COMPLETE, SUPERVISE_FILTER_IO_REQUEST_COMPLETE,
     "BAO_IOCTL_IO_REQUEST_COMPLETE"},
    {BAO_IOCTL_IOEVENTFD, SUPERVISE_FILTER_IOEVENTFD, "BAO_IOCTL_IOEVENTFD"},
    {BAO_IOCTL_IRQFD, SUPERVISE_FILTER_IRQFD, "BAO_IOCTL_IRQFD"},
};

int supervise_filter_build(struct sock_filter *prog, size_t cap)
{
	/* Jump offsets count from the next instruction: NOTIFY is instruction 10, ALLOW 11. */
	const struct sock_filter insns[] = {
	    /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SUPERVISE_FILTER_ARCH, 0, 9),
	    /* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __NR_open
	    /* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_open, 6, 0),
#else
	    /* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 6, 0),
#endif
	    /* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 5, 0),
	    /* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat2, 4, 0),
	    /* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 4),
	    /* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SUPERVISE_FILTER_ARG1_LO),
	    /* 8 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff00),
	    /* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BAO_IOCTL_TYPE << 8, 0, 1),
	    /* 10 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	    /* 11 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	size_t n = sizeof(insns) / sizeof(insns[0]);

	if (n > cap)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		prog[i] = insns[i];
	return (int)n;
}

int supervise_filter_install(void)
{
	struct sock_filter insns[SUPERVISE_FILTER_MAX_INSNS];
	struct sock_fprog prog = {.filter = insns};
	int n = supervise_filter_build(insns, SUPERVISE_FILTER_MAX_INSNS);
	long fd;

	if (n < 0)
		return n;
	prog.len = (unsigned short)n;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0)
		return -errno;
	return (int)fd;
}

enum supervise_filter_ioctl supervise_filter_ioctl_kind(uint64_t request)
{
	uint32_t cmd = (uint32_t)request;

	if (((cmd >> 8) & 0xff) != BAO_IOCTL_TYPE)
		return SUPERVISE_FILTER_NOT_BAO;
	for (size_t i = 0; i < sizeof(supervise_filter_ioctls) / sizeof(supervise_filter_ioctls[0]);
	     i++)
		if (supervise_filter_ioctls[i].request == cmd)
			return supervise_filter_ioctls[i].kind;
	return SUPERVISE_FILTER_UNKNOWN;
}

const char *supervise_filter_ioctl_name(enum supervise_filter_ioctl kind)
{
	for (size_t i = 0; i < sizeof(supervise_filter_ioctls) / sizeof(supervise_filter_ioctls[0]);
	     i++)
		if (supervise_filter_ioctls[i].kind == kind)
			return supervise_filter_ioctls[i].name;
	return kind == SUPERVISE_FILTER_NOT_BAO ? "not a Bao ioctl" : "unknown Bao ioctl";
}
