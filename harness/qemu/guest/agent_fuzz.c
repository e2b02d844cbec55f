/* agent_fuzz.c - the guest side of `baoharness fuzz guest` (issue 18): a child process runs a
 * busy FUSE workload on the mount (lookups, reads, writes, readdir, create/unlink, rename,
 * symlinks, remounts) and checks every result against what POSIX allows; the agent watches
 * /dev/kmsg for the kernel's own oracles (Oops, BUG, WARNING, UBSAN, KASAN, ...) and the child
 * for death or a hang. The child, not PID 1, takes an oops, so the guest keeps reporting. */
#include "agent_fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define AGENT_FUZZ_FILES 8
#define AGENT_FUZZ_BUF 16384
#define AGENT_FUZZ_GRACE_MS 8000 /* past the round: a child still in the kernel is hung */
#define AGENT_FUZZ_ANOMALIES 16	 /* distinct ones reported per round */

struct agent_fuzz_child {
	int out; /* pipe to the agent */
	const char *mnt;
	char dir[128];
	uint64_t rng;
	unsigned long ops, errors, mount_fail;
	unsigned remount_pct; /* a remount (fresh FUSE_INIT) in this many ops of 100 */
	char seen[AGENT_FUZZ_ANOMALIES][96];
	int nseen;
	uint8_t buf[AGENT_FUZZ_BUF + 64];
};

static long long agent_fuzz_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t agent_fuzz_rand(struct agent_fuzz_child *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return (uint32_t)(c->rng >> 11);
}

