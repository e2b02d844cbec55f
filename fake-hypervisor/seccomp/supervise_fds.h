/* supervise_fds.h - the files the supervisor puts into the device model (the dispatcher
 * stand-in, one window file per DM id) and which of them a target fd number is, whatever the
 * target did with its fds since (dup, dup2, close, fork). */
#ifndef SUPERVISE_FDS_H
#define SUPERVISE_FDS_H

#include <stdint.h>
#include <sys/types.h>

#include "fakebao.h"

enum supervise_fds_kind { SUPERVISE_FDS_NONE = 0, SUPERVISE_FDS_DISPATCHER, SUPERVISE_FDS_DM };

struct supervise_fds {
	int dispatcher;		    /* memfd standing for /dev/bao-io-dispatcher, -1 until opened */
	int dm[FAKEBAO_MAX_DMS];    /* the per-DM fd of each id: our own open file of the window */
	int irqfd[FAKEBAO_MAX_DMS]; /* our copy of each id's assigned irqfd (fakebao's epoll watch)
				     */
};

void supervise_fds_init(struct supervise_fds *t);
void supervise_fds_close(struct supervise_fds *t);
/* The dispatcher's file, created on first use (every open of the device shares it, as every
 * open of Bao's device reaches one driver). Returns our fd (still owned here) or -errno. */
int supervise_fds_dispatcher(struct supervise_fds *t);
/* Takes window_fd (a window fd fakebao sent for DM_GET_INFO; closed here). The first time for
 * dm_id it is reopened through /proc/self/fd into an open file of its own, so that kcmp tells
 * the ids apart; later calls keep that file. Returns our fd (owned here) or -errno. */
int supervise_fds_dm(struct supervise_fds *t, uint32_t dm_id, int window_fd);
/* Which of our files the target's fd is (kcmp KCMP_FILE against each): DISPATCHER, DM with
 * *dm_id set, or NONE (not ours, or no such fd). */
enum supervise_fds_kind supervise_fds_lookup(const struct supervise_fds *t, pid_t tid,
					     int target_fd, uint32_t *dm_id);
/* Keeps fd as dm_id's irqfd copy (closing a previous one); -1 closes it. */
void supervise_fds_set_irqfd(struct supervise_fds *t, uint32_t dm_id, int fd);

#endif
