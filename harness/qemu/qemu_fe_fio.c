/* qemu_fe_fio.c - one fio job through the agent's console protocol: a request line out, the
 * figures line back; the agent's own bound ends fio first, this one covers a guest that hangs. */
#include "qemu_fe_fio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "qemu_fe_priv.h"

#define QEMU_FE_FIO_SLACK_S 15 /* the agent's answer after its own bound killed fio */

int qemu_fe_fio(struct qemu_fe *q, const char *opts, int timeout_s, struct fio_json_result *r,
		char *why, size_t whylen)
{
	char req[1100], msg[QEMU_CONSOLE_MSG_MAX];
	int64_t deadline =
	    clock_now_ns() + (int64_t)(timeout_s + QEMU_FE_FIO_SLACK_S) * 1000000000LL;
	int n = snprintf(req, sizeof(req), "@@FIO %d %s\n", timeout_s, opts), rc;

	memset(r, 0, sizeof(*r));
	why[0] = '\0';
	if (q->broken) {
		snprintf(why, whylen, "guest unusable: %s", q->broken_why);
		return q->broken;
	}
	if (n < 0 || (size_t)n >= sizeof(req) || strchr(opts, '\n')) {
		snprintf(why, whylen, "fio options too long or multi-line (%zu bytes)",
			 strlen(opts));
		return 1;
	}
	rc = qemu_console_send(&q->con, req, (size_t)n, deadline);
	while (rc == 0) {
		rc = qemu_console_next_msg(&q->con, msg, sizeof(msg), deadline);
		if (rc < 0)
			break;
		rc = 0;
		if (!strncmp(msg, "@@RESULT 0 ok FIO ", 18)) {
			if (!fio_json_scan(msg + 18, r))
				return 0;
			snprintf(why, whylen, "unreadable fio result '%.200s'", msg + 18);
			rc = -EPROTO;
			break;
		}
		if (!strncmp(msg, "@@RESULT 0 fail ", 16)) {
			snprintf(why, whylen, "%s", msg + 16);
			return 1;
		}
	}
	if (rc == -ETIMEDOUT)
		snprintf(why, whylen, "no fio result from the guest within %d s",
			 timeout_s + QEMU_FE_FIO_SLACK_S);
	return qemu_fe_broken(q, rc, why, whylen);
}