/* One line to the agent: "A what" (an impossible result), sent once per distinct kind. */
static void agent_fuzz_anomaly(struct agent_fuzz_child *c, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void agent_fuzz_anomaly(struct agent_fuzz_child *c, const char *kind, const char *fmt, ...)
{
	char line[400];
	va_list ap;
	int n;

	for (int i = 0; i < c->nseen; i++)
		if (!strcmp(c->seen[i], kind))
			return;
	if (c->nseen < AGENT_FUZZ_ANOMALIES)
		snprintf(c->seen[c->nseen++], sizeof(c->seen[0]), "%s", kind);
	n = snprintf(line, sizeof(line), "A %s: ", kind);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	line[strcspn(line, "\n")] = '\0';
	strcat(line, "\n");
	if (write(c->out, line, strlen(line)) < 0)
		return;
}

static void agent_fuzz_path(struct agent_fuzz_child *c, char *p, size_t len, const char *kind,
			    unsigned k)
{
	snprintf(p, len, "%s/%s%u", c->dir, kind, k % AGENT_FUZZ_FILES);
}

/* Any result other than 0/-1 from a call that returns 0/-1 is impossible. */
static void agent_fuzz_rc(struct agent_fuzz_child *c, const char *what, long rc)
{
	c->ops++;
	if (rc < 0)
		c->errors++;
	if (rc < -1 ||
	    (rc > 0 && strcmp(what, "read") && strcmp(what, "write") && strcmp(what, "readlink") &&
	     strcmp(what, "getdents64") && strcmp(what, "open")))
		agent_fuzz_anomaly(c, what, "%s returned %ld", what, rc);
}

static void agent_fuzz_stat(struct agent_fuzz_child *c, const char *p)
{
	struct stat st;
	int rc = lstat(p, &st);

	agent_fuzz_rc(c, "lstat", rc);
	if (rc)
		return;
	if (st.st_size < 0)
		agent_fuzz_anomaly(c, "stat-size", "lstat %s: st_size %lld", p,
				   (long long)st.st_size);
	if (st.st_blocks < 0)
		agent_fuzz_anomaly(c, "stat-blocks", "lstat %s: st_blocks %lld", p,
				   (long long)st.st_blocks);
	if ((st.st_mode & S_IFMT) == 0)
		agent_fuzz_anomaly(c, "stat-mode", "lstat %s: st_mode 0%o has no file type", p,
				   st.st_mode);
}

static void agent_fuzz_write(struct agent_fuzz_child *c, const char *p)
{
	size_t n = agent_fuzz_rand(c) % AGENT_FUZZ_BUF + 1;
	int fd = open(p, O_CREAT | O_WRONLY | (agent_fuzz_rand(c) & 1 ? O_TRUNC : O_APPEND), 0644);
	ssize_t w;

	agent_fuzz_rc(c, "open", fd < 0 ? -1 : 0);
	if (fd < 0)
		return;
	memset(c->buf, (int)(agent_fuzz_rand(c) & 0xff), n);
	w = write(fd, c->buf, n);
	agent_fuzz_rc(c, "write", w);
	if (w > (ssize_t)n)
		agent_fuzz_anomaly(c, "write-long", "write %s of %zu bytes returned %zd", p, n, w);
	if (agent_fuzz_rand(c) % 4 == 0)
		agent_fuzz_rc(c, "fsync", fsync(fd));
	close(fd);
}

static void agent_fuzz_read(struct agent_fuzz_child *c, const char *p)
{
	size_t n = agent_fuzz_rand(c) % AGENT_FUZZ_BUF + 1;
	int fd = open(p, O_RDONLY);
	ssize_t r;

	agent_fuzz_rc(c, "open", fd < 0 ? -1 : 0);
	if (fd < 0)
		return;
	/* A guard past the buffer: a read longer than asked would show there too. */
	memset(c->buf + n, 0xa5, 64);
	r = agent_fuzz_rand(c) & 1 ? read(fd, c->buf, n)
				   : pread(fd, c->buf, n, (off_t)(agent_fuzz_rand(c) % 8192));
	agent_fuzz_rc(c, "read", r);
	if (r > (ssize_t)n)
		agent_fuzz_anomaly(c, "read-long", "read %s of %zu bytes returned %zd", p, n, r);
	for (int i = 0; i < 64; i++)
		if (c->buf[n + i] != 0xa5) {
			agent_fuzz_anomaly(c, "read-overrun", "read %s of %zu bytes wrote past it",
					   p, n);
			break;
		}
	close(fd);
}

/* getdents64 straight, so the kernel's own records are checked, not libc's view of them. */
static void agent_fuzz_readdir(struct agent_fuzz_child *c, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	size_t ask = 256 + agent_fuzz_rand(c) % 4096;
	long n;

	agent_fuzz_rc(c, "open", fd < 0 ? -1 : 0);
	if (fd < 0)
		return;
	for (int rounds = 0; rounds < 64; rounds++) {
		n = syscall(SYS_getdents64, fd, c->buf, ask);
		agent_fuzz_rc(c, "getdents64", n);
		if (n <= 0)
			break;
		if ((size_t)n > ask) {
			agent_fuzz_anomaly(c, "getdents-long", "getdents64 %s of %zu returned %ld",
					   dir, ask, n);
			break;
		}
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(void *)(c->buf + off);
			size_t room = (size_t)(n - off), nl;

			if (room < offsetof(struct dirent64, d_name) + 1 || d->d_reclen > room ||
			    d->d_reclen < offsetof(struct dirent64, d_name) + 2) {
				agent_fuzz_anomaly(c, "dirent-reclen",
						   "getdents64 %s: record at %ld reclen %u of %zu",
						   dir, off, d->d_reclen, room);
				break;
			}
			nl = strnlen(d->d_name, d->d_reclen - offsetof(struct dirent64, d_name));
			if (nl == d->d_reclen - offsetof(struct dirent64, d_name))
				agent_fuzz_anomaly(c, "dirent-unterminated",
						   "getdents64 %s: name at %ld not NUL-terminated",
						   dir, off);
			else if (nl == 0)
				agent_fuzz_anomaly(c, "dirent-empty",
						   "getdents64 %s: empty name at %ld", dir, off);
			else if (memchr(d->d_name, '/', nl))
				agent_fuzz_anomaly(c, "dirent-slash",
						   "getdents64 %s: name '%.*s' holds '/'", dir,
						   (int)nl, d->d_name);
			off += d->d_reclen;
		}
	}
	close(fd);
}

static void agent_fuzz_symlink(struct agent_fuzz_child *c, const char *p, const char *target)
{
	char got[300];
	ssize_t r;

	unlink(p);
	agent_fuzz_rc(c, "symlink", symlink(target, p));
	r = readlink(p, got, 100);
	agent_fuzz_rc(c, "readlink", r);
	if (r > 100)
		agent_fuzz_anomaly(c, "readlink-long", "readlink %s of 100 returned %zd", p, r);
}

