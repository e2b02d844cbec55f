/* rmtree.c - removal of the harness's run directories at any depth. The guest can build a
 * tree deeper than PATH_MAX in the share, so the walk goes by directory fds (openat/unlinkat,
 * one fd open at a time, ".." to climb back), never by path strings, never follows a symlink
 * and never crosses into another file system. */
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rmtree.h"

/* The names of the directories descended into, so each can be removed on the way up. */
struct rmtree_walk {
	int cur;      /* directory being emptied */
	dev_t dev;    /* the tree's file system */
	char **names; /* names[i]: the directory at depth i+1, inside depth i */
	size_t depth;
	size_t cap;
	const char *failed; /* entry an error was about, for the message */
};

static int rmtree_push(struct rmtree_walk *w, const char *name)
{
	char *n;

	if (w->depth == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		char **nn = realloc(w->names, cap * sizeof(*nn));

		if (!nn)
			return -ENOMEM;
		w->names = nn;
		w->cap = cap;
	}
	n = strdup(name);
	if (!n)
		return -ENOMEM;
	w->names[w->depth++] = n;
	return 0;
}

/* Step into subdirectory name of w->cur: 0, or -errno (-EXDEV for a mount point). */
static int rmtree_descend(struct rmtree_walk *w, const char *name)
{
	int fd = openat(w->cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	int r;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_dev != w->dev) {
		r = st.st_dev != w->dev ? -EXDEV : -errno;
		close(fd);
		return r;
	}
	r = rmtree_push(w, name);
	if (r) {
		close(fd);
		return r;
	}
	close(w->cur);
	w->cur = fd;
	return 0;
}

static int rmtree_is_dir(int dfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* One pass over w->cur: unlink what can go, descend into the first non-empty directory.
 * Returns 1 after descending, 0 when the directory is empty, or -errno. */
static int rmtree_pass(struct rmtree_walk *w, char *failed, size_t flen)
{
	int dfd = fcntl(w->cur, F_DUPFD_CLOEXEC, 0), r = 0, removed;
	struct dirent *de;
	DIR *d;

	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	do {
		removed = 0;
		rewinddir(d);
		while (!r && (errno = 0, de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (unlinkat(w->cur, de->d_name,
				     rmtree_is_dir(w->cur, de) ? AT_REMOVEDIR : 0) == 0) {
				removed = 1;
				continue;
			}
			if (errno == ENOTEMPTY || errno == EEXIST) {
				snprintf(failed, flen, "%s", de->d_name);
				r = rmtree_descend(w, de->d_name);
				if (!r)
					r = 1;
			} else if (errno != ENOENT) {
				r = -errno;
				snprintf(failed, flen, "%s", de->d_name);
			}
		}
		if (!r && errno)
			r = -errno;
		/* Entries removed mid-scan may hide others from readdir: look again. */
	} while (!r && removed);
	closedir(d);
	return r;
}

/* Back to the parent of w->cur and remove the (now empty) directory we came from. */
static int rmtree_ascend(struct rmtree_walk *w)
{
	int fd = openat(w->cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *name = w->names[--w->depth];
	int r = 0;

	if (fd < 0) {
		free(name);
		return -errno;
	}
	close(w->cur);
	w->cur = fd;
	if (unlinkat(w->cur, name, AT_REMOVEDIR) < 0)
		r = -errno;
	free(name);
	return r;
}

int rmtree_report(const char *path, char *failed, size_t flen)
{
	struct rmtree_walk w = {.cur = -1};
	struct stat st;
	int r;

	if (flen)
		failed[0] = '\0';
	w.cur = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w.cur < 0) {
		if (errno == ENOENT)
			return 0;
		/* Not a directory (or a symlink): remove just that name. */
		if ((errno == ENOTDIR || errno == ELOOP) && unlink(path) == 0)
			return 0;
		return -errno;
	}
	if (fstat(w.cur, &st) < 0) {
		r = -errno;
		close(w.cur);
		return r;
	}
	w.dev = st.st_dev;
	for (;;) {
		r = rmtree_pass(&w, failed, flen);
		if (r < 0)
			break;
		if (r == 1)
			continue;
		if (w.depth == 0)
			break;
		r = rmtree_ascend(&w);
		if (r < 0)
			break;
	}
	close(w.cur);
	while (w.depth)
		free(w.names[--w.depth]);
	free(w.names);
	if (r < 0)
		return r;
	if (rmdir(path) < 0 && errno != ENOENT) {
		snprintf(failed, flen, "%s", path);
		return -errno;
	}
	if (flen)
		failed[0] = '\0';
	return 0;
}

int rmtree(const char *path)
{
	char failed[256];

	return rmtree_report(path, failed, sizeof(failed));
}

int rmtree_contents(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char p[PATH_MAX + 256];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (rmtree(p))
			r = -EIO;
	}
	closedir(d);
	return r;
}
