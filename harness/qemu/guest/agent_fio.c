/* agent_fio.c - `@@FIO`: one fio job on the share, for the benchmark's workload matrix. Not an
 * exec door: the agent builds fio's command line itself (JSON output, the mount as directory,
 * group reporting) and takes only allow-listed options whose values are plain words; fio runs
 * in its own process group, which is SIGKILLed when the host's bound passes. */
#include "agent_fio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fio_json.h"

#define AGENT_FIO_JSON "/tmp/fio.json"
#define AGENT_FIO_ERR "/tmp/fio.err"
#define AGENT_FIO_REPORT_MAX (1 << 20)
#define AGENT_FIO_TIMEOUT_MAX 600

/* The job options a benchmark or test needs; everything else (filename, directory, exec_*,
 * ioengine libraries, output files) is refused so the host can only shape the workload. */
static const char *const agent_fio_keys[] = {
    "rw",	  "bs",		"size",	     "numjobs",	       "runtime",      "time_based",
    "ioengine",	  "iodepth",	"verify",    "do_verify",      "verify_fatal", "nrfiles",
    "fsync",	  "fdatasync",	"direct",    "rwmixread",      "loops",	       "ramp_time",
    "randrepeat", "startdelay", "end_fsync", "create_on_open", "filesize",     "zero_buffers",
    "invalidate", NULL};

static int agent_fio_allowed(const char *opt, size_t klen)
{
	for (int i = 0; agent_fio_keys[i]; i++)
		if (strlen(agent_fio_keys[i]) == klen && !strncmp(opt, agent_fio_keys[i], klen))
			return 1;
	return 0;
}

/* "key=value" with a listed key and a value of [A-Za-z0-9_.:-]; 0 or -EINVAL (out says why). */
static int agent_fio_check(const char *opt, char *out, size_t outlen)
{
	const char *eq = strchr(opt, '=');

	if (!eq || eq == opt || !agent_fio_allowed(opt, (size_t)(eq - opt))) {
		snprintf(out, outlen,
			 "fio option '%.60s' not allowed (want key=value, key one of "
			 "rw bs size numjobs runtime time_based ioengine verify ...)",
			 opt);
		return -EINVAL;
	}
	for (const char *p = eq + 1; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr("_.:-", *p)) {
			snprintf(out, outlen, "fio option '%.60s': value character 0x%02x refused",
				 opt, (unsigned char)*p);
			return -EINVAL;
		}
	if (!eq[1]) {
		snprintf(out, outlen, "fio option '%.60s' has an empty value", opt);
		return -EINVAL;
	}
	return 0;
}

/* The first line of fio's stderr that says what went wrong (else its first line). */
static void agent_fio_errline(char *out, size_t outlen)
{
	char line[256], first[256] = "";
	FILE *f = fopen(AGENT_FIO_ERR, "r");

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!first[0] && line[0])
			snprintf(first, sizeof(first), "%s", line);
		if (strstr(line, "fio:") || strstr(line, "error") || strstr(line, "rror=")) {
			snprintf(out, outlen, "%s", line);
			break;
		}
	}
	fclose(f);
	if (!out[0])
		snprintf(out, outlen, "%s", first[0] ? first : "(no message)");
}

/* Wait for pid until deadline (CLOCK_MONOTONIC s); kills its group at the deadline. */
static int agent_fio_wait(pid_t pid, long timeout_s, int *st)
{
	struct timespec now, start, pause = {0, 20 * 1000000L};

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t r = waitpid(pid, st, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= timeout_s) {
			kill(-pid, SIGKILL);
			waitpid(pid, st, 0);
			return -ETIMEDOUT;
		}
		nanosleep(&pause, NULL);
	}
	kill(-pid, SIGKILL); /* nothing of it outlives the request (threads end with it) */
	return 0;
}