/* umount (lazily: the agent holds the old root) and mount again: a fresh FUSE_INIT. */
static void agent_fuzz_remount(struct agent_fuzz_child *c)
{
	int ok = 0;

	if (umount2(c->mnt, MNT_DETACH) < 0)
		return;
	for (int i = 0; i < 20 && !ok; i++) {
		ok = mount("myfs", c->mnt, "virtiofs", 0, "") == 0;
		agent_fuzz_rc(c, "mount", ok ? 0 : -1);
		if (!ok) {
			c->mount_fail++;
			usleep(50000);
		}
	}
	mkdir(c->dir, 0755);
}

static void agent_fuzz_op(struct agent_fuzz_child *c)
{
	char p[200], q[200];
	unsigned k = agent_fuzz_rand(c), op = agent_fuzz_rand(c) % 100;

	if (agent_fuzz_rand(c) % 100 < c->remount_pct) {
		agent_fuzz_remount(c);
		return;
	}
	agent_fuzz_path(c, p, sizeof(p), "f", k);
	agent_fuzz_path(c, q, sizeof(q), "f", k / 7 + 3);
	if (op < 18)
		agent_fuzz_write(c, p);
	else if (op < 38)
		agent_fuzz_read(c, p);
	else if (op < 52)
		agent_fuzz_stat(c, p);
	else if (op < 64)
		agent_fuzz_readdir(c, agent_fuzz_rand(c) & 1 ? c->dir : c->mnt);
	else if (op < 70)
		agent_fuzz_rc(c, "unlink", unlink(p));
	else if (op < 76)
		agent_fuzz_rc(c, "rename", rename(p, q));
	else if (op < 82) {
		agent_fuzz_path(c, q, sizeof(q), "l", k);
		agent_fuzz_symlink(c, q, p);
	} else if (op < 88) {
		agent_fuzz_path(c, q, sizeof(q), "d", k);
		agent_fuzz_rc(c, "mkdir", mkdir(q, 0755));
		agent_fuzz_stat(c, q);
		agent_fuzz_rc(c, "rmdir", rmdir(q));
	} else if (op < 94) {
		agent_fuzz_rc(c, "truncate", truncate(p, (off_t)(agent_fuzz_rand(c) % 20000)));
	} else {
		agent_fuzz_rc(c, "chmod", chmod(p, 0600 | (agent_fuzz_rand(c) & 0077)));
	}
}

static void agent_fuzz_child(int out, const char *mnt, long long ms, uint64_t seed,
			     unsigned remount_pct)
{
	static struct agent_fuzz_child c;
	long long end = agent_fuzz_now_ms() + ms;
	char line[160];

	memset(&c, 0, sizeof(c));
	c.out = out;
	c.mnt = mnt;
	c.rng = seed * 2654435761ULL + 1;
	c.remount_pct = remount_pct;
	snprintf(c.dir, sizeof(c.dir), "%s/fz", mnt);
	mkdir(c.dir, 0755);
	while (agent_fuzz_now_ms() < end)
		for (int i = 0; i < 16; i++)
			agent_fuzz_op(&c);
	snprintf(line, sizeof(line), "S %lu %lu %lu\n", c.ops, c.errors, c.mount_fail);
	if (write(out, line, strlen(line)) < 0)
		_exit(3);
	_exit(0);
}

/* The kernel's verdicts: a record naming one is an oracle; frames that follow its "Call
 * trace:" are collected for the host's deduplication. */
struct agent_fuzz_kmsg {
	int fd;
	int in_trace;
	char oracle[300];
	char frames[300];
	int nframes;
	unsigned long oracles, notes;
};

static int agent_fuzz_is_oracle(const char *m)
{
	static const char *const marks[] = {"Oops",
					    "BUG:",
					    "WARNING:",
					    "Kernel panic",
					    "soft lockup",
					    "hung_task",
					    "blocked for more than",
					    "UBSAN:",
					    "KASAN:",
					    "Unable to handle",
					    "Internal error",
					    "corruption",
					    "general protection",
					    NULL};

	for (int i = 0; marks[i]; i++)
		if (strstr(m, marks[i]))
			return 1;
	return 0;
}

