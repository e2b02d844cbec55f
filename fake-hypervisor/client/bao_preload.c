/* bao_preload.c - LD_PRELOAD interposition that gives an unmodified device model Bao's
 * io-dispatcher UAPI on an ordinary host: open("/dev/bao-io-dispatcher"), its five ioctls and
 * mmap of the per-DM fd are served by fakebao (fakebao_dm.c); every other call passes through.
 * The per-DM fd is a real memfd of the window, so it can be mmap'ed and sent to virtiofsd. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bao.h"
#include "fakebao.h"
#include "fakebao_dm.h"
#include "log.h"

#define PRELOAD_MAX_FDS 64

enum preload_fd_kind { PRELOAD_FD_FREE = 0, PRELOAD_FD_DISPATCHER, PRELOAD_FD_DM };

struct preload_fd {
	int fd;
	enum preload_fd_kind kind;
	uint32_t dm_id;
};

static struct {
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*close)(int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	void *(*mmap)(void *, size_t, int, int, int, off_t);
} real;

static pthread_once_t preload_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t preload_lock = PTHREAD_MUTEX_INITIALIZER; /* the fd table only */
/* Connecting mmaps and closes fds, which re-enter this library: a lock of its own. */
static pthread_mutex_t preload_connect_lock = PTHREAD_MUTEX_INITIALIZER;
static struct preload_fd preload_fds[PRELOAD_MAX_FDS];
static struct fakebao_dm_conn preload_conn;
static int preload_connected;

static void preload_resolve(void)
{
	real.open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	real.openat = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
	real.close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	real.dup = (int (*)(int))dlsym(RTLD_NEXT, "dup");
	real.dup2 = (int (*)(int, int))dlsym(RTLD_NEXT, "dup2");
	real.dup3 = (int (*)(int, int, int))dlsym(RTLD_NEXT, "dup3");
	real.fcntl = (int (*)(int, int, ...))dlsym(RTLD_NEXT, "fcntl");
	real.ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	real.mmap = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
	log_set_component("bao-preload");
}

static void preload_init(void)
{
	pthread_once(&preload_once, preload_resolve);
}

/* Returns the table entry for fd (a copy) or kind FREE. */
static struct preload_fd preload_lookup(int fd)
{
	struct preload_fd out = {-1, PRELOAD_FD_FREE, 0};

	if (fd < 0)
		return out;
	pthread_mutex_lock(&preload_lock);
	for (int i = 0; i < PRELOAD_MAX_FDS; i++)
		if (preload_fds[i].kind != PRELOAD_FD_FREE && preload_fds[i].fd == fd)
			out = preload_fds[i];
	pthread_mutex_unlock(&preload_lock);
	return out;
}

static void preload_forget(int fd)
{
	pthread_mutex_lock(&preload_lock);
	for (int i = 0; i < PRELOAD_MAX_FDS; i++)
		if (preload_fds[i].kind != PRELOAD_FD_FREE && preload_fds[i].fd == fd)
			preload_fds[i].kind = PRELOAD_FD_FREE;
	pthread_mutex_unlock(&preload_lock);
}

static int preload_track(int fd, enum preload_fd_kind kind, uint32_t dm_id)
{
	int r = -EMFILE;

	preload_forget(fd);
	pthread_mutex_lock(&preload_lock);
	for (int i = 0; i < PRELOAD_MAX_FDS; i++) {
		if (preload_fds[i].kind == PRELOAD_FD_FREE) {
			preload_fds[i] = (struct preload_fd){fd, kind, dm_id};
			r = 0;
			break;
		}
	}
	pthread_mutex_unlock(&preload_lock);
	return r;
}

static int preload_is_dispatcher(const char *path)
{
	return path && !strcmp(path, BAO_IO_DISPATCHER_PATH);
}

/* open("/dev/bao-io-dispatcher"): the real device when there is one (a real Bao backend VM:
 * then this library stays out of the way), else connect to fakebao once and hand out a
 * placeholder fd that answers the dispatcher's ioctl. */
