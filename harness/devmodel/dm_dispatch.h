/* dm_dispatch.h - route a Bao I/O request to the virtio-mmio register file. */
#ifndef DM_DISPATCH_H
#define DM_DISPATCH_H

#include "bao.h"
#include "virtio_mmio.h"

/* Serve req against m: reads fill req->value; accesses outside [base, base + 0x200) are
 * logged and read as 0. Never fails: the caller always completes the request. */
void dm_dispatch_request(struct virtio_mmio *m, struct bao_virtio_request *req);

#endif
