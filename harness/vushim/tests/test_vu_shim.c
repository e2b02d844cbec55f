/* test_vu_shim.c - the vhost-user shim: its message parser accepts what QEMU sends and refuses
 * sizes and fd counts that do not match; the proxy between a fake QEMU and a fake virtiofsd on
 * socketpairs passes messages and fds both ways, gives virtiofsd the relay's call eventfd, maps
 * QEMU's memory, and the relay mutates a reply found through QEMU's user addresses before it
 * signals QEMU's call fd. */
#include <errno.h>
#include <linux/fuse.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "vu_shim.h"
#include "vu_shim_msg.h"

#define RAM_GPA 0x40000000ULL
#define RAM_UVA 0x7f0000000000ULL /* QEMU's address of guest RAM: never ours */
#define RAM_SIZE (64 * 1024)

static size_t msg(uint8_t *b, uint32_t req, uint32_t flags, const void *pl, uint32_t size)
{
	struct vhost_user_hdr h = {req, flags | VHOST_USER_VERSION, size};

	memcpy(b, &h, sizeof(h));
	memcpy(b + VHOST_USER_HDR_SIZE, pl, size);
	return VHOST_USER_HDR_SIZE + size;
}

static void send_fds(int sock, const uint8_t *b, size_t len, const int *fds, unsigned n)
{
	char cbuf[CMSG_SPACE(8 * sizeof(int))] = {0};
	struct iovec iov = {(void *)b, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (n) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	}
	assert_int_equal(sendmsg(sock, &mh, 0), (ssize_t)len);
}

/* One message as it arrived, with its fds. */
static size_t recv_fds(int sock, uint8_t *b, size_t cap, int *fds, unsigned *n)
{
	char cbuf[CMSG_SPACE(8 * sizeof(int))];
	struct iovec iov = {b, cap};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t got = recvmsg(sock, &mh, MSG_DONTWAIT);

	assert_true(got > 0);
	*n = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		unsigned k = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

		memcpy(fds + *n, CMSG_DATA(c), k * sizeof(int));
		*n += k;
	}
	return (size_t)got;
}

static void test_parse(void **state)
{
	uint8_t b[VHOST_USER_MSG_MAX], pl[64] = {0};
	struct vu_shim_msg m;
	char why[200];
	uint64_t u;
	size_t n;

	(void)state;
	/* SET_VRING_ADDR: index, flags, desc, used, avail, log. */
	u = 1;
	memcpy(pl, &u, 4);
	u = RAM_UVA + 0x1000;
	memcpy(pl + 8, &u, 8);
	u = RAM_UVA + 0x2000;
	memcpy(pl + 16, &u, 8);
	n = msg(b, VHOST_USER_SET_VRING_ADDR, 0, pl, 40);
	assert_int_equal(vu_shim_msg_parse(b, n, 0, &m, why, sizeof(why)), 0);
	assert_int_equal(m.kind, VU_SHIM_MSG_VRING_ADDR);
	assert_int_equal(m.vring, 1);
	assert_true(m.desc_uva == RAM_UVA + 0x1000 && m.used_uva == RAM_UVA + 0x2000);
	/* The wrong size, or a length that is not the header's. */
	n = msg(b, VHOST_USER_SET_VRING_ADDR, 0, pl, 32);
	assert_int_equal(vu_shim_msg_parse(b, n, 0, &m, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "SET_VRING_ADDR (request 9, size 32): payload 32"));
	assert_int_equal(vu_shim_msg_parse(b, n - 1, 0, &m, why, sizeof(why)), -EINVAL);
	/* A ring index is 8 bits (the fuzz target found 65537 accepted). */
	u = 65537;
	memcpy(pl, &u, 4);
	n = msg(b, VHOST_USER_SET_VRING_ADDR, 0, pl, 40);
	assert_int_equal(vu_shim_msg_parse(b, n, 0, &m, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "ring index 65537"));
	/* SET_VRING_CALL: an fd exactly when NOFD is clear. */
	u = 1;
	n = msg(b, VHOST_USER_SET_VRING_CALL, 0, &u, 8);
	assert_int_equal(vu_shim_msg_parse(b, n, 1, &m, why, sizeof(why)), 0);
	assert_false(m.nofd);
	assert_int_equal(vu_shim_msg_parse(b, n, 0, &m, why, sizeof(why)), -EINVAL);
	u = 1 | VHOST_USER_VRING_NOFD;
	n = msg(b, VHOST_USER_SET_VRING_CALL, 0, &u, 8);
	assert_int_equal(vu_shim_msg_parse(b, n, 0, &m, why, sizeof(why)), 0);
	assert_true(m.nofd);
	/* SET_MEM_TABLE: as many fds as regions, no region of size 0, none wrapping. */
	memset(pl, 0, sizeof(pl));
	pl[0] = 1;
	u = RAM_GPA;
	memcpy(pl + 8, &u, 8);
	u = RAM_SIZE;
	memcpy(pl + 16, &u, 8);
	u = RAM_UVA;
	memcpy(pl + 24, &u, 8);
	n = msg(b, VHOST_USER_SET_MEM_TABLE, 0, pl, 40);
	assert_int_equal(vu_shim_msg_parse(b, n, 1, &m, why, sizeof(why)), 0);
	assert_int_equal(m.nregions, 1);
	assert_int_equal(vu_shim_msg_parse(b, n, 0, &m, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "fds for the regions 0"));
	pl[0] = 9;
	n = msg(b, VHOST_USER_SET_MEM_TABLE, 0, pl, 40);
	assert_int_equal(vu_shim_msg_parse(b, n, 9, &m, why, sizeof(why)), -EINVAL);
	pl[0] = 1;
	u = ~0ULL - 10;
	memcpy(pl + 24, &u, 8);
	n = msg(b, VHOST_USER_SET_MEM_TABLE, 0, pl, 40);
	assert_int_equal(vu_shim_msg_parse(b, n, 1, &m, why, sizeof(why)), -EINVAL);
	/* ADD_MEM_REG: padding, one region, one fd. */
	memset(pl, 0, sizeof(pl));
	u = RAM_SIZE;
	memcpy(pl + 16, &u, 8);
	n = msg(b, VU_SHIM_MSG_ADD_MEM_REG, 0, pl, 40);
	assert_int_equal(vu_shim_msg_parse(b, n, 1, &m, why, sizeof(why)), 0);
	assert_int_equal(m.kind, VU_SHIM_MSG_ADD_REG);
	assert_int_equal(vu_shim_msg_parse(b, n, 0, &m, why, sizeof(why)), -EINVAL);
	/* Anything else passes, whatever it holds. */
	n = msg(b, VHOST_USER_GET_FEATURES, 0, pl, 0);
	assert_int_equal(vu_shim_msg_parse(b, n, 0, &m, why, sizeof(why)), 0);
	assert_int_equal(m.kind, VU_SHIM_MSG_PASS);
	/* User-address translation: inside a region only. */
	{
		struct vhost_user_mem_region r = {RAM_GPA, RAM_SIZE, RAM_UVA, 0};
		uint64_t off;

		assert_int_equal(vu_shim_msg_uva(&r, 1, RAM_UVA + 16, 16, &off), 0);
		assert_int_equal(off, 16);
		assert_int_equal(vu_shim_msg_uva(&r, 1, RAM_UVA + RAM_SIZE - 8, 16, &off), -ENOENT);
		assert_int_equal(vu_shim_msg_uva(&r, 1, RAM_UVA - 1, 1, &off), -ENOENT);
	}
}

