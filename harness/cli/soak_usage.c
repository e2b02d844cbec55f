/* soak_usage.c - the soak's resource and process accounting: fd counts and RSS of the harness,
 * virtiofsd (its sandbox worker) and the device model, and processes left behind. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "soak_priv.h"

void soak_usage_sample(struct stack *s, struct soak_usage_sample *out)
{
	stack_fault_proc_usage(getpid(), &out->self);
	stack_fault_proc_usage(s->vfsd_pid > 0 ? stack_fault_vfsd_worker(s->vfsd_pid) : 0,
			       &out->vfsd);
	stack_fault_proc_usage(s->dm_pid, &out->dm);
}

/* 1 when b holds more than a couple of fds more than a (log files and sockets open and close
 * between samples). A process that was restarted in between (a fault, a stack restart) is a
 * different process: its count is not compared, and the line says so. */
static int soak_print_one(FILE *out, const char *name, const struct stack_fault_proc_usage *a,
			  const struct stack_fault_proc_usage *b)
{
	int same = a->pid == b->pid;

	fprintf(out, "# soak: %-12s fds %d -> %d, RSS %ld kB -> %ld kB (pid %d -> %d%s)\n", name,
		a->fds, b->fds, a->rss_kb, b->rss_kb, (int)a->pid, (int)b->pid,
		same ? "" : ", restarted: not compared");
	return same && b->fds > a->fds + 2;
}

int soak_usage_print(FILE *out, const struct soak_usage_sample *a,
		     const struct soak_usage_sample *b)
{
	int flat = 1;

	if (soak_print_one(out, "baoharness", &a->self, &b->self))
		flat = 0;
	if (soak_print_one(out, "virtiofsd", &a->vfsd, &b->vfsd))
		flat = 0;
	if (soak_print_one(out, "device-model", &a->dm, &b->dm))
		flat = 0;
	return flat;
}

static int soak_read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[n] = '\0';
	return (int)n;
}

/* Processes whose command line names the run directory (virtiofsd, the device model) other
 * than the current ones, and zombie or live children of ours that are not the current ones. */
int soak_usage_strays(struct stack *s, FILE *out)
{
	pid_t keep[4] = {s->vfsd_pid, s->vfsd_pid > 0 ? stack_fault_vfsd_worker(s->vfsd_pid) : 0,
			 s->dm_pid, s->host.pid};
	struct dirent *de;
	int n = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[300], cmd[1024], stat[512], *p;
		pid_t pid;
		long ppid = 0;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (pid == getpid() || pid == keep[0] || pid == keep[1] || pid == keep[2] ||
		    pid == keep[3])
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (soak_read_file(path, stat, sizeof(stat)) > 0 && (p = strrchr(stat, ')')))
			ppid = strtol(p + 4, NULL, 10);
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		if (soak_read_file(path, cmd, sizeof(cmd)) < 0)
			continue;
		if (ppid == getpid() || (s->rundir[0] && strstr(cmd, s->rundir))) {
			fprintf(out, "# soak: stray process %d (parent %ld): %.200s\n", (int)pid,
				ppid, cmd[0] ? cmd : "(zombie)");
			n++;
		}
	}
	closedir(d);
	return n;
}