static int agent_fio_spawn(char *const argv[], pid_t *pid)
{
	*pid = fork();
	if (*pid < 0)
		return -errno;
	if (*pid == 0) {
		int err = open(AGENT_FIO_ERR, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

		setpgid(0, 0);
		if (err >= 0)
			dup2(err, STDOUT_FILENO), dup2(err, STDERR_FILENO);
		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		execv(argv[0], argv);
		dprintf(STDERR_FILENO, "fio: cannot execute %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(*pid, *pid);
	return 0;
}

/* Read fio's report (bounded) and turn it into the figures line. */
static int agent_fio_report(char *out, size_t outlen)
{
	struct fio_json_result r;
	char *buf = malloc(AGENT_FIO_REPORT_MAX + 1);
	int fd = open(AGENT_FIO_JSON, O_RDONLY | O_CLOEXEC), rc;
	ssize_t n = 0, k;

	if (!buf || fd < 0) {
		rc = buf ? -errno : -ENOMEM;
		snprintf(out, outlen, "fio's report %s: %s", AGENT_FIO_JSON, strerror(-rc));
		goto out;
	}
	while (n < AGENT_FIO_REPORT_MAX &&
	       (k = read(fd, buf + n, (size_t)(AGENT_FIO_REPORT_MAX - n))) > 0)
		n += k;
	buf[n] = '\0';
	rc = fio_json_parse(buf, &r);
	if (rc) {
		snprintf(out, outlen, "fio's report %s (%zd bytes) has no job figures",
			 AGENT_FIO_JSON, n);
		goto out;
	}
	if (r.error) {
		rc = -r.error;
		snprintf(out, outlen, "fio job error %d (%s)", r.error, strerror(r.error));
		goto out;
	}
	snprintf(out, outlen, "FIO ");
	fio_json_format(&r, out + 4, outlen - 4);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/* fio's command line: the agent's fixed part, then the request's checked options. */
struct agent_fio_cmd {
	char copy[1024], dir[300], opts[AGENT_FIO_MAX_OPTS][160];
	char *argv[AGENT_FIO_MAX_OPTS + 8];
	long timeout_s;
};

/* "<timeout_s> key=value ..." into c; 0, or -errno with out saying which part was refused. */
static int agent_fio_parse(const char *mnt, const char *args, struct agent_fio_cmd *c, char *out,
			   size_t outlen)
{
	char *save = NULL, *tok, *end;
	int argc = 0, n = 0, rc;

	snprintf(c->copy, sizeof(c->copy), "%s", args);
	c->timeout_s = strtol(c->copy, &end, 10);
	if (end == c->copy || (*end && *end != ' ') || c->timeout_s < 1 ||
	    c->timeout_s > AGENT_FIO_TIMEOUT_MAX) {
		snprintf(out, outlen,
			 "malformed @@FIO: want '<timeout_s 1..%d> key=value ...', got "
			 "'%.60s'",
			 AGENT_FIO_TIMEOUT_MAX, args);
		return -EINVAL;
	}
	snprintf(c->dir, sizeof(c->dir), "--directory=%s", mnt);
	c->argv[argc++] = AGENT_FIO_BIN;
	c->argv[argc++] = "--output-format=json";
	c->argv[argc++] = "--output=" AGENT_FIO_JSON;
	c->argv[argc++] = "--name=bh";
	c->argv[argc++] = c->dir;
	c->argv[argc++] = "--group_reporting";
	for (tok = strtok_r(end, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (n == AGENT_FIO_MAX_OPTS) {
			snprintf(out, outlen, "more than %d fio options", AGENT_FIO_MAX_OPTS);
			return -E2BIG;
		}
		/* A cut value would be another value: refuse instead */
		if (strlen(tok) + 3 > sizeof(c->opts[n])) {
			snprintf(out, outlen, "fio option '%.40s...' longer than %zu bytes", tok,
				 sizeof(c->opts[n]) - 3);
			return -E2BIG;
		}
		rc = agent_fio_check(tok, out, outlen);
		if (rc)
			return rc;
		snprintf(c->opts[n], sizeof(c->opts[n]), "--%s", tok);
		c->argv[argc++] = c->opts[n++];
	}
	c->argv[argc] = NULL;
	return 0;
}

int agent_fio_run(const char *mnt, const char *args, char *out, size_t outlen)
{
	struct agent_fio_cmd c;
	long timeout_s;
	int st = 0, rc = agent_fio_parse(mnt, args, &c, out, outlen);
	pid_t pid;

	if (rc)
		return rc;
	timeout_s = c.timeout_s;
	if (access(AGENT_FIO_BIN, X_OK)) {
		snprintf(out, outlen, "%s: %s (initramfs built without fio: make qemu-image)",
			 AGENT_FIO_BIN, strerror(errno));
		return -ENOENT;
	}
	unlink(AGENT_FIO_JSON);
	rc = agent_fio_spawn(c.argv, &pid);
	if (rc) {
		snprintf(out, outlen, "fork for fio: %s", strerror(-rc));
		return rc;
	}
	rc = agent_fio_wait(pid, timeout_s, &st);
	if (rc == -ETIMEDOUT) {
		snprintf(out, outlen, "fio still running after %ld s: killed", timeout_s);
		return rc;
	}
	if (rc || !WIFEXITED(st) || WEXITSTATUS(st)) {
		char why[256];

		agent_fio_errline(why, sizeof(why));
		snprintf(out, outlen, "fio %s %d: %s",
			 rc		 ? "wait failed"
			 : WIFEXITED(st) ? "exited with status"
					 : "killed by signal",
			 rc		 ? -rc
			 : WIFEXITED(st) ? WEXITSTATUS(st)
					 : WTERMSIG(st),
			 why);
		return rc ? rc : -EIO;
	}
	return agent_fio_report(out, outlen);
}