static void agent_fuzz_flush(const struct agent_fuzz_io *io, struct agent_fuzz_kmsg *k)
{
	char line[700];

	if (!k->oracle[0])
		return;
	snprintf(line, sizeof(line), "@@ORACLE %s | frames: %s", k->oracle,
		 k->nframes ? k->frames : "(none)");
	io->say(io->ctx, line);
	k->oracle[0] = '\0';
	k->frames[0] = '\0';
	k->nframes = 0;
	k->in_trace = 0;
}

static void agent_fuzz_kmsg_drain(const struct agent_fuzz_io *io, struct agent_fuzz_kmsg *k)
{
	static const char *const skip[] = {"dump_backtrace",
					   "show_stack",
					   "dump_stack",
					   "__warn",
					   "report_bug",
					   "bug_handler",
					   "call_break_hook",
					   "brk_handler",
					   "do_debug_exception",
					   "el1",
					   "panic",
					   "ubsan_",
					   "__ubsan",
					   "kasan_",
					   "__asan",
					   "print_",
					   NULL};
	char rec[1024], line[400];

	for (int i = 0; k->fd >= 0 && i < 512; i++) {
		ssize_t n = read(k->fd, rec, sizeof(rec) - 1);
		char *msg;

		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = '\0';
		/* An oops is "Unable to handle ..." then "Internal error: Oops": one oracle. */
		if (k->oracle[0] && !k->in_trace && strstr(msg, "Internal error")) {
			size_t used = strlen(k->oracle);

			snprintf(k->oracle + used, sizeof(k->oracle) - used, " / %.80s", msg);
			continue;
		}
		if (agent_fuzz_is_oracle(msg)) {
			agent_fuzz_flush(io, k);
			snprintf(k->oracle, sizeof(k->oracle), "%.250s", msg);
			k->oracles++;
			continue;
		}
		if (k->oracle[0] && strstr(msg, "Call trace:")) {
			k->in_trace = 1;
			continue;
		}
		if (k->in_trace && k->nframes < 5) {
			char *f = msg + strspn(msg, " ");
			size_t fl = strcspn(f, "+ ");
			int skipped = 0;

			for (int s = 0; skip[s]; s++)
				if (!strncmp(f, skip[s], strlen(skip[s])))
					skipped = 1;
			if (!skipped && fl && fl < 60) {
				size_t used = strlen(k->frames);

				snprintf(k->frames + used, sizeof(k->frames) - used, "%s%.*s",
					 k->nframes ? " < " : "", (int)fl, f);
				k->nframes++;
			}
			continue;
		}
		/* The driver's own complaints: how a mutation was caught, not a finding. */
		if (strstr(msg, "virtio") || strstr(msg, "fuse")) {
			k->notes++;
			snprintf(line, sizeof(line), "@@NOTE %.300s", msg);
			io->say(io->ctx, line);
		}
	}
}

