/* qemu_fe.c - boot the arm64 guest under QEMU, wait for its agent, send it steps, power it
 * off. Every wait is bounded; any failure names the guest console tail and QEMU's output. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "qemu_argv.h"
#include "qemu_console.h"
#include "qemu_fe.h"
#include "qemu_fe_priv.h"
#include "qemu_proc.h"

#define QEMU_FE_BOOT_DEFAULT_MS 60000
#define QEMU_FE_POWEROFF_MS 10000 /* sync + umount + PSCI off; then QEMU is killed */
#define QEMU_FE_TAIL_LINES 20
#define QEMU_FE_TAIL_MAX 4096
#define QEMU_FE_STEP_DEFAULT_MS 30000
#define QEMU_FE_CHECK_MS 200 /* boot_check period */
/* Transfer allowance: the guest's PL011 under TCG reads ~36 bytes/ms; allow for a third. */
#define QEMU_FE_CONSOLE_BYTES_PER_MS 12

static int64_t qemu_fe_deadline(int timeout_ms)
{
	return clock_now_ns() + (int64_t)timeout_ms * 1000000;
}

static int qemu_fe_open_log(const char *dir, const char *name, char *path, size_t len)
{
	int fd;

	if ((size_t)snprintf(path, len, "%s/%s", dir, name) >= len)
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;

		log_err("qemu: cannot create %s: %s", path, strerror(e));
		return -e;
	}
	return fd;
}

/* The command line goes first in qemu.log so a failed boot can be reproduced by hand. */
static void qemu_fe_log_cmd(int fd, const struct qemu_argv *a)
{
	for (int i = 0; i < a->argc; i++) {
		const char *q = strchr(a->argv[i], ' ') ? "'" : "";

		dprintf(fd, "%s%s%s%s", q, a->argv[i], q, i + 1 < a->argc ? " " : "\n");
	}
	log_debug("qemu: starting %s ... %s", a->argv[0], a->argv[a->argc - 1]);
}

