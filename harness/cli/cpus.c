/* cpus.c - parse a CPU list and pin processes to it (see cpus.h). */
#include "cpus.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* One decimal CPU number at *p; advances *p. */
static int cpus_number(const char **p, long *out)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*out = strtol(*p, &end, 10);
	if (errno)
		return -EINVAL;
	*p = end;
	return 0;
}

int cpus_parse(const char *s, cpu_set_t *set, char *why, size_t whylen)
{
	const char *p = s;

	CPU_ZERO(set);
	if (!s || !*s) {
		snprintf(why, whylen, "empty CPU list");
		return -EINVAL;
	}
	for (;;) {
		long lo, hi;

		if (cpus_number(&p, &lo)) {
			snprintf(why, whylen, "'%s': expected a CPU number at '%s'", s, p);
			return -EINVAL;
		}
		hi = lo;
		if (*p == '-') {
			p++;
			if (cpus_number(&p, &hi) || hi < lo) {
				snprintf(why, whylen, "'%s': bad range ending at '%s'", s, p);
				return -EINVAL;
			}
		}
		if (hi >= CPU_SETSIZE) {
			snprintf(why, whylen, "'%s': CPU %ld out of range (max %d)", s, hi,
				 CPU_SETSIZE - 1);
			return -EINVAL;
		}
		for (long c = lo; c <= hi; c++)
			CPU_SET((int)c, set);
		if (!*p)
			return 0;
		if (*p++ != ',') {
			snprintf(why, whylen, "'%s': unexpected '%c'", s, p[-1]);
			return -EINVAL;
		}
	}
}

int cpus_pin_self(const cpu_set_t *set)
{
	if (sched_setaffinity(0, sizeof(*set), set) < 0) {
		int r = -errno;

		log_err("cannot pin to the --cpus list: sched_setaffinity: %s", strerror(-r));
		return r;
	}
	return 0;
}

/* Parent pid of pid from /proc/PID/stat (field 4, after the parenthesised name), or -1. */
static pid_t cpus_parent_of(pid_t pid)
{
	char path[64], buf[512], *rp;
	FILE *f;
	int ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (rp = strrchr(buf, ')')) && sscanf(rp + 1, " %*c %d", &ppid) != 1)
		ppid = -1;
	fclose(f);
	return (pid_t)ppid;
}

/* Every thread of one process. */
static int cpus_pin_threads(pid_t pid, const cpu_set_t *set)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int r = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		pid_t tid = (pid_t)atoi(d->d_name);

		if (tid > 0 && sched_setaffinity(tid, sizeof(*set), set) < 0 && errno != ESRCH)
			r = -errno;
	}
	closedir(dir);
	return r;
}

int cpus_pin_tree(pid_t pid, const cpu_set_t *set)
{
	struct dirent *d;
	DIR *proc;
	int r = cpus_pin_threads(pid, set);

	if (r) {
		log_err("cannot pin process %d: %s", (int)pid, strerror(-r));
		return r;
	}
	proc = opendir("/proc");
	if (!proc)
		return -errno;
	while ((d = readdir(proc))) {
		pid_t child = (pid_t)atoi(d->d_name);

		if (child > 0 && cpus_parent_of(child) == pid && (r = cpus_pin_tree(child, set)))
			break;
	}
	closedir(proc);
	return r;
}
