/* qemu_fe_fuzz.c - one guest-fuzzer round over the agent's console protocol: the workload runs
 * inside the guest (guest/agent_fuzz.c); the host only relays its oracle lines and reads the
 * counts, so a round costs one request line however many FUSE requests it makes. */
#include "qemu_fe_fuzz.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "qemu_fe_priv.h"

static void qemu_fe_fuzz_counts(const char *s, struct qemu_fe_fuzz_round *r)
{
	const char *c = strstr(s, "child=");

	sscanf(s, "ops=%lu errors=%lu mountfail=%lu anomalies=%lu oracles=%lu notes=%lu hung=%d",
	       &r->ops, &r->errors, &r->mountfail, &r->anomalies, &r->oracles, &r->notes, &r->hung);
	snprintf(r->child, sizeof(r->child), "%.20s", c ? c + 6 : "?");
}

int qemu_fe_fuzz(struct qemu_fe *q, int ms, uint64_t seed, unsigned remount_pct, int timeout_ms,
		 qemu_fe_fuzz_line_fn fn, void *arg, struct qemu_fe_fuzz_round *r, char *why,
		 size_t whylen)
{
	static const char *const kinds[] = {"ANOMALY", "ORACLE", "HANG", "NOTE", NULL};
	char req[64], msg[QEMU_CONSOLE_MSG_MAX];
	int64_t deadline = clock_now_ns() + ((int64_t)ms + timeout_ms) * 1000000LL;
	int n = snprintf(req, sizeof(req), "@@FUZZ %d %" PRIu64 " %u\n", ms, seed, remount_pct), rc;

	memset(r, 0, sizeof(*r));
	why[0] = '\0';
	if (q->broken) {
		snprintf(why, whylen, "guest unusable: %s", q->broken_why);
		return q->broken;
	}
	rc = qemu_console_send(&q->con, req, (size_t)n, deadline);
	while (rc == 0) {
		rc = qemu_console_next_msg(&q->con, msg, sizeof(msg), deadline);
		if (rc < 0)
			break;
		rc = 0;
		for (int i = 0; kinds[i]; i++) {
			size_t k = strlen(kinds[i]);

			if (!strncmp(msg + 2, kinds[i], k) && msg[2 + k] == ' ')
				fn(arg, kinds[i], msg + 3 + k);
		}
		if (!strncmp(msg, "@@RESULT 0 ok FUZZ ", 19)) {
			qemu_fe_fuzz_counts(msg + 19, r);
			return 0;
		}
		if (!strncmp(msg, "@@RESULT 0 fail ", 16)) {
			snprintf(why, whylen, "%s", msg + 16);
			return 1;
		}
	}
	if (rc == -ETIMEDOUT)
		snprintf(why, whylen, "no workload result from the guest within %d ms",
			 ms + timeout_ms);
	return qemu_fe_broken(q, rc, why, whylen);
}