static void put_desc(uint8_t *t, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	memcpy(t + 16 * i, &addr, 8);
	memcpy(t + 16 * i + 8, &len, 4);
	memcpy(t + 16 * i + 12, &flags, 2);
	memcpy(t + 16 * i + 14, &next, 2);
}

/* QEMU (qs) -> shim -> virtiofsd (vs): one message of QEMU's, as virtiofsd receives it. */
static size_t through(struct vu_shim *s, int qs, int vs, const uint8_t *b, size_t n, const int *fds,
		      unsigned nfds, uint8_t *out, int *ofds, unsigned *on)
{
	send_fds(qs, b, n, fds, nfds);
	assert_int_equal(vu_shim_front_msg(s), 0);
	return recv_fds(vs, out, VHOST_USER_MSG_MAX, ofds, on);
}

static void test_proxy(void **state)
{
	char dir[] = "/tmp/test_vu_shim.XXXXXX", path[64];
	uint8_t b[VHOST_USER_MSG_MAX], out[VHOST_USER_MSG_MAX], pl[64] = {0}, *ram;
	int q[2], v[2], fds[4], ofds[8], mfd, qcall, kick;
	struct fuse_in_header in = {.len = 56, .opcode = FUSE_GETATTR, .unique = 42};
	struct fuse_out_header oh = {.len = 16 + sizeof(struct fuse_attr_out), .unique = 42};
	struct pollfd p;
	struct mut_relay r;
	struct vu_shim s;
	unsigned on;
	uint64_t u, val;
	uint32_t used[2] = {0, oh.len};
	uint16_t idx = 1;
	size_t n;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/mutate.ctl", dir);
	f = fopen(path, "w");
	fputs("error\n", f);
	fclose(f);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, q), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, v), 0);
	assert_int_equal(mut_relay_init(&r, 1, 1, dir), 0);
	vu_shim_init(&s, q[1], v[0], &r);

	/* QEMU shares guest RAM: the shim maps it, virtiofsd gets the same fd. */
	mfd = memfd_create("ram", MFD_CLOEXEC);
	assert_int_equal(ftruncate(mfd, RAM_SIZE), 0);
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	assert_true(ram != MAP_FAILED);
	pl[0] = 1;
	u = RAM_GPA;
	memcpy(pl + 8, &u, 8);
	u = RAM_SIZE;
	memcpy(pl + 16, &u, 8);
	u = RAM_UVA;
	memcpy(pl + 24, &u, 8);
	n = msg(b, VHOST_USER_SET_MEM_TABLE, VHOST_USER_NEED_REPLY, pl, 40);
	assert_int_equal(through(&s, q[0], v[1], b, n, &mfd, 1, out, ofds, &on), n);
	assert_memory_equal(out, b, n);
	assert_int_equal(on, 1);
	close(ofds[0]);
	assert_int_equal(s.nreg, 1);
	/* virtiofsd's ack goes back to QEMU unchanged. */
	u = 0;
	n = msg(b, VHOST_USER_SET_MEM_TABLE, VHOST_USER_REPLY, &u, 8);
	send_fds(v[1], b, n, NULL, 0);
	assert_int_equal(vu_shim_back_msg(&s), 0);
	assert_int_equal(recv_fds(q[0], out, sizeof(out), ofds, &on), n);
	assert_memory_equal(out, b, n);

	/* Ring 1: 8 entries, desc at +0x1000, avail +0x1800, used +0x2000 in QEMU's addresses. */
	{
		struct vhost_user_vring_state st = {1, 8};

		n = msg(b, VHOST_USER_SET_VRING_NUM, 0, &st, 8);
		through(&s, q[0], v[1], b, n, NULL, 0, out, ofds, &on);
	}
	memset(pl, 0, sizeof(pl));
	pl[0] = 1;
	u = RAM_UVA + 0x1000;
	memcpy(pl + 8, &u, 8);
	u = RAM_UVA + 0x2000;
	memcpy(pl + 16, &u, 8);
	u = RAM_UVA + 0x1800;
	memcpy(pl + 24, &u, 8);
	n = msg(b, VHOST_USER_SET_VRING_ADDR, 0, pl, 40);
	assert_int_equal(through(&s, q[0], v[1], b, n, NULL, 0, out, ofds, &on), n);
	assert_memory_equal(out, b, n); /* QEMU's addresses reach virtiofsd as they were */
	/* The call fd: virtiofsd gets the relay's, QEMU's is kept. */
	qcall = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	u = 1;
	n = msg(b, VHOST_USER_SET_VRING_CALL, 0, &u, 8);
	through(&s, q[0], v[1], b, n, &qcall, 1, out, ofds, &on);
	assert_int_equal(on, 1);
	val = 1;
	assert_int_equal(write(ofds[0], &val, 8), 8);
	assert_int_equal(read(r.call_fd, &val, 8), 8); /* it was the relay's eventfd */
	close(ofds[0]);
	assert_true(r.q[1].notify_fd >= 0); /* the shim's copy of QEMU's fd */
	/* The kick starts the ring: the relay has it from now on. */
	kick = eventfd(0, EFD_CLOEXEC);
	u = 1;
	n = msg(b, VHOST_USER_SET_VRING_KICK, 0, &u, 8);
	fds[0] = kick;
	through(&s, q[0], v[1], b, n, fds, 1, out, ofds, &on);
	assert_int_equal(on, 1);
	close(ofds[0]);
	assert_true(r.q[1].live);

	/* The guest puts a GETATTR in (descriptors carry guest-physical addresses)... */
	put_desc(ram + 0x1000, 0, RAM_GPA + 0x3000, sizeof(in), 1, 1);
	put_desc(ram + 0x1000, 1, RAM_GPA + 0x4000, 256, 2, 0);
	memcpy(ram + 0x3000, &in, sizeof(in));
	/* ...virtiofsd answers and signals its call fd (the relay's). */
	memcpy(ram + 0x4000, &oh, sizeof(oh));
	memcpy(ram + 0x2000 + 4, used, 8);
	memcpy(ram + 0x2000 + 2, &idx, 2);
	assert_int_equal(mut_relay_run(&r), 0);
	val = 1;
	assert_int_equal(write(r.call_fd, &val, 8), 8);
	/* QEMU's call fd fires once the reply is mutated (bounded wait). */
	p = (struct pollfd){.fd = qcall, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_int_equal(r.mutated, 1);
	memcpy(&oh, ram + 0x4000, sizeof(oh));
	assert_true(oh.error > 0 || oh.error < -4095);

	/* GET_VRING_BASE stops the ring: no more mutation there. */
	{
		struct vhost_user_vring_state st = {1, 0};

		n = msg(b, VHOST_USER_GET_VRING_BASE, 0, &st, 8);
		through(&s, q[0], v[1], b, n, NULL, 0, out, ofds, &on);
	}
	assert_false(r.q[1].live);
	/* QEMU hangs up between messages: the proxy ends cleanly. */
	close(q[0]);
	assert_int_equal(vu_shim_front_msg(&s), -EPIPE);
	vu_shim_destroy(&s);
	mut_relay_destroy(&r);
	munmap(ram, RAM_SIZE);
	close(mfd);
	close(kick);
	close(qcall);
	close(q[1]);
	close(v[0]);
	close(v[1]);
	unlink(path);
	snprintf(path, sizeof(path), "%s/mutations.log", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_proxy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
