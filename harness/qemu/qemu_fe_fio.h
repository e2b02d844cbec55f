/* qemu_fe_fio.h - the host end of one fio job in the guest (`@@FIO`, guest/agent_fio.c): the
 * job's options go to the agent, its figures come back as one result line (fio_json.h). */
#ifndef HARNESS_QEMU_FE_FIO_H
#define HARNESS_QEMU_FE_FIO_H

#include <stddef.h>

#include "fio_json.h"
#include "qemu_fe.h"

/* Run fio in the guest on its mount with opts ("rw=randwrite bs=4k ..."; the agent allows a
 * fixed set of keys), bounded by timeout_s in the guest and timeout_s + 15 s here. 0 with *r;
 * 1 when fio or the agent refused or failed (why: fio's own error line); -ETIMEDOUT, -EPIPE
 * (QEMU gone), -EPROTO (a result that does not parse) with why set, the qemu_fe then broken. */
int qemu_fe_fio(struct qemu_fe *q, const char *opts, int timeout_s, struct fio_json_result *r,
		char *why, size_t whylen);

#endif
