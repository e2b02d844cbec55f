/* fakebao_priv.h - fakebao's internal state, shared by its files (fakebao.c: regions, traps,
 * interrupts; fakebao_ctl.c: the control thread that device models register eventfds with). */
#ifndef FAKEBAO_PRIV_H
#define FAKEBAO_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "fakebao.h"
#include "fakebao_shm.h"

#define FAKEBAO_MAX_REGIONS 8
#define FAKEBAO_MAX_IOEVENTFDS 64
#define FAKEBAO_MAX_IRQFDS 8
#define FAKEBAO_MAX_CLIENTS 8

struct fakebao_region {
	uint64_t base, size;
	uint32_t dm_id;
};

struct fakebao_ioeventfd {
	int fd; /* -1 when free */
	int client;
	uint32_t dm_id;
	uint32_t flags;
	uint64_t addr;
	uint32_t len;
	uint64_t data;
};

struct fakebao_irqfd {
	int fd; /* -1 when free */
	int client;
	uint32_t dm_id;
};

/* What fakebao knows of the device model serving a dm_id (see fakebao_fault_dm_lost in fakebao.c).
 */
enum fakebao_dm_state {
	FAKEBAO_DM_NEVER,    /* none has attached yet: requests queue up to the trap timeout */
	FAKEBAO_DM_ATTACHED, /* a connected device model did DM_GET_INFO for this id */
	FAKEBAO_DM_LOST,     /* it disconnected: waiters fail at once, new requests wait a grace */
};

struct fakebao {
	struct fakebao_config cfg;
	char socket_path[108];
	int window_fd;
	void *window;
	int shm_fd;
	struct fakebao_shm *shm;
	int listen_fd;
	int stop_efd;		       /* wakes the control thread for shutdown */
	int irq_wake_efd;	       /* wakes fakebao_wait_irq when the irqfd set changes */
	int doorbell[FAKEBAO_MAX_DMS]; /* per-DM eventfd rung when a request is queued */
	pthread_t ctl_thread;
	int ctl_running;

	pthread_mutex_t lock; /* regions, ioeventfds, irqfds, clients, producer side of queues */
	struct fakebao_region regions[FAKEBAO_MAX_REGIONS];
	int nr_regions;
	struct fakebao_ioeventfd ioeventfds[FAKEBAO_MAX_IOEVENTFDS];
	struct fakebao_irqfd irqfds[FAKEBAO_MAX_IRQFDS];
	int clients[FAKEBAO_MAX_CLIENTS];   /* connected device-model sockets, -1 free */
	int client_dm[FAKEBAO_MAX_CLIENTS]; /* dm_id a client asked DM_GET_INFO for, -1 none */
	enum fakebao_dm_state dm_state[FAKEBAO_MAX_DMS];
	int pending_dm[FAKEBAO_MAX_VCPUS]; /* dm_id of the vCPU's outstanding request, -1 none */
	_Atomic int vcpu_abort[FAKEBAO_MAX_VCPUS]; /* -errno: fail the outstanding request now */
	uint64_t seq[FAKEBAO_MAX_VCPUS];

	/* Interrupt faults (fakebao_fault_set_irq), used by fakebao_wait_irq's caller only. */
	_Atomic int irq_drop;	  /* interrupts still to lose */
	_Atomic int irq_delay_ms; /* delivery delay of each interrupt */
	int64_t irq_due_ns;	  /* a delayed interrupt becomes visible then; 0 = none */

	_Atomic int trap_timeout_ms;
	int dm_lost_grace_ms;		  /* resolved cfg.dm_lost_grace_ms: -1 no wait, else ms */
	struct fakebao_stats stats;	  /* updated with atomic adds */
	struct fakebao_observer observer; /* fakebao_set_observer; fields NULL when none */
};

int fakebao_ctl_start(struct fakebao *fb);
void fakebao_ctl_stop(struct fakebao *fb);
/* With fb->lock held: drop every registration a disconnected client made. */
void fakebao_ctl_drop_client(struct fakebao *fb, int client);
/* With fb->lock held (fakebao_dm.c's peer, called by the control thread): a client asked
 * DM_GET_INFO for dm_id / a client disconnected. */
void fakebao_fault_dm_attached(struct fakebao *fb, int client, uint32_t dm_id);
/* The name cfg.reg_name gives the register at offset, else "+0xOFF" written into buf. */
const char *fakebao_fault_reg_name(const struct fakebao *fb, uint64_t offset, char *buf,
				   size_t len);
void fakebao_fault_dm_detached(struct fakebao *fb, int client);

#endif