/* The hung child: where it is (wchan, stack) for the host's deduplication. */
static void agent_fuzz_hang(const struct agent_fuzz_io *io, pid_t pid)
{
	char path[64], buf[2048], names[400], line[600], *save = NULL;
	size_t off = 0;
	int fd, n = 0;
	ssize_t r;

	names[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/stack", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	r = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[r > 0 ? r : 0] = '\0';
	for (char *l = strtok_r(buf, "\n", &save); l && n < 6 && off < 350;
	     l = strtok_r(NULL, "\n", &save), n++) {
		char *f = strchr(l, ']');

		f = f ? f + 1 + (f[1] == ' ') : l;
		f[strcspn(f, "+")] = '\0';
		off +=
		    (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", n ? " < " : "", f);
	}
	snprintf(line, sizeof(line), "@@HANG workload blocked in the kernel | frames: %s",
		 names[0] ? names : "(unknown)");
	io->say(io->ctx, line);
}

/* Lines from the child: "A ..." anomalies, "S ops errors mount_fail" at the end. */
static void agent_fuzz_pipe(const struct agent_fuzz_io *io, char *acc, size_t *len,
			    unsigned long st[3], unsigned long *anomalies)
{
	char *nl, line[500];

	while ((nl = memchr(acc, '\n', *len))) {
		*nl = '\0';
		if (acc[0] == 'A') {
			(*anomalies)++;
			snprintf(line, sizeof(line), "@@ANOMALY %.400s", acc + 2);
			io->say(io->ctx, line);
		} else if (acc[0] == 'S') {
			sscanf(acc + 2, "%lu %lu %lu", &st[0], &st[1], &st[2]);
		}
		*len -= (size_t)(nl + 1 - acc);
		memmove(acc, nl + 1, *len);
	}
}

void agent_fuzz_run(const struct agent_fuzz_io *io, const char *args)
{
	struct agent_fuzz_kmsg k = {.fd = -1};
	unsigned long st[3] = {0, 0, 0}, anomalies = 0;
	char acc[4096], line[300];
	size_t alen = 0;
	long long ms = 0, deadline;
	unsigned long long seed = 1;
	unsigned remount_pct = 1;
	int p[2], status = 0, reaped = 0, hung = 0;
	pid_t pid;

	if (sscanf(args, "%lld %llu %u", &ms, &seed, &remount_pct) < 1 || ms < 1 || ms > 3600000 ||
	    remount_pct > 100) {
		snprintf(line, sizeof(line),
			 "@@RESULT 0 fail FUZZ wants '<ms 1..3600000> <seed> [remount %% 0..100]', "
			 "got '%.60s'",
			 args);
		io->say(io->ctx, line);
		return;
	}
	k.fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k.fd >= 0)
		lseek(k.fd, 0, SEEK_END);
	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		snprintf(line, sizeof(line), "@@RESULT 0 fail FUZZ: pipe/fork: %s",
			 strerror(errno));
		io->say(io->ctx, line);
		if (k.fd >= 0)
			close(k.fd);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		agent_fuzz_child(p[1], io->mnt, ms, seed, remount_pct);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	deadline = agent_fuzz_now_ms() + ms + AGENT_FUZZ_GRACE_MS;
	while (!reaped) {
		struct pollfd pf[2] = {{.fd = p[0], .events = POLLIN},
				       {.fd = k.fd, .events = POLLIN}};
		ssize_t n;

		poll(pf, k.fd >= 0 ? 2 : 1, 200);
		while ((n = read(p[0], acc + alen, sizeof(acc) - 1 - alen)) > 0) {
			alen += (size_t)n;
			agent_fuzz_pipe(io, acc, &alen, st, &anomalies);
			if (alen == sizeof(acc) - 1)
				alen = 0; /* an endless line: drop it */
		}
		agent_fuzz_kmsg_drain(io, &k);
		reaped = waitpid(pid, &status, WNOHANG) == pid;
		if (!reaped && agent_fuzz_now_ms() > deadline) {
			if (!hung)
				agent_fuzz_hang(io, pid);
			hung = 1;
			kill(pid, SIGKILL);
			/* An unkillable wait (D state) never ends: give up on it after 2 s. */
			if (agent_fuzz_now_ms() > deadline + 2000)
				break;
		}
	}
	for (ssize_t n; (n = read(p[0], acc + alen, sizeof(acc) - 1 - alen)) > 0;) {
		alen += (size_t)n;
		agent_fuzz_pipe(io, acc, &alen, st, &anomalies);
		if (alen == sizeof(acc) - 1)
			alen = 0;
	}
	close(p[0]);
	usleep(100000); /* the last records of an oops the child just died of */
	agent_fuzz_kmsg_drain(io, &k);
	agent_fuzz_flush(io, &k);
	if (k.fd >= 0)
		close(k.fd);
	snprintf(line, sizeof(line),
		 "@@RESULT 0 ok FUZZ ops=%lu errors=%lu mountfail=%lu anomalies=%lu oracles=%lu "
		 "notes=%lu hung=%d child=%s%d",
		 st[0], st[1], st[2], anomalies, k.oracles, k.notes, hung,
		 !reaped	       ? "stuck"
		 : WIFSIGNALED(status) ? "signal"
				       : "exit",
		 !reaped	       ? 0
		 : WIFSIGNALED(status) ? WTERMSIG(status)
				       : WEXITSTATUS(status));
	io->say(io->ctx, line);
}
