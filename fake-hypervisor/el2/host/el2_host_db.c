/* el2_host_db.c - el2_host's doorbell mode: QEMU's pci-serial (owned by the EL2 stub) connects
 * its chardev to a unix socket we listen on. A byte from the stub means "request posted": the
 * request thread, blocked in poll(), wakes at once and serves it. The irq thread blocks on the
 * device's irqfd; both ring the stub back with a byte, which raises the UART's receive
 * interrupt and wakes the stub's WFI. No polling on either side; every wait is bounded. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "el2_host_priv.h"
#include "fakebao.h"
#include "log.h"
#include "spin.h"

#define EL2_HOST_DB_POLL_MS 5 /* backup: look at the mailbox at least this often */
#define EL2_HOST_DB_IRQ_MS 50 /* bound on one irqfd wait (stop latency) */

static void el2_host_db_ring(struct el2_host *h)
{
	int fd = atomic_load(&h->conn_fd);

	/* Non-blocking: a full socket means the stub has bytes waiting already. */
	if (fd >= 0 && write(fd, "h", 1) == 1) {
		pthread_mutex_lock(&h->lock);
		h->st.db_tx++;
		pthread_mutex_unlock(&h->lock);
	}
}

/* Readable connection: drain it. Returns 0, or -EPIPE when QEMU closed its end. */
static int el2_host_db_drain(struct el2_host *h, int fd)
{
	char buf[256];
	ssize_t n;
	uint64_t got = 0;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		got += (uint64_t)n;
	pthread_mutex_lock(&h->lock);
	h->st.db_rx += got;
	pthread_mutex_unlock(&h->lock);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return -EPIPE;
	return 0;
}

/* Halt-polling on the host side: a guest doing I/O traps again within tens of us, and the
 * doorbell's wake-up (QEMU's chardev thread, then ours) costs about as much; so after serving,
 * watch the mailbox for spin_ns before going back to poll() (0: do not). */
static void el2_host_db_linger(struct el2_host *h)
{
	int64_t until;
	struct spin_yield y = {0};

	if (!h->spin_ns)
		return;
	until = clock_now_ns() + h->spin_ns;
	for (int64_t now = clock_now_ns(); now < until && !atomic_load(&h->stop);
	     now = clock_now_ns()) {
		if (el2_host_serve_pending(h) > 0) {
			atomic_thread_fence(memory_order_seq_cst);
			if (el2_host_any_sleeping(h))
				el2_host_db_ring(h);
			until = clock_now_ns() + h->spin_ns;
			pthread_mutex_lock(&h->lock);
			h->st.fast_polls++;
			pthread_mutex_unlock(&h->lock);
			continue;
		}
		spin_pause(now, &y);
	}
}

static void *el2_host_db_req_thread(void *arg)
{
	struct el2_host *h = arg;

	while (!atomic_load(&h->stop)) {
		int conn = atomic_load(&h->conn_fd);
		struct pollfd p = {conn >= 0 ? conn : h->listen_fd, POLLIN, 0};
		int r = poll(&p, 1, EL2_HOST_DB_POLL_MS);

		if (r > 0 && conn < 0) {
			int fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

			if (fd >= 0)
				atomic_store(&h->conn_fd, fd);
			continue;
		}
		if (r > 0 && el2_host_db_drain(h, conn) < 0) {
			/* QEMU went away: back to waiting for a connection (closed at stop). */
			log_debug("el2: doorbell connection closed by QEMU");
			atomic_store(&h->conn_fd, -1);
			close(conn);
			continue;
		}
		/* Ring only a stub that sleeps for its answer (it spins first). serve() stored
		 * resp_seq; the fence orders that store before this load (the stub mirrors it). */
		if (el2_host_serve_pending(h) > 0) {
			atomic_thread_fence(memory_order_seq_cst);
			if (el2_host_any_sleeping(h))
				el2_host_db_ring(h);
			el2_host_db_linger(h);
		}
		if (r == 0)
			el2_host_check_stub(h);
	}
	return NULL;
}

static void *el2_host_db_irq_thread(void *arg)
{
	struct el2_host *h = arg;

	while (!atomic_load(&h->stop)) {
		if (fakebao_wait_irq(h->fb, EL2_HOST_DB_IRQ_MS) == 1) {
			el2_host_raise(h);
			el2_host_db_ring(h);
		}
	}
	return NULL;
}

static int el2_host_db_listen(struct el2_host *h, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path) || strlen(path) >= sizeof(h->db_path)) {
		log_err("el2: doorbell socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		int e = errno;

		log_err("el2: cannot listen on %s: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	strcpy(h->db_path, path);
	h->listen_fd = fd;
	return 0;
}

int el2_host_db_start(struct el2_host *h, const char *path)
{
	int rc = el2_host_db_listen(h, path);

	if (rc)
		return rc;
	h->doorbell = 1;
	rc = pthread_create(&h->thread, NULL, el2_host_db_req_thread, h);
	if (rc == 0) {
		rc = pthread_create(&h->irq_thread, NULL, el2_host_db_irq_thread, h);
		if (rc) {
			atomic_store(&h->stop, 1);
			pthread_join(h->thread, NULL);
		}
	}
	if (rc) {
		log_err("el2: cannot start the doorbell threads: %s", strerror(rc));
		close(h->listen_fd);
		unlink(h->db_path);
		return -rc;
	}
	return 0;
}

void el2_host_db_stop(struct el2_host *h)
{
	int conn;

	pthread_join(h->thread, NULL);	   /* bounded: 5 ms poll or one trap timeout */
	pthread_join(h->irq_thread, NULL); /* bounded: one 50 ms irqfd wait */
	conn = atomic_load(&h->conn_fd);
	if (conn >= 0)
		close(conn);
	close(h->listen_fd);
	unlink(h->db_path);
}
