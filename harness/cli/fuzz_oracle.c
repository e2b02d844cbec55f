/* fuzz_oracle.c - the outside-the-reply oracles of the whole-stack fuzzer: canary file,
 * run-directory listing, virtiofsd's fd count (its forked sandbox child when there is one). */
#include "fuzz_oracle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_CANARY_TEXT "baoharness fuzz canary: virtiofsd must never touch this file\n"

static int fuzz_oracle_list(const char *dir, char out[][64], unsigned cap, unsigned *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return -errno;
	*n = 0;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (*n < cap)
			snprintf(out[(*n)++], 64, "%.63s", e->d_name);
	}
	closedir(d);
	return 0;
}

/* The child virtiofsd forked for its namespace sandbox, found by parent pid. */
static pid_t fuzz_oracle_child(pid_t parent)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		char path[300], buf[512], *p;
		int fd, ppid;
		ssize_t n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		p = strrchr(buf, ')'); /* comm may hold spaces */
		if (p && sscanf(p + 1, " %*c %d", &ppid) == 1 && ppid == parent)
			found = (pid_t)atoi(e->d_name);
	}
	closedir(d);
	return found;
}

int fuzz_oracle_arm(struct fuzz_oracle *o, const char *share, pid_t vfsd_pid)
{
	char tmp[4096];
	struct stat st;
	int fd;

	memset(o, 0, sizeof(*o));
	snprintf(tmp, sizeof(tmp), "%s", share);
	snprintf(o->dir, sizeof(o->dir), "%s", dirname(tmp));
	snprintf(o->canary, sizeof(o->canary), "%s/fuzz-canary", o->dir);
	fd = open(o->canary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, FUZZ_CANARY_TEXT, sizeof(FUZZ_CANARY_TEXT) - 1) !=
	    (ssize_t)sizeof(FUZZ_CANARY_TEXT) - 1) {
		close(fd);
		return -EIO;
	}
	close(fd);
	if (stat(o->canary, &st))
		return -errno;
	o->canary_mtime = st.st_mtim;
	o->vfsd_pid = vfsd_pid;
	o->vfsd_child = fuzz_oracle_child(vfsd_pid);
	if (!o->vfsd_child)
		o->vfsd_child = vfsd_pid;
	o->fds_base = o->fds_max = fuzz_oracle_fds(o);
	return fuzz_oracle_list(o->dir, o->entries, FUZZ_ORACLE_MAX_ENTRIES, &o->n_entries);
}

int fuzz_oracle_check_outside(struct fuzz_oracle *o, char *why, size_t len)
{
	char now[FUZZ_ORACLE_MAX_ENTRIES][64], buf[256];
	unsigned n, i, j;
	struct stat st;
	ssize_t k;
	int fd;

	fd = open(o->canary, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(why, len, "canary %s gone: %s", o->canary, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	k = read(fd, buf, sizeof(buf));
	close(fd);
	if (k != (ssize_t)sizeof(FUZZ_CANARY_TEXT) - 1 ||
	    memcmp(buf, FUZZ_CANARY_TEXT, (size_t)k) ||
	    st.st_mtim.tv_sec != o->canary_mtime.tv_sec ||
	    st.st_mtim.tv_nsec != o->canary_mtime.tv_nsec) {
		snprintf(why, len, "canary %s changed (size %zd, mtime %lld.%09ld)", o->canary, k,
			 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		return -1;
	}
	if (fuzz_oracle_list(o->dir, now, FUZZ_ORACLE_MAX_ENTRIES, &n))
		return 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < o->n_entries && strcmp(now[i], o->entries[j]); j++)
			;
		if (j == o->n_entries) {
			snprintf(why, len, "new entry %s/%s outside the share", o->dir, now[i]);
			return -1;
		}
	}
	return 0;
}

int fuzz_oracle_fds(struct fuzz_oracle *o)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)o->vfsd_child);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	if (n > o->fds_max)
		o->fds_max = n;
	return n;
}

/* How virtiofsd ended, from the tail of its log: abort (assert, fortify), panic (exit), exit. */
const char *fuzz_oracle_death_kind(const char *vfsd_log, const char *health, char *last, size_t len)
{
	char buf[4096];
	int fd = open(vfsd_log, O_RDONLY | O_CLOEXEC);
	off_t size;
	ssize_t n = 0;
	char *p, *line = NULL;

	last[0] = '\0';
	if (fd >= 0) {
		size = lseek(fd, 0, SEEK_END);
		lseek(fd, size > (off_t)sizeof(buf) - 1 ? size - ((off_t)sizeof(buf) - 1) : 0,
		      SEEK_SET);
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	/* the last non-empty line */
	for (p = strtok(buf, "\n"); p; p = strtok(NULL, "\n"))
		if (*p)
			line = p;
	if (line)
		snprintf(last, len, "%s", line);
	if (strstr(last, "ssert") || strstr(last, "***") || strstr(health, "signal 6") ||
	    strstr(last, "bort"))
		return "abort";
	if (strstr(health, "signal"))
		return "signal";
	if (strstr(last, "anic") || strstr(last, "nvalid") || strstr(last, "Looped"))
		return "panic";
	return "exit";
}

/* The opcode part of a signature: a request shorter than its header has no opcode to speak of. */

/* CPU time (utime + stime, ticks) of every thread of pid, and whether one is running or in
 * uninterruptible sleep; -1 when it cannot be read. */
static long long fuzz_oracle_cpu(pid_t pid, int *active)
{
	char path[64], buf[1024];
	long long total = 0;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		unsigned long long ut = 0, st = 0;
		char state = 0, *p;
		ssize_t n;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/stat", (int)pid, e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		p = strrchr(buf, ')'); /* the name may hold anything */
		if (!p || sscanf(p + 1, " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu",
				 &state, &ut, &st) != 3)
			continue;
		total += (long long)(ut + st);
		*active |= state == 'R' || state == 'D';
	}
	closedir(d);
	return total;
}

int fuzz_oracle_backend_busy(pid_t pid)
{
	struct timespec pause = {0, 300 * 1000000L};
	int active = 0;
	long long a = pid > 0 ? fuzz_oracle_cpu(pid, &active) : -1, b;

	if (a < 0)
		return 0;
	nanosleep(&pause, NULL);
	b = fuzz_oracle_cpu(pid, &active);
	return b > a || active;
}