/* Last bytes of QEMU's own output (qemu.log), as lines. */
static void qemu_fe_qemu_log_tail(const struct qemu_fe *q, char *buf, size_t len)
{
	char raw[1024];
	ssize_t n = 0;
	int fd = open(q->qemu_log, O_RDONLY | O_CLOEXEC);
	off_t end;

	buf[0] = '\0';
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	if (end > 0) {
		off_t from = end > (off_t)sizeof(raw) - 1 ? end - (off_t)sizeof(raw) + 1 : 0;

		n = pread(fd, raw, sizeof(raw) - 1, from);
	}
	close(fd);
	if (n <= 0)
		return;
	raw[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if ((unsigned char)raw[i] < 0x20 && raw[i] != '\n')
			raw[i] = '?';
	snprintf(buf, len, "%s", raw);
}

void qemu_fe_console_tail(struct qemu_fe *q, char *buf, size_t len)
{
	char con[QEMU_FE_TAIL_MAX], ql[1100];

	if (!len)
		return;
	qemu_console_tail(&q->con, con, sizeof(con), QEMU_FE_TAIL_LINES);
	qemu_fe_qemu_log_tail(q, ql, sizeof(ql));
	snprintf(buf, len, "--- guest console (last lines) ---\n%s\n--- %s (tail) ---\n%s",
		 con[0] ? con : "(nothing)", q->qemu_log, ql[0] ? ql : "(nothing)");
}

/* Wait for @@BAOHARNESS READY. 0, -EIO (agent FAIL), -ETIMEDOUT, -EPIPE, -ECANCELED (the
 * caller's check found the boot lost, e.g. the device model refused the device). */
static int qemu_fe_wait_ready(struct qemu_fe *q, const struct qemu_fe_opts *o, int64_t deadline,
			      char *why, size_t whylen)
{
	char msg[QEMU_CONSOLE_MSG_MAX];

	for (;;) {
		int64_t slice = clock_now_ns() + QEMU_FE_CHECK_MS * 1000000LL;
		int n = qemu_console_next_msg(&q->con, msg, sizeof(msg),
					      o->boot_check && slice < deadline ? slice : deadline);

		if (n == -ETIMEDOUT && clock_now_ns() < deadline) {
			if (o->boot_check(o->boot_check_arg, why, whylen))
				return -ECANCELED;
			continue;
		}
		if (n < 0) {
			if (o->boot_check && o->boot_check(o->boot_check_arg, why, whylen))
				return -ECANCELED;
			snprintf(why, whylen, "%s",
				 n == -ETIMEDOUT ? "no @@BAOHARNESS READY in time"
						 : "QEMU closed the console before READY");
			return n;
		}
		if (!strcmp(msg, "@@BAOHARNESS READY"))
			return 0;
		if (!strncmp(msg, "@@BAOHARNESS FAIL", 17)) {
			snprintf(why, whylen, "guest agent: %s", msg + 17 + (msg[17] == ' '));
			return -EIO;
		}
		log_debug("qemu: ignoring '%s' before READY", msg);
	}
}

static void qemu_fe_free(struct qemu_fe *q)
{
	qemu_console_close(&q->con);
	if (q->con_log_fd >= 0)
		close(q->con_log_fd);
	if (q->qemu_log_fd >= 0)
		close(q->qemu_log_fd);
	if (q->sock[0])
		unlink(q->sock);
	free(q);
}

/* Boot failure: say why with both tails, then make sure QEMU is gone. */
/* The guest console's last words that name a cause: a kernel panic or oops, a stub panic. */
static void qemu_fe_console_cause(struct qemu_fe *q, char *buf, size_t len)
{
	static const char *const marks[] = {"Kernel panic", "Internal error", "bao-el2: PANIC",
					    "Unable to handle", NULL};
	char con[QEMU_FE_TAIL_MAX];

	buf[0] = '\0';
	qemu_console_tail(&q->con, con, sizeof(con), QEMU_FE_TAIL_LINES);
	for (int i = 0; marks[i] && !buf[0]; i++) {
		const char *m = strstr(con, marks[i]);

		if (m)
			snprintf(buf, len, "%.*s", (int)strcspn(m, "\r\n"), m);
	}
}

static int qemu_fe_start_failed(struct qemu_fe *q, int rc, const char *why, int64_t t0,
				const struct qemu_fe_opts *o)
{
	char tail[QEMU_FE_TAIL_MAX + 1200], st[400], cause[240];
	int status;

	/* A closed console before READY mostly means QEMU quit: say how (its log says why). */
	if ((rc == -EPIPE || rc == -ECHILD) && q->pid > 0 &&
	    qemu_proc_wait(q->pid, 1000, &status)) {
		q->pid = 0;
		qemu_fe_console_cause(q, cause, sizeof(cause));
		snprintf(st, sizeof(st), "%s; QEMU %s %d%s%s", why,
			 WIFEXITED(status) ? "exited with status" : "was killed by signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			 cause[0] ? "; the guest said: " : "", cause);
		why = st;
		rc = -ECHILD;
	}
	if (o && o->fail_why)
		snprintf(o->fail_why, o->fail_why_len, "%s", why);
	qemu_fe_console_tail(q, tail, sizeof(tail));
	log_err("qemu: boot failed after %.1f s: %s (%s)\n%s", (double)(clock_now_ns() - t0) / 1e9,
		why, strerror(-rc), tail);
	if (q->pid > 0)
		qemu_proc_kill(q->pid, QEMU_FE_KILL_MS);
	qemu_fe_free(q);
	return rc;
}

int qemu_fe_start(const struct qemu_fe_opts *o, struct qemu_fe **out)
{
	int64_t t0 = clock_now_ns();
	int boot_ms = o->boot_timeout_ms > 0 ? o->boot_timeout_ms : QEMU_FE_BOOT_DEFAULT_MS;
	char why[512], logpath[PATH_MAX];
	struct qemu_argv argv;
	struct qemu_fe *q;
	int rc;

	*out = NULL;
	if (!o->workdir) {
		log_err("qemu: option workdir is required");
		return -EINVAL;
	}
	if (mkdir(o->workdir, 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		log_err("qemu: cannot create workdir %s: %s", o->workdir, strerror(-rc));
		return rc;
	}
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->con.fd = -1;
	q->con.log_fd = -1;
	q->con_log_fd = q->qemu_log_fd = -1;
	if ((size_t)snprintf(q->sock, sizeof(q->sock), "%s/console.sock", o->workdir) >=
	    sizeof(q->sock)) {
		q->sock[0] = '\0';
		return qemu_fe_start_failed(q, -ENAMETOOLONG, "workdir path too long", t0, o);
	}
	unlink(q->sock); /* a stale socket from an earlier run would make QEMU fail to bind */
	if ((rc = qemu_fe_open_log(o->workdir, "qemu.log", q->qemu_log, sizeof(q->qemu_log))) < 0)
		return qemu_fe_start_failed(q, rc, "cannot create qemu.log", t0, o);
	q->qemu_log_fd = rc;
	if ((rc = qemu_fe_open_log(o->workdir, "console.log", logpath, sizeof(logpath))) < 0)
		return qemu_fe_start_failed(q, rc, "cannot create console.log", t0, o);
	q->con_log_fd = rc;
	if ((rc = qemu_argv_build(&argv, o, q->sock)) < 0)
		return qemu_fe_start_failed(q, rc, "cannot build the QEMU command line", t0, o);
	qemu_fe_log_cmd(q->qemu_log_fd, &argv);
	rc = qemu_proc_spawn_in(argv.argv, q->qemu_log_fd, o->pgid);
	if (rc < 0) {
		snprintf(why, sizeof(why), "cannot start %s", argv.argv[0]);
		qemu_argv_free(&argv);
		return qemu_fe_start_failed(q, rc, why, t0, o);
	}
	qemu_argv_free(&argv);
	q->pid = rc;
	rc = qemu_console_connect(&q->con, q->sock, q->pid, q->con_log_fd,
				  qemu_fe_deadline(boot_ms));
	if (rc < 0)
		return qemu_fe_start_failed(q, rc,
					    rc == -ECHILD ? "no console socket"
							  : "cannot connect to the console socket",
					    t0, o);
	q->con.verbose = o->verbose;
	q->shell = o->shell;
	if (q->shell) {
		/* No agent: the caller talks to the shell (qemu_interact). */
		log_info("qemu: guest booting with a shell on its console (mode %s, pid %d)",
			 o->mode, (int)q->pid);
		*out = q;
		return 0;
	}
	if ((rc = qemu_fe_wait_ready(q, o, t0 + (int64_t)boot_ms * 1000000, why, sizeof(why))) < 0)
		return qemu_fe_start_failed(q, rc, why, t0, o);
	log_info("qemu: guest ready in %.2f s (mode %s, pid %d)",
		 (double)(clock_now_ns() - t0) / 1e9, o->mode, (int)q->pid);
	*out = q;
	return 0;
}

/* A line of the guest watchdog's report: logged, and kept (bounded) for a timeout's reason. */
static void qemu_fe_evidence(struct qemu_fe *q, const char *line)
{
	size_t room = sizeof(q->evidence) - q->evidence_len;
	int n;

	log_info("qemu: guest: %s", line);
	if (room < 2)
		return;
	n = snprintf(q->evidence + q->evidence_len, room, "%s%s", q->evidence_len ? " | " : "",
		     line);
	if (n > 0)
		q->evidence_len += (size_t)n < room ? (size_t)n : room - 1;
}

/* Send one request line and wait for "@@RESULT <expect> ok|fail why". */
static int qemu_fe_request(struct qemu_fe *q, const char *req, size_t len, unsigned int expect,
			   int timeout_ms, char *why, size_t whylen)
{
	int64_t deadline;
	char msg[QEMU_CONSOLE_MSG_MAX];
	int rc;

	if (q->broken) {
		snprintf(why, whylen, "guest unusable: %s", q->broken_why);
		return q->broken;
	}
	if (q->shell) {
		snprintf(why, whylen, "the guest runs a shell, not the agent (shell mode)");
		return -EINVAL;
	}
	if (timeout_ms <= 0)
		timeout_ms = QEMU_FE_STEP_DEFAULT_MS;
	deadline = qemu_fe_deadline(timeout_ms);
	q->evidence_len = 0;
	q->evidence[0] = '\0';
	rc = qemu_console_send(&q->con, req, len, deadline);
	while (rc == 0) {
		unsigned long no;
		char *end;

		rc = qemu_console_next_msg(&q->con, msg, sizeof(msg), deadline);
		if (rc < 0)
			break;
		rc = 0;
		if (!strncmp(msg, "@@GUEST ", 8)) {
			qemu_fe_evidence(q, msg + 8);
			continue;
		}
		if (!strncmp(msg, "@@BAOHARNESS FAIL", 17)) {
			snprintf(why, whylen, "guest agent: %s", msg + 17);
			rc = -EIO;
			break;
		}
		if (strncmp(msg, "@@RESULT ", 9))
			continue;
		no = strtoul(msg + 9, &end, 10);
		if (end == msg + 9 || no != expect) {
			/* A late answer to an earlier request: not ours. */
			log_debug("qemu: ignoring '%.80s' while waiting for result %u", msg,
				  expect);
			continue;
		}
		if (!strcmp(end, " ok"))
			return 0;
		if (!strncmp(end, " fail", 5)) {
			snprintf(why, whylen, "%s", end[5] == ' ' ? end + 6 : "failed (no reason)");
			return 1;
		}
		snprintf(why, whylen, "malformed result line '%.80s'", msg);
		rc = -EPROTO;
	}
	if (rc == -ETIMEDOUT)
		snprintf(why, whylen, "no result from the guest within %d ms%s%s", timeout_ms,
			 q->evidence_len ? "; the guest: " : "", q->evidence);
	return qemu_fe_broken(q, rc, why, whylen);
}

int qemu_fe_broken(struct qemu_fe *q, int rc, char *why, size_t whylen)
{
	if (rc == -EPIPE)
		snprintf(why, whylen, "QEMU closed the guest console");
	else if (rc != -ETIMEDOUT && rc != -EIO && rc != -EPROTO)
		snprintf(why, whylen, "console: %s", strerror(-rc));
	q->broken = rc;
	snprintf(q->broken_why, sizeof(q->broken_why), "%s", why);
	return rc;
}

int qemu_fe_step(struct qemu_fe *q, unsigned int line_no, const char *step_text, int timeout_ms,
		 char *why, size_t whylen)
{
	size_t n = strlen(step_text);
	char *req;
	int len, rc;

	why[0] = '\0';
	if (n && step_text[n - 1] == '\n')
		n--;
	if (memchr(step_text, '\n', n)) {
		snprintf(why, whylen, "step text of line %u holds a newline", line_no);
		return -EINVAL;
	}
	req = malloc(n + 32);
	if (!req)
		return -ENOMEM;
	len = snprintf(req, 32, "@@STEP %u ", line_no);
	memcpy(req + len, step_text, n);
	req[len + n] = '\n';
	if (timeout_ms <= 0)
		timeout_ms = QEMU_FE_STEP_DEFAULT_MS;
	/* The emulated UART moves ~36 KB/s: a long step's transfer must not eat its timeout. */
	if (n / QEMU_FE_CONSOLE_BYTES_PER_MS < (size_t)(INT_MAX - timeout_ms))
		timeout_ms += (int)(n / QEMU_FE_CONSOLE_BYTES_PER_MS);
	rc = qemu_fe_request(q, req, (size_t)len + n + 1, line_no, timeout_ms, why, whylen);
	free(req);
	return rc;
}

int qemu_fe_remount(struct qemu_fe *q, int timeout_ms, char *why, size_t whylen)
{
	static const char req[] = "@@REMOUNT\n";

	why[0] = '\0';
	return qemu_fe_request(q, req, sizeof(req) - 1, 0, timeout_ms, why, whylen);
}

int qemu_fe_reset(struct qemu_fe *q, int timeout_ms, char *why, size_t whylen)
{
	static const char req[] = "@@RESET\n";

	why[0] = '\0';
	return qemu_fe_request(q, req, sizeof(req) - 1, 0, timeout_ms, why, whylen);
}

int qemu_fe_pid(const struct qemu_fe *q)
{
	return (int)q->pid;
}

void qemu_fe_stop(struct qemu_fe *q)
{
	static const char req[] = "@@POWEROFF\n";
	int64_t deadline = qemu_fe_deadline(QEMU_FE_POWEROFF_MS);
	int status = 0, gone = 0;

	if (!q)
		return;
	if (q->pid <= 0) { /* already reaped (qemu_interact) */
		qemu_fe_free(q);
		return;
	}
	/* Ask nicely when the console still works, reading output so QEMU never blocks on it;
	 * never in shell mode, where the request would be typed into the shell. */
	if (!q->broken && !q->shell &&
	    qemu_console_send(&q->con, req, sizeof(req) - 1, deadline) == 0) {
		while (!(gone = qemu_proc_wait(q->pid, 0, &status)) && clock_now_ns() < deadline)
			qemu_console_drain(&q->con, 20);
	}
	if (!gone) {
		if (q->shell)
			log_debug("qemu: stopping pid %d (shell mode)", (int)q->pid);
		else if (q->broken)
			log_debug("qemu: guest unusable (%s); killing pid %d", q->broken_why,
				  (int)q->pid);
		else
			log_warn("qemu: pid %d did not power off in time; killing it", (int)q->pid);
		status = qemu_proc_kill(q->pid, QEMU_FE_KILL_MS);
	} else {
		log_debug("qemu: pid %d powered off (wait status 0x%x)", (int)q->pid, status);
	}
	q->pid = 0;
	qemu_fe_free(q);
}
