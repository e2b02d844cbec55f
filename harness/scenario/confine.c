/* confine.c - path resolution that stays beneath a root directory, for everything the harness
 * does on the host side of a share the untrusted guest can fill with symlinks. openat2 does it
 * in the kernel; without it (Linux < 5.6) a walk of one O_NOFOLLOW openat per component gives
 * the same answers, never a plain openat of the whole path. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "confine.h"

#ifndef SYS_openat2
#define SYS_openat2 437 /* the same number on every architecture */
#endif
/* linux/openat2.h, spelled out so old headers build too. */
struct confine_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#define CONFINE_RESOLVE_NO_MAGICLINKS 0x02ULL
#define CONFINE_RESOLVE_IN_ROOT 0x10ULL
/* A path grown by spliced link targets beyond this is refused. */
#define CONFINE_PATH_MAX (16 * PATH_MAX)

static int confine_walk_forced;

int confine_force_walk(int on)
{
	int old = confine_walk_forced;

	confine_walk_forced = on;
	return old;
}

/* Returns an fd, -errno, or -ENOSYS when the kernel has no openat2. The kernel answers EAGAIN
 * when a concurrent rename could have let ".." escape; it is safe to retry. */
static int confine_openat2(int root_fd, const char *rel, int flags, mode_t mode)
{
	struct confine_how how = {
	    .flags = (uint64_t)(unsigned int)flags,
	    .mode = (flags & O_CREAT) ? (uint64_t)mode : 0,
	    .resolve = CONFINE_RESOLVE_IN_ROOT | CONFINE_RESOLVE_NO_MAGICLINKS,
	};

	for (int i = 0; i < 16; i++) {
		long fd = syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));

		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

struct confine_walk {
	int root_fd;
	struct stat root_st;
	int cur;       /* directory the next component is looked up in */
	char *path;    /* the remaining path (heap) */
	const char *p; /* next unread byte of path */
	unsigned int links;
};

static int confine_at_root(const struct confine_walk *w)
{
	struct stat st;

	return fstat(w->cur, &st) == 0 && st.st_dev == w->root_st.st_dev &&
	       st.st_ino == w->root_st.st_ino;
}

/* ".." never climbs above the root, as in a chroot. */
static int confine_walk_up(struct confine_walk *w)
{
	int fd;

	if (confine_at_root(w))
		return 0;
	fd = openat(w->cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(w->cur);
	w->cur = fd;
	return 0;
}

/* Replace the walked part by the link's target: "target/rest". An absolute target starts
 * again from the root. */
static int confine_walk_splice(struct confine_walk *w, int link_fd, const char *rest)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(link_fd, "", target, sizeof(target));
	size_t rl = strlen(rest);
	char *np;

	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	if (++w->links > CONFINE_MAX_LINKS)
		return -ELOOP;
	if ((size_t)n + rl + 2 > CONFINE_PATH_MAX)
		return -ENAMETOOLONG;
	np = malloc((size_t)n + rl + 2);
	if (!np)
		return -ENOMEM;
	memcpy(np, target, (size_t)n);
	np[n] = '/';
	memcpy(np + n + 1, rest, rl + 1);
	if (target[0] == '/') {
		int fd = fcntl(w->root_fd, F_DUPFD_CLOEXEC, 0);

		if (fd < 0) {
			free(np);
			return -errno;
		}
		close(w->cur);
		w->cur = fd;
	}
	free(w->path);
	w->path = np;
	w->p = np;
	return 0;
}

/* confine_walk_step's "open the final component" and its error convention. */
static int confine_walk_open_at(struct confine_walk *w, const char *name, int flags, mode_t mode,
				int *out)
{
	*out = openat(w->cur, name, flags | O_NOFOLLOW, mode);
	return *out < 0 ? -errno : 0;
}

/* One component. Returns 0 to go on, 0 with *out >= 0 when the final one is open, or -errno. */
static int confine_walk_step(struct confine_walk *w, int flags, mode_t mode, int follow_last,
			     int *out)
{
	char name[NAME_MAX + 1];
	size_t len = strcspn(w->p, "/");
	const char *rest = w->p + len;
	int last, fd, r;
	struct stat st;

	while (*rest == '/')
		rest++;
	last = !*rest;
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(name, w->p, len);
	name[len] = '\0';
	w->p += len;
	if (!strcmp(name, "."))
		return 0;
	if (!strcmp(name, ".."))
		return confine_walk_up(w);
	if (last && !follow_last)
		return confine_walk_open_at(w, name, flags, mode, out);
	fd = openat(w->cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && last && (flags & O_CREAT))
			return confine_walk_open_at(w, name, flags, mode, out);
		return -errno;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (S_ISLNK(st.st_mode)) {
		r = confine_walk_splice(w, fd, rest);
		close(fd);
		return r;
	}
	if (last) {
		close(fd);
		/* It was no link a moment ago; if it is one now, O_NOFOLLOW refuses it (ELOOP). */
		return confine_walk_open_at(w, name, flags, mode, out);
	}
	if (!S_ISDIR(st.st_mode)) {
		close(fd);
		return -ENOTDIR;
	}
	close(w->cur);
	w->cur = fd;
	return 0;
}

static int confine_walk(int root_fd, const char *rel, int flags, mode_t mode)
{
	struct confine_walk w = {.root_fd = root_fd, .cur = -1};
	int follow_last = !(flags & O_NOFOLLOW) && !((flags & O_CREAT) && (flags & O_EXCL));
	int r = 0, out = -1;

	if (fstat(root_fd, &w.root_st) < 0)
		return -errno;
	w.path = strdup(rel);
	if (!w.path)
		return -ENOMEM;
	w.p = w.path;
	w.cur = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
	if (w.cur < 0) {
		free(w.path);
		return -errno;
	}
	for (;;) {
		while (*w.p == '/')
			w.p++;
		if (!*w.p) {
			/* Ended on a directory ("", ".", "a/.."): open it with the caller's flags.
			 */
			out = openat(w.cur, ".", flags, mode);
			r = out < 0 ? -errno : 0;
			break;
		}
		r = confine_walk_step(&w, flags, mode, follow_last, &out);
		if (r < 0 || out >= 0)
			break;
	}
	close(w.cur);
	free(w.path);
	return r < 0 ? r : out;
}

int confine_open(int root_fd, const char *rel, int flags, mode_t mode)
{
	int fd;

	if (!rel || rel[0] == '/')
		return -EINVAL;
	if (!confine_walk_forced) {
		fd = confine_openat2(root_fd, rel, flags, mode);
		if (fd != -ENOSYS)
			return fd;
	}
	return confine_walk(root_fd, rel, flags, mode);
}

int confine_parent(int root_fd, const char *rel, const char **last)
{
	const char *slash = rel ? strrchr(rel, '/') : NULL;
	const char *name = slash ? slash + 1 : rel;
	char *dir;
	int fd;

	if (!rel || rel[0] == '/' || !*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	*last = name;
	if (!slash)
		return confine_open(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	dir = strndup(rel, (size_t)(slash - rel));
	if (!dir)
		return -ENOMEM;
	fd = confine_open(root_fd, *dir ? dir : ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	free(dir);
	return fd;
}
