/* supervise_bao.h - Bao's io-dispatcher UAPI served to a device model under the seccomp
 * filter: open("/dev/bao-io-dispatcher") and the five ioctls answered through fakebao's
 * device-model client (fakebao_dm.c), every other open and ioctl let through to the kernel. */
#ifndef SUPERVISE_BAO_H
#define SUPERVISE_BAO_H

#include <linux/seccomp.h>
#include <stdatomic.h>
#include <stdint.h>

#include "fakebao_dm.h"
#include "supervise_attach.h"
#include "supervise_fds.h"
#include "supervise_filter.h"

struct supervise_bao {
	int listener;
	const char *sock_path; /* fakebao's socket (FAKEBAO_SOCKET_ENV), NULL if unset */
	int connect_ms;	       /* BAO_FAKEBAO_CONNECT_TIMEOUT_MS, default 10000 */
	int real_device;       /* /dev/bao-io-dispatcher exists: Bao is real, stay out of the way */
	int connected;
	struct fakebao_dm_conn conn;
	struct supervise_fds fds;
	struct supervise_attach attach;
	/* What was served, for the summary line. */
	_Atomic uint64_t opens, continued, enotty;
	_Atomic uint64_t ioctls[SUPERVISE_FILTER_UNKNOWN + 1];
};

/* Reads the environment as bao_preload does; connects to fakebao on the first open of the
 * dispatcher. Returns 0 or -errno. */
int supervise_bao_init(struct supervise_bao *b, int listener);
/* Answers one notification (or hands a blocking ATTACH to a worker). Never blocks for long:
 * at most a fakebao control round trip (5 s bound) or the first connection. */
void supervise_bao_handle(struct supervise_bao *b, const struct seccomp_notif *n);
/* Stops the ATTACH workers (up to timeout_ms) and disconnects. */
void supervise_bao_destroy(struct supervise_bao *b, int timeout_ms);
/* One info line: opens served, ioctls by name, ENOTTY answers, calls let through. */
void supervise_bao_summary(struct supervise_bao *b);

#endif
