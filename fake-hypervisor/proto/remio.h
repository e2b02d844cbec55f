/* remio.h - frontend-side helpers of the request path (remio.c); the device-model side is
 * declared in fakebao_shm.h because bao_preload uses it too. */
#ifndef FAKEBAO_REMIO_H
#define FAKEBAO_REMIO_H

#include <stdint.h>

#include "fakebao_shm.h"

const char *remio_op_name(uint64_t op);
/* Append a request to dm_id's FIFO (caller serialises producers). -EAGAIN when full. */
int remio_enqueue(struct fakebao_shm *shm, uint32_t dm_id, const struct bao_virtio_request *req,
		  int doorbell_fd);
/* Mark vcpu's slot pending for id. -EBUSY if the vCPU already has an access outstanding. */
int remio_slot_arm(struct fakebao_shm *shm, unsigned int vcpu, uint64_t id);
/* Wait for the completion of id; -ETIMEDOUT withdraws it. When *abort_err (may be NULL)
 * becomes nonzero the request is withdrawn too and that value returned - unless the device
 * model is completing it at that very moment, which then wins. */
int remio_slot_wait(struct fakebao_shm *shm, unsigned int vcpu, uint64_t id, int spin_us,
		    int timeout_ms, uint64_t *value, _Atomic int *abort_err);

#endif
