/* main.c - `bao-vu-shim`: the vhost-user shim between QEMU's vhost-user-fs-device and virtiofsd
 * for guest fuzzing on the qemu-native frontend (issue 18). Started only by the stack module
 * (harness/stack/stack_fe_native.c) in mutation mode: connects to virtiofsd (bounded), then
 * listens for QEMU's one connection (bounded) and proxies until either side hangs up. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "mut_relay.h"
#include "vhost_user.h"
#include "vu_shim.h"

#define MAIN_ACCEPT_MS 60000 /* QEMU starts after us; a guest boot never takes this long */

struct main_opts {
	const char *listen, *backend, *mutate, *mutate_dir;
	int connect_ms;
};

static int main_usage(const char *why)
{
	if (why)
		fprintf(stderr, "bao-vu-shim: %s\n", why);
	fprintf(
	    stderr,
	    "usage: bao-vu-shim --listen SOCKET --backend VIRTIOFSD_SOCKET\n"
	    "                   [--mutate-replies SEED:RATE --mutate-dir DIR] "
	    "[--connect-timeout MS] [-v|-vv]\n"
	    "  QEMU connects to SOCKET; every vhost-user message goes on to virtiofsd and back;\n"
	    "  with --mutate-replies one reply in RATE is mutated before QEMU is signalled\n"
	    "  (mutate.ctl and mutations.log in DIR, as bao-virtio-dm's mutation mode)\n");
	return 2;
}

static int main_args(int argc, char **argv, struct main_opts *o)
{
	static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
					     {"backend", required_argument, NULL, 'b'},
					     {"mutate-replies", required_argument, NULL, 'm'},
					     {"mutate-dir", required_argument, NULL, 'd'},
					     {"connect-timeout", required_argument, NULL, 't'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int c, verbose = 0;

	o->connect_ms = VHOST_USER_CONNECT_MS;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o->listen = optarg;
			break;
		case 'b':
			o->backend = optarg;
			break;
		case 'm':
			o->mutate = optarg;
			break;
		case 'd':
			o->mutate_dir = optarg;
			break;
		case 't':
			o->connect_ms = atoi(optarg);
			break;
		case 'v':
			verbose++;
			break;
		default:
			return main_usage(NULL);
		}
	}
	log_set_level(verbose >= 2 ? LOG_DEBUG : verbose ? LOG_INFO : LOG_WARN);
	if (optind < argc)
		return main_usage("unexpected argument");
	if (!o->listen || !o->backend)
		return main_usage("--listen and --backend are required");
	if (!o->mutate != !o->mutate_dir)
		return main_usage("--mutate-replies and --mutate-dir go together");
	if (strlen(o->listen) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return main_usage("--listen path too long");
	return 0;
}

/* Listen on path and take one connection within MAIN_ACCEPT_MS. The socket exists only once
 * virtiofsd is connected, so its appearance tells the stack the shim is ready. */
static int main_accept(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct pollfd p;
	int l, c, pr;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	unlink(path);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0) {
		int e = errno;

		log_err("shim: cannot listen on %s: %s", path, strerror(e));
		if (l >= 0)
			close(l);
		return -e;
	}
	p = (struct pollfd){.fd = l, .events = POLLIN};
	pr = poll(&p, 1, MAIN_ACCEPT_MS);
	if (pr <= 0) {
		log_err("shim: QEMU did not connect to %s within %d ms", path, MAIN_ACCEPT_MS);
		close(l);
		unlink(path);
		return -ETIMEDOUT;
	}
	c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		log_err("shim: accept on %s: %s", path, strerror(errno));
	close(l);
	unlink(path); /* one connection, like virtiofsd: nothing left behind */
	return c < 0 ? -errno : c;
}

int main(int argc, char **argv)
{
	struct main_opts o = {0};
	struct vhost_user back = {.fd = -1};
	struct mut_relay relay;
	bool relay_on = false;
	struct vu_shim s;
	uint64_t seed;
	uint32_t rate;
	int rc = main_args(argc, argv, &o), front;

	if (rc)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	if (o.mutate) {
		if (mut_relay_parse(o.mutate, &seed, &rate))
			return main_usage("--mutate-replies: want SEED:RATE (RATE 1..1000000)");
		if (mut_relay_init(&relay, seed, rate, o.mutate_dir))
			return 1;
		relay_on = true;
		if (mut_relay_run(&relay)) {
			mut_relay_destroy(&relay);
			return 1;
		}
	}
	rc = vhost_user_connect(&back, o.backend, o.connect_ms);
	front = rc ? -1 : main_accept(o.listen);
	if (!rc && front >= 0) {
		vu_shim_init(&s, front, back.fd, relay_on ? &relay : NULL);
		rc = vu_shim_run(&s);
		log_info("shim: done after %llu messages from QEMU, %llu from virtiofsd: %s",
			 (unsigned long long)s.msgs_front, (unsigned long long)s.msgs_back,
			 rc ? strerror(-rc) : "a side hung up");
		vu_shim_destroy(&s);
		close(front);
	} else if (!rc)
		rc = front;
	vhost_user_close(&back);
	if (relay_on)
		mut_relay_destroy(&relay);
	return rc ? 1 : 0;
}
