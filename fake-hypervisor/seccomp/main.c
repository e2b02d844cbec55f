/* main.c - bao-dm-supervise: runs a device model - statically linked ones too, which
 * LD_PRELOAD cannot reach - with Bao's /dev/bao-io-dispatcher served by fakebao through a
 * seccomp user-notification filter, and exits with the device model's status. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "supervise_args.h"
#include "supervise_bao.h"
#include "supervise_child.h"
#include "supervise_loop.h"
#include "supervise_notif.h"

extern char **environ;

/* LD_PRELOAD (the stack sets fakebao's preload library and the sanitizer runtime) must reach
 * neither the device model nor this program: start again without it. */
static void main_drop_preload(char **argv)
{
	const char *p = getenv("LD_PRELOAD");

	if (!p)
		return;
	log_debug("LD_PRELOAD=%s removed; starting again without it", p);
	unsetenv("LD_PRELOAD");
	execv("/proc/self/exe", argv);
	log_warn("exec /proc/self/exe without LD_PRELOAD failed: %s; carrying on", strerror(errno));
}

/* What this needs beyond seccomp user notification itself (checked when the child installs
 * it): struct sizes we know, and kcmp to recognise our fds in the child. */
static int main_check_kernel(void)
{
	int fd = memfd_create("bao-dm-supervise-kcmp", MFD_CLOEXEC), r;

	r = supervise_notif_check_sizes();
	if (r)
		goto out;
	if (fd < 0) {
		r = -errno;
		log_err("memfd_create failed: %s", strerror(-r));
		goto out;
	}
	r = supervise_notif_same_file(getpid(), fd, fd);
	if (r != 1) {
		log_err(
		    "kcmp(KCMP_FILE) on our own fd %d gave %d (%s): the kernel needs CONFIG_KCMP",
		    fd, r, r < 0 ? strerror(-r) : "not the same file");
		r = r < 0 ? r : -EPROTO;
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

static int main_signals(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		log_err("signalfd failed: %s", strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	static struct supervise_bao b;
	struct supervise_child_exec e;
	struct supervise_child c;
	struct supervise_args a;
	int r, sigfd, st;

	log_set_component("bao-dm-supervise");
	main_drop_preload(argv);
	r = supervise_args_parse(argc, argv, &a, stderr);
	if (r)
		return r > 0 ? 0 : 2;
	if (a.verbose)
		log_set_level(a.verbose > 1 ? LOG_DEBUG : LOG_INFO);
	if (main_check_kernel())
		return SUPERVISE_CHILD_SETUP_FAILED;
	sigfd = main_signals();
	if (sigfd < 0)
		return SUPERVISE_CHILD_SETUP_FAILED;
	if (a.program)
		log_info("running %s in place of %s", a.program, argv[a.first]);
	argv[a.first] = (char *)a.path;
	e = (struct supervise_child_exec){a.path, &argv[a.first], environ};
	if (supervise_child_spawn(supervise_child_exec, &e, &c))
		return SUPERVISE_CHILD_SETUP_FAILED;
	log_info("%s is pid %d, without LD_PRELOAD", a.path, (int)c.pid);
	r = supervise_bao_init(&b, c.listener);
	if (r) {
		kill(c.pid, SIGKILL);
		waitpid(c.pid, &st, 0);
		st = r;
	} else {
		st = supervise_loop_run(&b, c.pid, sigfd);
	}
	supervise_bao_destroy(&b, 1000);
	supervise_bao_summary(&b);
	if (st < 0) {
		log_err("supervising %s (pid %d) failed: %s", a.path, (int)c.pid, strerror(-st));
		return SUPERVISE_CHILD_SETUP_FAILED;
	}
	if (WIFSIGNALED(st)) {
		log_info("%s (pid %d) killed by signal %d", a.path, (int)c.pid, WTERMSIG(st));
		return 128 + WTERMSIG(st);
	}
	log_info("%s (pid %d) exited with status %d", a.path, (int)c.pid, WEXITSTATUS(st));
	return WEXITSTATUS(st);
}