static int preload_open_dispatcher(int flags)
{
	const char *sock = getenv(FAKEBAO_SOCKET_ENV);
	const char *tmo = getenv("BAO_FAKEBAO_CONNECT_TIMEOUT_MS");
	int fd, r = 0;

	fd = real.open(BAO_IO_DISPATCHER_PATH, flags);
	if (fd >= 0 || errno != ENOENT)
		return fd;

	pthread_mutex_lock(&preload_connect_lock);
	if (!preload_connected) {
		if (!sock) {
			log_err("%s: no emulated hypervisor: %s is not set", BAO_IO_DISPATCHER_PATH,
				FAKEBAO_SOCKET_ENV);
			r = -ENODEV;
		} else {
			r = fakebao_dm_connect(&preload_conn, sock, tmo ? atoi(tmo) : 10000);
			preload_connected = r == 0;
			if (r)
				r = -ENODEV;
		}
	}
	pthread_mutex_unlock(&preload_connect_lock);
	if (r) {
		errno = -r;
		return -1;
	}
	fd = memfd_create("bao-io-dispatcher", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0)
		return -1;
	if (preload_track(fd, PRELOAD_FD_DISPATCHER, 0)) {
		real.close(fd);
		errno = EMFILE;
		return -1;
	}
	return fd;
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	preload_init();
	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (preload_is_dispatcher(path))
		return preload_open_dispatcher(flags);
	return real.open(path, flags, mode);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	preload_init();
	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (preload_is_dispatcher(path))
		return preload_open_dispatcher(flags);
	return real.openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

/* _FORTIFY_SOURCE turns open() into these. */
int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

int __open64_2(const char *path, int flags)
{
	return open(path, flags);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

int close(int fd)
{
	preload_init();
	preload_forget(fd);
	return real.close(fd);
}

static int preload_copy_tracking(int oldfd, int newfd)
{
	struct preload_fd e;

	if (newfd < 0)
		return newfd;
	e = preload_lookup(oldfd);
	if (e.kind != PRELOAD_FD_FREE)
		preload_track(newfd, e.kind, e.dm_id);
	else
		preload_forget(newfd); /* dup2 over a tracked fd replaces it */
	return newfd;
}

int dup(int fd)
{
	preload_init();
	return preload_copy_tracking(fd, real.dup(fd));
}

int dup2(int oldfd, int newfd)
{
	preload_init();
	return preload_copy_tracking(oldfd, real.dup2(oldfd, newfd));
}

int dup3(int oldfd, int newfd, int flags)
{
	preload_init();
	return preload_copy_tracking(oldfd, real.dup3(oldfd, newfd, flags));
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;
	int r;

	preload_init();
	va_start(ap, cmd);
	arg = va_arg(ap, void *); /* glibc's own wrapper reads the argument the same way */
	va_end(ap);
	r = real.fcntl(fd, cmd, arg);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		preload_copy_tracking(fd, r);
	return r;
}

int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));

static int preload_dispatcher_ioctl(unsigned long request, void *arg)
{
	struct bao_dm_info *info = arg;
	int r;

	if (request != BAO_IOCTL_DM_GET_INFO)
		return -ENOTTY;
	if (!info)
		return -EFAULT;
	r = fakebao_dm_get_info(&preload_conn, info);
	if (r)
		return r;
	if (preload_track(info->fd, PRELOAD_FD_DM, info->id)) {
		real.close(info->fd);
		return -EMFILE;
	}
	return 0;
}

static int preload_dm_ioctl(uint32_t dm_id, unsigned long request, void *arg)
{
	if (!arg)
		return -EFAULT;
	switch (request) {
	case BAO_IOCTL_IO_CLIENT_ATTACH:
		return fakebao_dm_attach(&preload_conn, dm_id, arg);
	case BAO_IOCTL_IO_REQUEST_COMPLETE: {
		struct bao_virtio_request req = *(struct bao_virtio_request *)arg;

		if (req.dm_id != dm_id)
			return -EINVAL;
		return fakebao_dm_complete(&preload_conn, &req);
	}
	case BAO_IOCTL_IOEVENTFD:
		return fakebao_dm_ioeventfd(&preload_conn, dm_id, arg);
	case BAO_IOCTL_IRQFD:
		return fakebao_dm_irqfd(&preload_conn, dm_id, arg);
	default:
		return -ENOTTY;
	}
}

int ioctl(int fd, unsigned long request, ...)
{
	struct preload_fd e;
	va_list ap;
	void *arg;
	int r;

	preload_init();
	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	e = preload_lookup(fd);
	if (e.kind == PRELOAD_FD_FREE)
		return real.ioctl(fd, request, arg);
	if (e.kind == PRELOAD_FD_DISPATCHER)
		r = preload_dispatcher_ioctl(request, arg);
	else
		r = preload_dm_ioctl(e.dm_id, request, arg);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

/* Bao maps the window from shmem_addr whatever the offset: force offset 0 on a DM fd. */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	preload_init();
	if (fd >= 0 && preload_lookup(fd).kind == PRELOAD_FD_DM)
		off = 0;
	return real.mmap(addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
    __attribute__((alias("mmap")));
