/* fakebao_fault.c - what fakebao does when things go wrong: a device model that disconnects
 * (its waiting vCPUs fail at once, its stale requests are dropped), interrupt faults (lost or
 * late interrupts, for testing a driver's recovery), and register names for the messages. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "clock.h"
#include "fakebao_priv.h"
#include "log.h"

/* The register's name from the harness's callback, else its offset ("+0x70"). */
const char *fakebao_fault_reg_name(const struct fakebao *fb, uint64_t offset, char *buf, size_t len)
{
	if (fb->cfg.reg_name)
		return fb->cfg.reg_name(offset);
	snprintf(buf, len, "+0x%03llx", (unsigned long long)offset);
	return buf;
}

/* Keep only the queued requests of dm_id whose vCPU still waits for exactly that request;
 * the rest were withdrawn (timeout) or aborted (device model lost) and must never reach a
 * device model: a stale Status write would reset the next one. Only with no consumer
 * attached to dm_id (fb->lock held), so rewriting the ring cannot race a fetch. */
static unsigned int fakebao_queue_compact(struct fakebao *fb, uint32_t dm_id)
{
	struct fakebao_queue *q = &fb->shm->q[dm_id];
	uint32_t head = atomic_load(&q->head), tail = atomic_load(&q->tail);
	uint32_t keep = head, n = head - tail;
	struct bao_virtio_request kept[FAKEBAO_QLEN];
	unsigned int nk = 0;

	for (uint32_t i = 0; i < n && i < FAKEBAO_QLEN; i++) {
		const struct bao_virtio_request *r = &q->ring[(tail + i) % FAKEBAO_QLEN];
		uint64_t vcpu = r->request_id & 0xff;

		if (vcpu < fb->cfg.nr_vcpus &&
		    atomic_load(&fb->shm->slot[vcpu].tag) == r->request_id)
			kept[nk++] = *r;
	}
	/* Rewrite the kept ones just below head, then move tail up to them. */
	for (unsigned int i = 0; i < nk; i++)
		q->ring[(keep - nk + i) % FAKEBAO_QLEN] = kept[i];
	atomic_store(&q->tail, keep - nk);
	return n - nk;
}

static int fakebao_dm_served(const struct fakebao *fb, uint32_t dm_id, int except)
{
	for (int i = 0; i < FAKEBAO_MAX_CLIENTS; i++)
		if (i != except && fb->clients[i] >= 0 && fb->client_dm[i] == (int)dm_id)
			return 1;
	return 0;
}

void fakebao_fault_dm_attached(struct fakebao *fb, int client, uint32_t dm_id)
{
	unsigned int dropped;

	if (client < 0 || client >= FAKEBAO_MAX_CLIENTS || dm_id >= FAKEBAO_MAX_DMS)
		return;
	if (!fakebao_dm_served(fb, dm_id, client)) {
		dropped = fakebao_queue_compact(fb, dm_id);
		if (dropped)
			log_info("fakebao: device model %u attached; %u stale request(s) dropped",
				 dm_id, dropped);
	}
	fb->client_dm[client] = (int)dm_id;
	fb->dm_state[dm_id] = FAKEBAO_DM_ATTACHED;
}

/* The device model behind dm_id is gone: every vCPU waiting on it fails now with -ENODEV
 * (what it fetched will never complete), and nothing it left queued survives. */
void fakebao_fault_dm_detached(struct fakebao *fb, int client)
{
	int dm = client >= 0 && client < FAKEBAO_MAX_CLIENTS ? fb->client_dm[client] : -1;
	unsigned int aborted = 0;

	if (dm < 0)
		return;
	fb->client_dm[client] = -1;
	if (fakebao_dm_served(fb, (uint32_t)dm, client))
		return;
	fb->dm_state[dm] = FAKEBAO_DM_LOST;
	for (unsigned int v = 0; v < fb->cfg.nr_vcpus; v++) {
		struct fakebao_slot *s = &fb->shm->slot[v];

		if (fb->pending_dm[v] != dm)
			continue;
		atomic_store(&fb->vcpu_abort[v], -ENODEV);
		atomic_fetch_add(&s->futex, 1);
		remio_futex_wake(&s->futex);
		aborted++;
	}
	/* Aborted waiters withdraw their slots themselves; drop what they had queued. */
	atomic_store(&fb->shm->q[dm].tail, atomic_load(&fb->shm->q[dm].head));
	if (aborted)
		log_warn(
		    "fakebao: device model %d disconnected; %u waiting vCPU(s) fail with ENODEV, "
		    "new requests wait %d ms for a new one",
		    dm, aborted, fb->dm_lost_grace_ms);
	else
		log_info(
		    "fakebao: device model %d disconnected; new requests wait %d ms for a new one",
		    dm, fb->dm_lost_grace_ms);
}

void fakebao_fault_set_irq(struct fakebao *fb, int drop_n, int delay_ms)
{
	if (drop_n >= 0)
		atomic_store(&fb->irq_drop, drop_n);
	if (delay_ms >= 0)
		atomic_store(&fb->irq_delay_ms, delay_ms);
	if (delay_ms == 0 && fb->irq_due_ns)
		fb->irq_due_ns = clock_now_ns(); /* a delayed one arrives now */
}

int fakebao_fault_dm_lost(struct fakebao *fb, uint32_t dm_id)
{
	int r;

	if (dm_id >= FAKEBAO_MAX_DMS)
		return 0;
	pthread_mutex_lock(&fb->lock);
	r = fb->dm_state[dm_id] == FAKEBAO_DM_LOST;
	pthread_mutex_unlock(&fb->lock);
	return r;
}
